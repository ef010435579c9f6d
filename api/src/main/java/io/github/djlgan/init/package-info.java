/**
 * Initialization: data-dependent initialization (Salimans &amp; Kingma 2016, §2.2), where one pass
 * of a real batch sets the scale and offset parameters of every {@link
 * io.github.djlgan.init.DataInitializable} block so that its output on that batch is normalised;
 * and the {@link io.github.djlgan.init.OrthogonalInitializer} (Saxe et al. 2014).
 */
package io.github.djlgan.init;
