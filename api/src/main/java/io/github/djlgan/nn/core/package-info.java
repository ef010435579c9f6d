/** Core layers: {@link io.github.djlgan.nn.core.NetworkInNetwork}. */
package io.github.djlgan.nn.core;
