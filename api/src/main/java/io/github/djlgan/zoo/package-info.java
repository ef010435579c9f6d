/**
 * Ready-made networks built from this project's blocks (improved-gan's MNIST generator and
 * discriminator), and what it takes to ship them as DJL models: {@link ai.djl.nn.BlockFactory}
 * implementations, translators (seed → images for the generator, image → classes for the
 * discriminator) and {@link io.github.djlgan.zoo.ModelPackager}, which turns a saved model into a
 * zip that DJL's {@code Criteria} loads on any engine.
 */
package io.github.djlgan.zoo;
