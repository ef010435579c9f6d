/** GAN-specific layers: {@link io.github.djlgan.nn.gan.MinibatchStdDev}. */
package io.github.djlgan.nn.gan;
