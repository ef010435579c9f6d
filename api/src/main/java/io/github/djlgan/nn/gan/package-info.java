/**
 * Layers that let a GAN discriminator see the whole minibatch: {@link
 * io.github.djlgan.nn.gan.MinibatchDiscrimination} and {@link
 * io.github.djlgan.nn.gan.MinibatchStdDev}.
 */
package io.github.djlgan.nn.gan;
