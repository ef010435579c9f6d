/**
 * djl-gan-blocks: the layers that make GAN training stable, as ordinary Deep Java Library blocks.
 *
 * <p>The blocks live in {@link io.github.djlgan.nn.core}, and in the sibling packages for
 * normalisation, GAN-specific and convolutional layers. Every block is written with the {@link
 * ai.djl.ndarray.NDArray} API only, so it runs on any DJL engine and device.
 */
package io.github.djlgan;
