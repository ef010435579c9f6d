package io.github.djlgan.zoo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.convolutional.FilterPadding;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import io.github.djlgan.nn.norm.EqualizedLearningRate;
import io.github.djlgan.nn.norm.GaussianNoise;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.PixelNorm;
import io.github.djlgan.nn.norm.SpectralNorm;
import io.github.djlgan.nn.norm.WeightNorm;

/** A small network that uses every block of the project, for save/load tests. */
final class EveryBlockNetwork {

    /** Its input shape. */
    static final Shape INPUT = new Shape(6, 3, 6, 6);

    private EveryBlockNetwork() {}

    static SequentialBlock build() {
        return new SequentialBlock()
                .add(GaussianNoise.builder().optSigma(0.2f).build())
                .add(
                        WeightNorm.wrap(
                                Conv2d.builder()
                                        .setKernelShape(new Shape(3, 3))
                                        .setFilters(6)
                                        .optPadding(new Shape(1, 1))
                                        .build()))
                .add(Activation::relu)
                .add(LasagneBatchNorm.builder().build())
                .add(PixelNorm.builder().build())
                .add(
                        SpectralNorm.wrap(
                                Conv2d.builder()
                                        .setKernelShape(new Shape(3, 3))
                                        .setFilters(6)
                                        .optPadding(new Shape(1, 1))
                                        .build()))
                .add(
                        FilterPadding.wrap(
                                Conv2d.builder()
                                        .setKernelShape(new Shape(3, 3))
                                        .setFilters(6)
                                        .optPadding(new Shape(1, 1))
                                        .build()))
                .add(NetworkInNetwork.builder().setUnits(5).optUntieBiases(true).build())
                .add(Maxout.builder().setUnits(5).setPieces(3).build())
                .add(
                        WeightNorm.wrap(
                                Deconv2d.builder()
                                        .setKernelShape(new Shape(4, 4))
                                        .setFilters(4)
                                        .optStride(new Shape(2, 2))
                                        .optPadding(new Shape(1, 1))
                                        .build()))
                .add(x -> Activation.leakyRelu(x, 0.2f))
                .add(MinibatchStdDev.builder().optGroupSize(2).build())
                .add(WeightNorm.wrap(NetworkInNetwork.builder().setUnits(3).build()))
                .add(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .setFilters(2)
                                .optPadding(new Shape(1, 1))
                                .build())
                .add(Blocks.batchFlattenBlock())
                .add(WeightNorm.wrap(Linear.builder().setUnits(16).build()))
                .add(Activation::tanh)
                .add(
                        EqualizedLearningRate.builder()
                                .setBlock(Linear.builder().setUnits(12).build())
                                .optLrMultiplier(0.5f)
                                .build())
                .add(MinibatchDiscrimination.builder().setNumKernels(4).optKernelDim(3).build())
                .add(Linear.builder().setUnits(1).build());
    }
}
