/**
 * Ready-made networks built from this project's blocks (improved-gan's MNIST generator and
 * discriminator), with {@link ai.djl.nn.BlockFactory} implementations so trained models load
 * through DJL's {@code Criteria}.
 */
package io.github.djlgan.zoo;
