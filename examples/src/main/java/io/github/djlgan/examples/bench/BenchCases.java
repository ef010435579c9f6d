package io.github.djlgan.examples.bench;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import io.github.djlgan.nn.norm.WeightNorm;
import java.util.List;
import java.util.function.Supplier;

/**
 * The benchmark cases of issue 9, with the FLOPs of one forward + backward step.
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
                        "mbstd",
                        new Shape(64, 512, 4, 4),
                        "MinibatchStdDev group 4",
                        // forward: ~6 passes over the input (centre, square, mean, sqrt, mean,
                        // concat); backward about the same
                        12.0 * 64 * 512 * 4 * 4,
                        () -> MinibatchStdDev.builder().optGroupSize(4).build()));
    }

    private static Block conv96() {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(96)
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
