/** Normalisation and regularisation layers. */
package io.github.djlgan.nn.norm;
