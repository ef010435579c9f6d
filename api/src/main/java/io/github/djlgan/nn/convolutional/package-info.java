/**
 * Convolutional layers built from operations every DJL engine has: {@link
 * io.github.djlgan.nn.convolutional.Deconv2d}, a transposed 2-D convolution that works on PyTorch
 * and MXNet alike (DJL 0.35.1's own {@code Conv2dTranspose} does not).
 */
package io.github.djlgan.nn.convolutional;
