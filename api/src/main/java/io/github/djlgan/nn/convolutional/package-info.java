/**
 * Convolutional layers built from operations every DJL engine has: {@link
 * io.github.djlgan.nn.convolutional.Deconv2d}, a transposed 2-D convolution that works on PyTorch
 * and MXNet alike (DJL 0.35.1's own {@code Conv2dTranspose} does not); {@link
 * io.github.djlgan.nn.convolutional.Convolutions}, DJL's convolutions with a workaround for a wrong
 * float32 input gradient on DJL's PyTorch engine, and {@link
 * io.github.djlgan.nn.convolutional.FilterPadding}, which applies it to a plain DJL convolution.
 */
package io.github.djlgan.nn.convolutional;
