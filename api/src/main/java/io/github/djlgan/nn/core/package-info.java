/**
 * Core layers: {@link io.github.djlgan.nn.core.NetworkInNetwork} and {@link
 * io.github.djlgan.nn.core.Maxout}.
 */
package io.github.djlgan.nn.core;
