/**
 * improved-gan's semi-supervised MNIST generator and discriminator ({@link
 * io.github.djlgan.zoo.mnist.ImprovedGanMnist}, Salimans et al. 2016) and what it takes to ship
 * them as DJL models: their {@link ai.djl.nn.BlockFactory} implementations, the discriminator's
 * image → classes translator, and {@link io.github.djlgan.zoo.mnist.ImprovedGanPackager}, the
 * {@link io.github.djlgan.zoo.ModelPackager} settings of each network.
 */
package io.github.djlgan.zoo.mnist;
