/** Layers that let a GAN discriminator see the whole minibatch. */
package io.github.djlgan.nn.gan;
