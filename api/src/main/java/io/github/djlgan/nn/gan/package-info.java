/**
 * Layers that let a GAN discriminator see more than one sample at a time: {@link
 * io.github.djlgan.nn.gan.MinibatchDiscrimination}, {@link io.github.djlgan.nn.gan.MinibatchStdDev}
 * and {@link io.github.djlgan.nn.gan.Pack} (PacGAN's packing).
 */
package io.github.djlgan.nn.gan;
