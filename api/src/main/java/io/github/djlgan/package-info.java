/**
 * djl-gan-blocks: the layers that make GAN training stable, as ordinary Deep Java Library blocks.
 *
 * <p>The blocks live in {@link io.github.djlgan.nn.core}, and in the sibling packages for
 * normalisation, GAN-specific and convolutional layers. Every block is written with the {@link
 * ai.djl.ndarray.NDArray} API only, so it runs on any DJL engine and device.
 *
 * <p>Threads: no block keeps per-call state in fields. Configuration is fixed by the builder and
 * parameter shapes by initialization, so inference may run on several threads at once with one
 * {@code Predictor} per thread. The blocks that write during a forward pass are {@link
 * io.github.djlgan.nn.norm.LasagneBatchNorm}, whose training passes update its running averages in
 * place, and {@link io.github.djlgan.nn.norm.SpectralNorm}, whose training passes update its power
 * iteration's vectors u and v in place.
 *
 * <p>Bad inputs: a block with parameters rejects an input whose data type is not its parameters'
 * (no silent cast) and an input whose sizes do not fit its parameters, with an {@link
 * java.lang.IllegalArgumentException} that names the block and gives the expected and the actual
 * shape or type; used for inference before {@code initialize}, it throws an {@link
 * java.lang.IllegalStateException}. An empty batch gives an empty output, except where a statistic
 * over the batch would be undefined.
 */
package io.github.djlgan;
