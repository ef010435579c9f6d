/**
 * Training helpers for GANs: {@link io.github.djlgan.training.DetachedParameterStore} runs one
 * network on detached parameters while the other is trained through it.
 */
package io.github.djlgan.training;
