/**
 * Training helpers for GANs: {@link io.github.djlgan.training.DetachedParameterStore} runs one
 * network on detached parameters while the other is trained through it; {@link
 * io.github.djlgan.training.WrappingParameterStore} is the parameter-store view a wrapping block
 * hands to the block it wraps.
 */
package io.github.djlgan.training;
