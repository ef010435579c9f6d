/**
 * Shipping trained networks as DJL models, for any network: {@link
 * io.github.djlgan.zoo.ModelPackager} turns a directory written by {@code Model.save} into a zip
 * that DJL's {@code Criteria} loads on any engine (given a {@link ai.djl.nn.BlockFactory}, a
 * translator factory and their arguments); {@link io.github.djlgan.zoo.Checkpoints} loads a {@code
 * .params} file checked and all or nothing; {@link io.github.djlgan.zoo.ParamsHeader} reads the
 * file's header; {@link io.github.djlgan.zoo.GeneratorTranslator} turns an image generator into
 * seed → images. The improved-gan MNIST networks and their packaging are in {@link
 * io.github.djlgan.zoo.mnist}.
 */
package io.github.djlgan.zoo;
