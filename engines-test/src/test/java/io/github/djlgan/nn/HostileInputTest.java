package io.github.djlgan.nn;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.UninitializedParameterException;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import io.github.djlgan.init.DataInit;
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
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * What every block does with bad inputs, on both engines: the table "Bad inputs" of the README.
 *
 * <ul>
 *   <li>NaN/Inf in a data-init batch: {@link IllegalArgumentException} naming DataInit and the
 *       network's block, no parameter changed;
 *   <li>an empty batch (N = 0): an empty output of the right shape, except where a statistic over
 *       the batch is undefined (batch norm's batch statistics, the minibatch standard deviation,
 *       data-dependent init): {@link IllegalArgumentException};
 *   <li>integer and float16 inputs: parametric blocks reject an input whose type is not their
 *       parameters' type; parameter-free blocks reject integers and compute float16;
 *   <li>shapes that change between calls: correct output where the block is defined for the new
 *       shape (batch size, spatial size), otherwise {@link IllegalArgumentException} with the
 *       expected and actual shape;
 *   <li>use before {@code initialize}: {@link IllegalStateException} in inference; a training
 *       forward initializes the block (DJL's {@code AbstractBlock} behaviour).
 * </ul>
 */
public class HostileInputTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public HostileInputTest(String engine) {
        super(engine);
    }

    /**
     * A block under test: its name, how to build it, the shape it is initialized with, whether it
     * has parameters, and its formula.
     */
    private record Case(
            String name, Supplier<Block> make, Shape shape, boolean parametric, Formula formula) {}

    /**
     * A block's output by its formula ({@link Formulas}, plain Java in double precision), from the
     * block's current parameters; {@code null} where there is none (Gaussian noise in training).
     */
    @FunctionalInterface
    private interface Formula {
        double[] of(Block block, double[] x, Shape in, boolean training);
    }

    private static final int[] PAD_1 = {1, 1};

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(
                new Case(
                        "NetworkInNetwork",
                        () -> NetworkInNetwork.builder().setUnits(3).build(),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.nin(x, in, p(b, "weight"), 3, p(b, "bias"), false)));
        cases.add(
                new Case(
                        "WeightNorm(Linear)",
                        () -> WeightNorm.wrap(Linear.builder().setUnits(3).build()),
                        new Shape(4, 6),
                        true,
                        (b, x, in, t) ->
                                Formulas.linear(
                                        x,
                                        in,
                                        weightNormed(b, "01Linear"),
                                        3,
                                        p(b, "01Linear_bias"))));
        cases.add(
                new Case(
                        "WeightNorm(Conv2d)",
                        () -> WeightNorm.wrap(conv()),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.conv2d(
                                        x,
                                        in,
                                        weightNormed(b, "01Conv2d"),
                                        shape(b, "01Conv2d_weight"),
                                        p(b, "01Conv2d_bias"),
                                        PAD_1)));
        cases.add(
                new Case(
                        "WeightNorm(NetworkInNetwork)",
                        () -> WeightNorm.wrap(NetworkInNetwork.builder().setUnits(3).build()),
                        new Shape(4, 2, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.nin(
                                        x,
                                        in,
                                        weightNormed(b, "01NetworkInNetwork"),
                                        3,
                                        p(b, "01NetworkInNetwork_bias"),
                                        false)));
        cases.add(
                new Case(
                        "Deconv2d",
                        HostileInputTest::deconv,
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) -> deconv(x, in, p(b, "weight"), p(b, "bias"))));
        cases.add(
                new Case(
                        "WeightNorm(Deconv2d)",
                        () -> WeightNorm.wrap(deconv()),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                deconv(
                                        x,
                                        in,
                                        Formulas.weightNormDeconv(
                                                p(b, "01Deconv2d_weight"),
                                                shape(b, "01Deconv2d_weight"),
                                                1,
                                                p(b, "g")),
                                        p(b, "01Deconv2d_bias"))));
        cases.add(
                new Case(
                        "MinibatchDiscrimination",
                        () ->
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(3)
                                        .optKernelDim(2)
                                        .build(),
                        new Shape(4, 6),
                        true,
                        (b, x, in, t) ->
                                Formulas.minibatchDiscrimination(
                                        x,
                                        (int) in.get(0),
                                        (int) (in.size() / in.get(0)),
                                        p(b, "theta"),
                                        p(b, "logWeightScale"),
                                        p(b, "bias"),
                                        3,
                                        2)));
        cases.add(
                new Case(
                        "LasagneBatchNorm",
                        () -> LasagneBatchNorm.builder().build(),
                        new Shape(4, 3, 5),
                        true,
                        HostileInputTest::lasagneBatchNorm));
        cases.add(
                new Case(
                        "MinibatchStdDev",
                        () -> MinibatchStdDev.builder().optGroupSize(2).build(),
                        new Shape(4, 2, 3, 3),
                        false,
                        (b, x, in, t) -> Formulas.minibatchStdDev(x, in, 2, 1, 1e-8)));
        cases.add(
                new Case(
                        "GaussianNoise",
                        () -> GaussianNoise.builder().optSigma(0.5f).build(),
                        new Shape(4, 3),
                        false,
                        (b, x, in, t) -> t ? null : x));
        cases.add(
                new Case(
                        "Maxout",
                        () -> Maxout.builder().setUnits(3).setPieces(2).build(),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.maxout(x, in, p(b, "weight"), 3, 2, p(b, "bias"))));
        cases.add(
                new Case(
                        "SpectralNorm(Linear)",
                        () -> SpectralNorm.wrap(Linear.builder().setUnits(3).build()),
                        new Shape(4, 6),
                        true,
                        (b, x, in, t) ->
                                Formulas.linear(
                                        x,
                                        in,
                                        spectralNormed(b, "01Linear", 0, t),
                                        3,
                                        p(b, "01Linear_bias"))));
        cases.add(
                new Case(
                        "SpectralNorm(Conv2d)",
                        () -> SpectralNorm.wrap(conv()),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.conv2d(
                                        x,
                                        in,
                                        spectralNormed(b, "01Conv2d", 0, t),
                                        shape(b, "01Conv2d_weight"),
                                        p(b, "01Conv2d_bias"),
                                        PAD_1)));
        cases.add(
                new Case(
                        "SpectralNorm(Deconv2d)",
                        () -> SpectralNorm.wrap(deconv()),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                deconv(
                                        x,
                                        in,
                                        spectralNormed(b, "01Deconv2d", 1, t),
                                        p(b, "01Deconv2d_bias"))));
        cases.add(
                new Case(
                        "EqualizedLearningRate(Linear)",
                        () -> EqualizedLearningRate.wrap(Linear.builder().setUnits(3).build()),
                        new Shape(4, 6),
                        true,
                        (b, x, in, t) ->
                                Formulas.linear(
                                        x,
                                        in,
                                        scaled(
                                                p(b, "01Linear_weight"),
                                                Math.sqrt(2) / Math.sqrt(6)),
                                        3,
                                        p(b, "01Linear_bias"))));
        cases.add(
                new Case(
                        "EqualizedLearningRate(Conv2d)",
                        () -> EqualizedLearningRate.wrap(conv()),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.conv2d(
                                        x,
                                        in,
                                        // fan-in 2 channels · 3 · 3 taps
                                        scaled(
                                                p(b, "01Conv2d_weight"),
                                                Math.sqrt(2) / Math.sqrt(18)),
                                        shape(b, "01Conv2d_weight"),
                                        p(b, "01Conv2d_bias"),
                                        PAD_1)));
        cases.add(
                new Case(
                        "FilterPadding(Conv2d)",
                        () -> FilterPadding.wrap(conv()),
                        new Shape(4, 2, 5, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.conv2d(
                                        x,
                                        in,
                                        p(b, "01Conv2d_weight"),
                                        shape(b, "01Conv2d_weight"),
                                        p(b, "01Conv2d_bias"),
                                        PAD_1)));
        cases.add(
                new Case(
                        "PixelNorm",
                        () -> PixelNorm.builder().build(),
                        new Shape(4, 3, 5),
                        false,
                        (b, x, in, t) -> Formulas.pixelNorm(x, in, 1e-8)));
        cases.add(
                new Case(
                        "WeightNorm(Maxout)",
                        () -> WeightNorm.wrap(Maxout.builder().setUnits(3).setPieces(2).build()),
                        new Shape(4, 2, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.maxout(
                                        x,
                                        in,
                                        weightNormed(b, "01Maxout"),
                                        3,
                                        2,
                                        p(b, "01Maxout_bias"))));
        cases.add(
                new Case(
                        "SpectralNorm(Maxout)",
                        () -> SpectralNorm.wrap(Maxout.builder().setUnits(3).setPieces(2).build()),
                        new Shape(4, 2, 5),
                        true,
                        (b, x, in, t) ->
                                Formulas.maxout(
                                        x,
                                        in,
                                        spectralNormed(b, "01Maxout", 0, t),
                                        3,
                                        2,
                                        p(b, "01Maxout_bias"))));
        return cases;
    }

    /** The case of that name. */
    private static Case named(String name) {
        for (Case c : cases()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no case " + name);
    }

    private static Block conv() {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(3)
                .optPadding(new Shape(1, 1))
                .build();
    }

    private static Block deconv() {
        return Deconv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(3)
                .optStride(new Shape(2, 2))
                .build();
    }

    /** The formula of {@link #deconv()}: 3 filters, 3×3, stride 2. */
    private static double[] deconv(double[] x, Shape in, double[] w, double[] b) {
        int[] none = {0, 0};
        int[] one = {1, 1};
        return Formulas.deconv2d(
                x, in, w, 3, 1, new int[] {3, 3}, new int[] {2, 2}, none, none, one, b);
    }

    /** Lasagne's batch norm over axes (0, 2): batch statistics in training, else the averages. */
    private static double[] lasagneBatchNorm(Block b, double[] x, Shape in, boolean training) {
        int[] index = Formulas.parameterIndex(in, new int[] {0, 2});
        double[] mean = p(b, "mean");
        double[] invStd = p(b, "invStd");
        if (training) {
            double[][] batch = Formulas.batchStatistics(x, index, mean.length, 1e-4);
            mean = batch[0];
            invStd = batch[1];
        }
        return Formulas.normalized(x, index, mean, invStd, p(b, "gamma"), p(b, "beta"));
    }

    /** g · v/‖v‖ for the wrapped block's weight, the norm over every axis but axis 0. */
    private static double[] weightNormed(Block b, String child) {
        return Formulas.weightNorm(p(b, child + "_weight"), p(b, "g"));
    }

    /**
     * W/σ for the wrapped block's weight, σ = uᵀ W v with W a matrix of rows on the channel axis:
     * the stored u and v (inference), or one power iteration from them (training).
     */
    private static double[] spectralNormed(Block b, String child, int axis, boolean training) {
        double[] w = p(b, child + "_weight");
        double[] matrix = channelsFirst(w, shape(b, child + "_weight"), axis);
        double[] u = p(b, "u");
        double[] v = p(b, "v");
        if (training) {
            double[][] uv = Formulas.powerIteration(matrix, u, v);
            u = uv[0];
            v = uv[1];
        }
        return scaled(w, 1 / Formulas.sigma(matrix, u, v));
    }

    /** The weight's values with its axis {@code axis} (0 or 1) first, row-major. */
    private static double[] channelsFirst(double[] w, Shape shape, int axis) {
        if (axis == 0) {
            return w;
        }
        int a = (int) shape.get(0);
        int c = (int) shape.get(1);
        int rest = (int) (shape.size() / a / c);
        double[] m = new double[w.length];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < c; j++) {
                System.arraycopy(w, (i * c + j) * rest, m, (j * a + i) * rest, rest);
            }
        }
        return m;
    }

    private static double[] scaled(double[] w, double factor) {
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i] * factor;
        }
        return out;
    }

    /** A parameter's values, or null if the block has no parameter of that name. */
    private static double[] p(Block b, String name) {
        Parameter parameter = b.getParameters().get(name);
        return parameter == null ? null : NDAssert.toDoubles(parameter.getArray());
    }

    private static Shape shape(Block b, String name) {
        return b.getParameters().get(name).getArray().getShape();
    }

    private Block initialized(Case c) {
        return init(c.make().get(), DataType.FLOAT32, c.shape());
    }

    private NDArray input(Shape shape) {
        return randn(7, shape.getShape());
    }

    private static Shape withBatch(Shape shape, long n) {
        return new Shape(n).addAll(shape.slice(1));
    }

    // ---- empty batch ---------------------------------------------------------------------

    @Test
    public void emptyBatchGivesAnEmptyOutputOrAClearError() {
        for (Case c : cases()) {
            Block block = initialized(c);
            Shape empty = withBatch(c.shape(), 0);
            Shape expected = block.getOutputShapes(new Shape[] {empty})[0];
            for (boolean training : new boolean[] {false, true}) {
                NDArray x = manager.zeros(empty);
                boolean undefined =
                        c.name().equals("MinibatchStdDev")
                                || (c.name().equals("LasagneBatchNorm") && training);
                if (undefined) {
                    IllegalArgumentException e =
                            expectThrows(
                                    IllegalArgumentException.class,
                                    () -> forward(block, training, x));
                    assertTrue(e.getMessage().startsWith(c.name() + ":"), e.getMessage());
                    assertMessage(e, empty.toString());
                } else {
                    NDArray y = forward(block, training, x);
                    assertEquals(y.getShape(), expected, c.name() + " training=" + training);
                }
            }
        }
    }

    /**
     * A zero-size trailing (spatial) axis, N = 4: an empty output of the block's output shape that
     * can be read, or an IllegalArgumentException naming the block (for WeightNorm(Deconv2d), the
     * Deconv2d) and the shape, as README's table says; never an engine error.
     */
    @Test
    public void emptySpatialAxisGivesAnEmptyOutputOrAClearError() {
        List<Case> cases = new ArrayList<>(cases());
        // the rank-2 cases again with a trailing axis, where the block takes one
        cases.add(
                new Case(
                        "MinibatchDiscrimination",
                        () ->
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(3)
                                        .optKernelDim(2)
                                        .build(),
                        new Shape(4, 2, 3),
                        true,
                        null));
        cases.add(
                new Case(
                        "GaussianNoise",
                        () -> GaussianNoise.builder().optSigma(0.5f).build(),
                        new Shape(4, 3, 2),
                        false,
                        null));
        List<String> rejecting =
                List.of(
                        "Deconv2d",
                        "WeightNorm(Deconv2d)",
                        "WeightNorm(Conv2d)",
                        "SpectralNorm(Deconv2d)",
                        "SpectralNorm(Conv2d)",
                        "EqualizedLearningRate(Conv2d)",
                        "FilterPadding(Conv2d)",
                        "MinibatchDiscrimination",
                        "MinibatchStdDev");
        for (Case c : cases) {
            for (int axis = 2; axis < c.shape().dimension(); axis++) {
                Block block = initialized(c);
                long[] dims = c.shape().getShape().clone();
                dims[axis] = 0;
                Shape empty = new Shape(dims);
                for (boolean training : new boolean[] {false, true}) {
                    String label = c.name() + " " + empty + " training=" + training;
                    NDArray x = manager.zeros(empty);
                    boolean rejected =
                            rejecting.contains(c.name())
                                    || (c.name().equals("LasagneBatchNorm") && training);
                    if (rejected) {
                        IllegalArgumentException e =
                                expectThrows(
                                        IllegalArgumentException.class,
                                        () -> forward(block, training, x));
                        String named = c.name().endsWith("(Deconv2d)") ? "Deconv2d" : c.name();
                        assertTrue(e.getMessage().startsWith(named + ":"), label + ": " + e);
                        assertMessage(e, empty.toString());
                    } else {
                        NDArray y = forward(block, training, x);
                        Shape expected = block.getOutputShapes(new Shape[] {empty})[0];
                        assertEquals(y.getShape(), expected, label);
                        assertEquals(y.toFloatArray().length, 0, label);
                    }
                }
            }
        }
    }

    @Test
    public void emptyBatchLeavesTheRunningAveragesAlone() {
        Block bn = init(LasagneBatchNorm.builder().build(), DataType.FLOAT32, new Shape(4, 3));
        List<float[]> before = values(bn);
        expectThrows(
                IllegalArgumentException.class,
                () -> forward(bn, true, manager.zeros(new Shape(0, 3))));
        assertParametersEqual(before, values(bn));
    }

    @Test
    public void emptyBatchIsRejectedByDataInit() {
        Block net = network();
        List<float[]> before = values(net);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                DataInit.initialize(
                                        net, null, new NDList(manager.zeros(new Shape(0, 784)))));
        assertMessage(e, "DataInit", "SequentialBlock", "(0, 784)");
        assertParametersEqual(before, values(net));
    }

    // ---- data types ----------------------------------------------------------------------

    @Test
    public void integerInputsAreRejected() {
        for (Case c : cases()) {
            Block block = initialized(c);
            NDArray x = input(c.shape()).toType(DataType.INT32, false);
            for (boolean training : new boolean[] {false, true}) {
                IllegalArgumentException e =
                        expectThrows(
                                IllegalArgumentException.class, () -> forward(block, training, x));
                assertTrue(e.getMessage().startsWith(c.name() + ":"), e.getMessage());
                assertMessage(e, "int32");
            }
        }
    }

    @Test
    public void float16InputsAreRejectedByParametricBlocksAndComputedByTheOthers() {
        for (Case c : cases()) {
            Block block = initialized(c);
            NDArray x = input(c.shape()).toType(DataType.FLOAT16, false);
            if (c.parametric()) {
                IllegalArgumentException e =
                        expectThrows(
                                IllegalArgumentException.class, () -> forward(block, false, x));
                assertTrue(e.getMessage().startsWith(c.name() + ":"), e.getMessage());
                assertMessage(e, "float32", "float16");
            } else {
                for (boolean training : new boolean[] {false, true}) {
                    NDArray y = forward(block, training, x);
                    assertEquals(y.getDataType(), DataType.FLOAT16, c.name());
                    assertEquals(y.getShape(), block.getOutputShapes(new Shape[] {c.shape()})[0]);
                }
            }
        }
    }

    @Test
    public void float64ParametersTakeFloat64InputsOnly() {
        for (Case c : cases()) {
            if (!c.parametric()) {
                continue;
            }
            Block block = init(c.make().get(), DataType.FLOAT64, c.shape());
            NDArray y = forward(block, false, input(c.shape()).toType(DataType.FLOAT64, false));
            assertEquals(y.getDataType(), DataType.FLOAT64, c.name());
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> forward(block, false, input(c.shape())));
            assertMessage(e, c.name() + ":", "float64", "float32");
        }
    }

    // ---- shapes that change between calls ---------------------------------------------------

    /**
     * The formula's values at the batch size the block was initialized with (4) and at another (8),
     * in inference and training: the wrappers of a {@code Linear} take one path at 4 (scaling the
     * output, 4 × 3 outputs against an 18-value weight) and the other at 8.
     */
    @Test
    public void anotherBatchSizeGivesTheFormulasValues() {
        for (Case c : cases()) {
            Block block = randomized(c);
            assertFormula(c, block, c.shape());
            assertFormula(c, block, withBatch(c.shape(), 8));
        }
    }

    @Test
    public void anotherChannelCountIsRejectedByParametricBlocks() {
        for (Case c : cases()) {
            Block block = initialized(c);
            Shape s = c.shape();
            // one more feature on the axis a parametric block's weights depend on
            int axis = c.name().endsWith("(Linear)") ? s.dimension() - 1 : 1;
            long[] dims = s.getShape().clone();
            dims[axis] += 2;
            Shape other = new Shape(dims);
            if (c.parametric()) {
                IllegalArgumentException e =
                        expectThrows(
                                IllegalArgumentException.class,
                                () -> forward(block, false, input(other)));
                assertTrue(e.getMessage().startsWith(c.name() + ":"), e.getMessage());
                assertMessage(e, other.toString());
            } else {
                NDArray y = forward(block, false, input(other));
                assertEquals(y.getShape(), block.getOutputShapes(new Shape[] {other})[0]);
            }
        }
    }

    @Test
    public void anotherRankIsRejectedWhereTheBlockDependsOnIt() {
        // rank 2 → rank 3 with the same feature/channel count on axis 1
        Block bn = initialized(named("LasagneBatchNorm")); // (4, 3, 5)
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(bn, false, input(new Shape(4, 3))));
        assertMessage(e, "LasagneBatchNorm:", "(*, 3, *)", "(4, 3)");
        Block conv = initialized(named("WeightNorm(Conv2d)")); // (4, 2, 5, 5)
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(conv, false, input(new Shape(4, 2, 5))));
        assertMessage(e, "WeightNorm(Conv2d):", "(4, 2, 5)");
        Block deconv = initialized(named("Deconv2d")); // (4, 2, 5, 5)
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(deconv, false, input(new Shape(4, 2, 5))));
        assertMessage(e, "Deconv2d:", "(4, 2, 5)");
    }

    @Test
    public void anotherSpatialSizeGivesTheFormulasValues() {
        // NIN, convolutions, deconvolutions and batch norm over the spatial axes are defined for
        // any spatial size
        for (Case c : cases()) {
            if (c.shape().dimension() < 3) {
                continue;
            }
            long[] dims = c.shape().getShape().clone();
            for (int i = 2; i < dims.length; i++) {
                dims[i] += 3;
            }
            assertFormula(c, randomized(c), new Shape(dims));
        }
    }

    /**
     * Compares the block's output on an input of {@code shape}, in inference and then training,
     * with its formula computed from the parameters before the call; for Gaussian noise in training
     * (no formula: the noise is random) checks that the output is the input plus noise of about the
     * block's σ = 0.5, with the engine's generator seeded.
     */
    private void assertFormula(Case c, Block block, Shape shape) {
        for (boolean training : new boolean[] {false, true}) {
            String label = c.name() + " " + shape + " training=" + training;
            NDArray x = input(shape);
            double[] xs = NDAssert.toDoubles(x);
            double[] expected = c.formula().of(block, xs, shape, training);
            Engine.getEngine(engineName).setRandomSeed(11);
            NDArray y = forward(block, training, x);
            if (expected == null) {
                double[] noise = NDAssert.toDoubles(y.sub(x));
                double squares = 0;
                for (double e : noise) {
                    assertTrue(e != 0, label);
                    squares += e * e;
                }
                double std = Math.sqrt(squares / noise.length);
                assertTrue(std > 0.25 && std < 1, label + ": noise std " + std);
                continue;
            }
            try {
                NDAssert.assertClose(
                        y, expected, block.getOutputShapes(new Shape[] {shape})[0], 1e-4, 1e-4);
            } catch (AssertionError e) {
                throw new AssertionError(label + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The case's block, initialized, with random values in every parameter (positive ones for a
     * scale g and an inverse standard deviation; log-scales around −1, as minibatch
     * discrimination's tests use, so that exp(−c) is not negligible), and for spectral norm u = W
     * v/‖W v‖, so that σ = ‖W v‖ is well away from 0.
     */
    private Block randomized(Case c) {
        Block block = initialized(c);
        long seed = 300;
        for (Pair<String, Parameter> p : block.getParameters()) {
            String name = p.getKey();
            NDArray value = randn(seed++, p.getValue().getArray().getShape().getShape());
            if (name.equals("g") || name.endsWith("invStd")) {
                value = value.abs().add(0.5f);
            } else if (name.endsWith("logWeightScale")) {
                value = value.mul(0.2f).sub(1);
            }
            setParameter(block, name, value);
        }
        if (block instanceof SpectralNorm) {
            String weight = c.name().substring(c.name().indexOf('(') + 1, c.name().length() - 1);
            String key = "01" + weight + "_weight";
            int axis = weight.equals("Deconv2d") ? 1 : 0;
            double[] matrix = channelsFirst(p(block, key), shape(block, key), axis);
            double[] v = p(block, "v");
            double[] wv = new double[p(block, "u").length];
            for (int i = 0; i < wv.length; i++) {
                for (int j = 0; j < v.length; j++) {
                    wv[i] += matrix[i * v.length + j] * v[j];
                }
            }
            setParameter(block, "u", manager.create(Formulas.unit(wv)));
        }
        return block;
    }

    @Test
    public void lasagneBatchNormRejectsOtherSizesOnItsParameterAxes() {
        Block bn =
                init(
                        LasagneBatchNorm.builder().optAxes(0).build(),
                        DataType.FLOAT32,
                        new Shape(4, 3, 5));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(bn, true, input(new Shape(4, 3, 6))));
        assertMessage(e, "LasagneBatchNorm:", "(*, 3, 5)", "(4, 3, 6)");
    }

    // ---- used before initialize -------------------------------------------------------------

    @Test
    public void inferenceBeforeInitializeIsAClearError() {
        for (Case c : cases()) {
            Block block = c.make().get();
            NDArray x = input(c.shape());
            if (c.parametric()) {
                IllegalStateException e =
                        expectThrows(IllegalStateException.class, () -> forward(block, false, x));
                assertTrue(e.getMessage().startsWith(c.name() + ":"), e.getMessage());
                assertMessage(e, "not initialized");
            } else {
                // nothing to initialize
                assertEquals(
                        forward(block, false, x).getShape(),
                        block.getOutputShapes(new Shape[] {c.shape()})[0]);
            }
        }
    }

    @Test
    public void trainingForwardInitializesLikeEveryDjlBlock() {
        for (Case c : cases()) {
            Block block = c.make().get();
            NDArray y = forward(block, true, input(c.shape()));
            assertTrue(block.isInitialized(), c.name());
            assertEquals(y.getShape(), block.getOutputShapes(new Shape[] {c.shape()})[0]);
        }
    }

    @Test
    public void networksBeforeInitializeAreAClearError() {
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () ->
                                forward(
                                        ImprovedGanMnist.discriminator(),
                                        false,
                                        input(new Shape(2, 784))));
        assertMessage(e, "WeightNorm(Linear):", "not initialized");
        // the generator starts with DJL's own Linear, which reports it in DJL's words
        UninitializedParameterException g =
                expectThrows(
                        UninitializedParameterException.class,
                        () ->
                                forward(
                                        ImprovedGanMnist.generator(),
                                        false,
                                        input(new Shape(2, 100))));
        assertMessage(g, "weight", "not been initialized");
        IllegalStateException d =
                expectThrows(
                        IllegalStateException.class,
                        () ->
                                DataInit.initialize(
                                        ImprovedGanMnist.discriminator(),
                                        null,
                                        new NDList(input(new Shape(2, 784)))));
        assertMessage(d, "DataInit:", "initialized");
    }

    // ---- NaN / Inf in a data-init batch -----------------------------------------------------

    @Test
    public void nonFiniteDataInitBatchNamesTheNetworkAndChangesNothing() {
        for (float bad :
                new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Block net = network();
            List<float[]> before = values(net);
            NDArray batch = poisoned(new Shape(16, 784), bad);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> DataInit.initialize(net, null, new NDList(batch)));
            assertTrue(e.getMessage().startsWith("DataInit:"), e.getMessage());
            assertMessage(e, "SequentialBlock", "NaN or infinity", "(16, 784)");
            assertParametersEqual(before, values(net));
        }
    }

    @Test
    public void nonFiniteDataInitBatchNamesTheBlockWhenInitializingOneBlock() {
        for (Case c : cases()) {
            if (!(c.make().get() instanceof io.github.djlgan.init.DataInitializable)) {
                continue;
            }
            Block block = initialized(c);
            List<float[]> before = values(block);
            NDArray batch = poisoned(c.shape(), Float.NaN);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> DataInit.initialize(block, null, new NDList(batch)));
            assertMessage(e, "DataInit:", block.getClass().getSimpleName());
            assertParametersEqual(before, values(block));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A small network of data-initializable blocks, (N, 784) → (N, 2). */
    private Block network() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(GaussianNoise.builder().build())
                        .add(WeightNorm.wrap(Linear.builder().setUnits(8).build()))
                        .add(Activation::relu)
                        .add(
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(3)
                                        .optKernelDim(2)
                                        .build())
                        .add(WeightNorm.wrap(Linear.builder().setUnits(2).build()));
        return init(net, DataType.FLOAT32, new Shape(16, 784));
    }

    private NDArray poisoned(Shape shape, float bad) {
        float[] values = input(shape).toFloatArray();
        values[values.length / 2] = bad;
        return manager.create(values, shape);
    }

    private static List<float[]> values(Block block) {
        List<float[]> values = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.add(p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    private static void assertParametersEqual(List<float[]> before, List<float[]> after) {
        assertEquals(after.size(), before.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(after.get(i), before.get(i), "parameter " + i + " changed");
            assertFalse(Float.isNaN(sum(after.get(i))), "parameter " + i + " became NaN");
        }
    }

    private static float sum(float[] values) {
        float s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
