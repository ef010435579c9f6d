/**
 * The layers, by kind in the sub-packages, and {@link io.github.djlgan.nn.WeightLayout}, the weight
 * layouts of the blocks that weight-reparameterising wrappers can wrap.
 */
package io.github.djlgan.nn;
