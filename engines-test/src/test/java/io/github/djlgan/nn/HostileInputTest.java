package io.github.djlgan.nn;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

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

    /** A block under test: how to build it, the shape it is initialized with, its name. */
    private record Case(String name, Supplier<Block> make, Shape shape, boolean parametric) {}

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(
                new Case(
                        "NetworkInNetwork",
                        () -> NetworkInNetwork.builder().setUnits(3).build(),
                        new Shape(4, 2, 5, 5),
                        true));
        cases.add(
                new Case(
                        "WeightNorm(Linear)",
                        () -> WeightNorm.wrap(Linear.builder().setUnits(3).build()),
                        new Shape(4, 6),
                        true));
        cases.add(
                new Case(
                        "WeightNorm(Conv2d)",
                        () ->
                                WeightNorm.wrap(
                                        Conv2d.builder()
                                                .setKernelShape(new Shape(3, 3))
                                                .setFilters(3)
                                                .optPadding(new Shape(1, 1))
                                                .build()),
                        new Shape(4, 2, 5, 5),
                        true));
        cases.add(
                new Case(
                        "WeightNorm(NetworkInNetwork)",
                        () -> WeightNorm.wrap(NetworkInNetwork.builder().setUnits(3).build()),
                        new Shape(4, 2, 5),
                        true));
        cases.add(new Case("Deconv2d", Hostile::deconv, new Shape(4, 2, 5, 5), true));
        cases.add(
                new Case(
                        "WeightNorm(Deconv2d)",
                        () -> WeightNorm.wrap(Hostile.deconv()),
                        new Shape(4, 2, 5, 5),
                        true));
        cases.add(
                new Case(
                        "MinibatchDiscrimination",
                        () ->
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(3)
                                        .optKernelDim(2)
                                        .build(),
                        new Shape(4, 6),
                        true));
        cases.add(
                new Case(
                        "LasagneBatchNorm",
                        () -> LasagneBatchNorm.builder().build(),
                        new Shape(4, 3, 5),
                        true));
        cases.add(
                new Case(
                        "MinibatchStdDev",
                        () -> MinibatchStdDev.builder().optGroupSize(2).build(),
                        new Shape(4, 2, 3, 3),
                        false));
        cases.add(
                new Case(
                        "GaussianNoise",
                        () -> GaussianNoise.builder().optSigma(0.5f).build(),
                        new Shape(4, 3),
                        false));
        cases.add(
                new Case(
                        "Maxout",
                        () -> Maxout.builder().setUnits(3).setPieces(2).build(),
                        new Shape(4, 2, 5, 5),
                        true));
        cases.add(
                new Case(
                        "SpectralNorm(Linear)",
                        () -> SpectralNorm.wrap(Linear.builder().setUnits(3).build()),
                        new Shape(4, 6),
                        true));
        cases.add(
                new Case(
                        "SpectralNorm(Conv2d)",
                        () ->
                                SpectralNorm.wrap(
                                        Conv2d.builder()
                                                .setKernelShape(new Shape(3, 3))
                                                .setFilters(3)
                                                .optPadding(new Shape(1, 1))
                                                .build()),
                        new Shape(4, 2, 5, 5),
                        true));
        cases.add(
                new Case(
                        "SpectralNorm(Deconv2d)",
                        () -> SpectralNorm.wrap(Hostile.deconv()),
                        new Shape(4, 2, 5, 5),
                        true));
        cases.add(
                new Case(
                        "EqualizedLearningRate(Linear)",
                        () -> EqualizedLearningRate.wrap(Linear.builder().setUnits(3).build()),
                        new Shape(4, 6),
                        true));
        cases.add(
                new Case(
                        "EqualizedLearningRate(Conv2d)",
                        () ->
                                EqualizedLearningRate.wrap(
                                        Conv2d.builder()
                                                .setKernelShape(new Shape(3, 3))
                                                .setFilters(3)
                                                .optPadding(new Shape(1, 1))
                                                .build()),
                        new Shape(4, 2, 5, 5),
                        true));
        cases.add(
                new Case(
                        "PixelNorm", () -> PixelNorm.builder().build(), new Shape(4, 3, 5), false));
        cases.add(
                new Case(
                        "WeightNorm(Maxout)",
                        () -> WeightNorm.wrap(Maxout.builder().setUnits(3).setPieces(2).build()),
                        new Shape(4, 2, 5),
                        true));
        cases.add(
                new Case(
                        "SpectralNorm(Maxout)",
                        () -> SpectralNorm.wrap(Maxout.builder().setUnits(3).setPieces(2).build()),
                        new Shape(4, 2, 5),
                        true));
        return cases;
    }

    /** Holder of small builders used by several cases. */
    private static final class Hostile {
        static Block deconv() {
            return Deconv2d.builder()
                    .setKernelShape(new Shape(3, 3))
                    .setFilters(3)
                    .optStride(new Shape(2, 2))
                    .build();
        }
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
                        true));
        cases.add(
                new Case(
                        "GaussianNoise",
                        () -> GaussianNoise.builder().optSigma(0.5f).build(),
                        new Shape(4, 3, 2),
                        false));
        List<String> rejecting =
                List.of(
                        "Deconv2d",
                        "WeightNorm(Deconv2d)",
                        "WeightNorm(Conv2d)",
                        "SpectralNorm(Deconv2d)",
                        "SpectralNorm(Conv2d)",
                        "EqualizedLearningRate(Conv2d)",
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

    @Test
    public void anotherBatchSizeWorks() {
        for (Case c : cases()) {
            Block block = initialized(c);
            Shape other = withBatch(c.shape(), 6);
            for (boolean training : new boolean[] {false, true}) {
                NDArray y = forward(block, training, input(other));
                assertEquals(y.getShape(), block.getOutputShapes(new Shape[] {other})[0], c.name());
            }
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
        Block bn = initialized(cases().get(7)); // LasagneBatchNorm (4, 3, 5)
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(bn, false, input(new Shape(4, 3))));
        assertMessage(e, "LasagneBatchNorm:", "(*, 3, *)", "(4, 3)");
        Block conv = initialized(cases().get(2)); // WeightNorm(Conv2d) (4, 2, 5, 5)
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(conv, false, input(new Shape(4, 2, 5))));
        assertMessage(e, "WeightNorm(Conv2d):", "(4, 2, 5)");
        Block deconv = initialized(cases().get(4)); // Deconv2d (4, 2, 5, 5)
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(deconv, false, input(new Shape(4, 2, 5))));
        assertMessage(e, "Deconv2d:", "(4, 2, 5)");
    }

    @Test
    public void anotherSpatialSizeGivesTheOutputForThatSize() {
        // NIN, convolutions, deconvolutions and batch norm over the spatial axes are defined for
        // any spatial size
        for (Case c : cases()) {
            if (c.shape().dimension() < 3) {
                continue;
            }
            Block block = initialized(c);
            long[] dims = c.shape().getShape().clone();
            for (int i = 2; i < dims.length; i++) {
                dims[i] += 3;
            }
            Shape other = new Shape(dims);
            NDArray y = forward(block, false, input(other));
            assertEquals(y.getShape(), block.getOutputShapes(new Shape[] {other})[0], c.name());
        }
        // and NIN's output at every position is the same matrix product: compare one position
        Block nin = initialized(cases().get(0));
        NDArray big = input(new Shape(2, 2, 7, 6));
        NDArray whole = forward(nin, false, big);
        NDArray corner = forward(nin, false, big.get(":, :, 0:5, 0:5"));
        assertTrue(whole.get(":, :, 0:5, 0:5").allClose(corner, 1e-5, 1e-6, false));
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
