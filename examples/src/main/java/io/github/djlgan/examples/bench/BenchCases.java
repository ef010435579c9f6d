package io.github.djlgan.examples.bench;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.examples.modes.Protocol;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.convolutional.FilterPadding;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import io.github.djlgan.nn.norm.EqualizedLearningRate;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.SpectralNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.training.NonFiniteCheck;
import java.util.List;
import java.util.function.Supplier;

/**
 * The benchmark cases, with the FLOPs of one forward + backward step.
 *
 * <p>FLOP counting: a layer with M multiply-accumulates costs 2M FLOPs forward and 4M backward
 * (input gradient and weight gradient), 6M in all. Element-wise layers are counted at one FLOP per
 * element and elementary operation, forward and backward — a rough count: they are bound by memory
 * bandwidth, not arithmetic, and their fraction of the matrix-product rate is small by nature.
 */
public final class BenchCases {

    private BenchCases() {}

    /**
     * Returns every case, in table order.
     *
     * @return the cases
     */
    public static List<BenchCase> all() {
        return List.of(
                block(
                        "nin",
                        new Shape(64, 192, 8, 8),
                        "NetworkInNetwork 192 units, bias",
                        6.0 * 64 * 8 * 8 * 192 * 192,
                        () -> NetworkInNetwork.builder().setUnits(192).build()),
                block(
                        "linear",
                        new Shape(100, 784),
                        "DJL Linear 1000 units",
                        6.0 * 100 * 784 * 1000,
                        () -> Linear.builder().setUnits(1000).build()),
                block(
                        "wn_linear",
                        new Shape(100, 784),
                        "WeightNorm(Linear 1000 units)",
                        6.0 * 100 * 784 * 1000,
                        () -> WeightNorm.wrap(Linear.builder().setUnits(1000).build())),
                block(
                        "sn_linear",
                        new Shape(100, 784),
                        "SpectralNorm(Linear 1000 units), 1 power iteration",
                        6.0 * 100 * 784 * 1000,
                        () -> SpectralNorm.wrap(Linear.builder().setUnits(1000).build())),
                block(
                        "conv",
                        new Shape(64, 96, 16, 16),
                        "DJL Conv2d 3×3, 96 filters, pad 1",
                        6.0 * 64 * 16 * 16 * 96 * 96 * 9,
                        BenchCases::conv96),
                block(
                        "wn_conv",
                        new Shape(64, 96, 16, 16),
                        "WeightNorm(Conv2d 3×3, 96 filters, pad 1)",
                        6.0 * 64 * 16 * 16 * 96 * 96 * 9,
                        () -> WeightNorm.wrap(conv96())),
                block(
                        "sn_conv",
                        new Shape(64, 96, 16, 16),
                        "SpectralNorm(Conv2d 3×3, 96 filters, pad 1), 1 power iteration",
                        6.0 * 64 * 16 * 16 * 96 * 96 * 9,
                        () -> SpectralNorm.wrap(conv96())),
                block(
                        "eqlr_conv",
                        new Shape(64, 96, 16, 16),
                        "EqualizedLearningRate(Conv2d 3×3, 96 filters, pad 1)",
                        6.0 * 64 * 16 * 16 * 96 * 96 * 9,
                        () -> EqualizedLearningRate.wrap(conv96())),
                block(
                        "deconv",
                        new Shape(64, 256, 8, 8),
                        "Deconv2d 5×5, 128 filters, stride 2, pad 2, outPad 1 → (64, 128, 16, 16)",
                        // each input pixel meets every weight once: 64·8·8·256·128·25 MACs
                        6.0 * 64 * 8 * 8 * 256 * 128 * 25,
                        () ->
                                Deconv2d.builder()
                                        .setKernelShape(new Shape(5, 5))
                                        .setFilters(128)
                                        .optStride(new Shape(2, 2))
                                        .optPadding(new Shape(2, 2))
                                        .optOutPadding(new Shape(1, 1))
                                        .build()),
                block(
                        "deconv_conv",
                        new Shape(64, 256, 8, 8),
                        "DJL Conv2d 5×5, 128 filters, pad 2: the deconv's multiply-accumulates",
                        6.0 * 64 * 8 * 8 * 256 * 128 * 25,
                        () ->
                                Conv2d.builder()
                                        .setKernelShape(new Shape(5, 5))
                                        .setFilters(128)
                                        .optPadding(new Shape(2, 2))
                                        .build()),
                block(
                        "conv_1filter",
                        new Shape(64, 64, 28, 28),
                        "DJL Conv2d 3×3, 1 filter, pad 1: a generator's image layer (its float32"
                                + " input gradient may be wrong on PyTorch/CPU: FilterPadding)",
                        6.0 * 64 * 28 * 28 * 64 * 9,
                        BenchCases::conv1Filter),
                block(
                        "fp_conv_1filter",
                        new Shape(64, 64, 28, 28),
                        "FilterPadding(Conv2d 3×3, 1 filter, pad 1): zero filters up to 16 on"
                                + " PyTorch/CPU (FLOPs counted for the 1 filter)",
                        6.0 * 64 * 28 * 28 * 64 * 9,
                        () -> FilterPadding.wrap(conv1Filter())),
                block(
                        "mbd_small",
                        new Shape(100, 250),
                        "MinibatchDiscrimination K=100, D=5",
                        mbdFlops(100, 250, 100, 5),
                        () -> MinibatchDiscrimination.builder().setNumKernels(100).build()),
                // 1.3·10⁹ pairwise differences per pass: capped at 1 + 3 runs so that the
                // command's time stays bounded (timings in docs/bench)
                block(
                                "mbd_large",
                                new Shape(512, 1024),
                                "MinibatchDiscrimination K=100, D=50 (blocked)",
                                mbdFlops(512, 1024, 100, 50),
                                () ->
                                        MinibatchDiscrimination.builder()
                                                .setNumKernels(100)
                                                .optKernelDim(50)
                                                .build())
                        .limitedTo(1, 3),
                block(
                        "lbn",
                        new Shape(64, 128, 16, 16),
                        "LasagneBatchNorm default axes",
                        // ~8 element-wise passes forward, ~10 backward
                        18.0 * 64 * 128 * 16 * 16,
                        () -> LasagneBatchNorm.builder().build()),
                block(
                        "mbstd",
                        new Shape(64, 512, 4, 4),
                        "MinibatchStdDev group 4",
                        // forward: ~6 passes over the input (centre, square, mean, sqrt, mean,
                        // concat); backward about the same
                        12.0 * 64 * 512 * 4 * 4,
                        () -> MinibatchStdDev.builder().optGroupSize(4).build()),
                new BenchCase(
                        "gan_step",
                        "batch 100",
                        "improved-gan MNIST: one discriminator + one generator Adam step"
                                + " (ImprovedGanMnist) through GanTrainer",
                        GanStep.flops(100),
                        manager -> new GanStep(manager, 100, false)),
                new BenchCase(
                        "gan_step_manual",
                        "batch 100",
                        "the same step as a hand-written loop of two DJL Trainers",
                        GanStep.flops(100),
                        manager -> new GanStep(manager, 100, true)),
                new BenchCase(
                        "metz_step",
                        "batch 512, z 256",
                        "mode-coverage metz: G 2×[Linear 128, tanh] → Linear 2, D 2×[Linear 128,"
                                + " tanh] → Linear 1; one simultaneous Adam step through"
                                + " GanTrainer (ModeRun)",
                        ModeStep.flops(Protocol.METZ),
                        manager -> new ModeStep(manager, Protocol.METZ, NonFiniteCheck.LOSSES)),
                new BenchCase(
                        "metz_step_grad_check",
                        "batch 512, z 256",
                        "metz_step checking every gradient for NaN and infinity as well as the"
                                + " losses (optCheckFinite(LOSSES_AND_GRADIENTS))",
                        ModeStep.flops(Protocol.METZ),
                        manager ->
                                new ModeStep(
                                        manager,
                                        Protocol.METZ,
                                        NonFiniteCheck.LOSSES_AND_GRADIENTS)),
                new BenchCase(
                        "pacgan_step",
                        "batch 100, z 2",
                        "mode-coverage pacgan: G 4×[Linear 400 no bias, LasagneBatchNorm, ReLU] →"
                                + " Linear 2, D 3×Maxout(200, 5) → Linear 1; one simultaneous Adam"
                                + " step through GanTrainer (ModeRun)",
                        ModeStep.flops(Protocol.PACGAN),
                        manager -> new ModeStep(manager, Protocol.PACGAN, NonFiniteCheck.LOSSES)),
                new BenchCase(
                        "pacgan_step_grad_check",
                        "batch 100, z 2",
                        "pacgan_step checking every gradient for NaN and infinity as well as the"
                                + " losses (optCheckFinite(LOSSES_AND_GRADIENTS))",
                        ModeStep.flops(Protocol.PACGAN),
                        manager ->
                                new ModeStep(
                                        manager,
                                        Protocol.PACGAN,
                                        NonFiniteCheck.LOSSES_AND_GRADIENTS)));
    }

    /**
     * FLOPs of MinibatchDiscrimination: the projection x·W (2·N·F·K·D forward, twice that backward)
     * and the pairwise distances (≈ 3 operations per (i, j, k, d) forward — difference, absolute
     * value, sum — and ≈ 6 backward).
     */
    private static double mbdFlops(long n, long f, long k, long d) {
        return 6.0 * n * f * k * d + 9.0 * n * n * k * d;
    }

    private static Block conv96() {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(96)
                .optPadding(new Shape(1, 1))
                .build();
    }

    private static Block conv1Filter() {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(1)
                .optPadding(new Shape(1, 1))
                .build();
    }

    private static BenchCase block(
            String name, Shape input, String description, double flops, Supplier<Block> block) {
        return new BenchCase(
                name,
                input.toString(),
                description,
                flops,
                manager -> new BlockStep(manager, block.get(), input));
    }
}
