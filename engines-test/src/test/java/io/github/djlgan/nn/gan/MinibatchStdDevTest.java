package io.github.djlgan.nn.gan;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import java.io.IOException;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class MinibatchStdDevTest extends EngineTest {

    private static final double EPS = 1e-8;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public MinibatchStdDevTest(String engine) {
        super(engine);
    }

    private static Shape outShape(Shape in, int numChannels) {
        return new Shape(in.get(0), in.get(1) + numChannels).addAll(in.slice(2));
    }

    private void assertMatches(MinibatchStdDev block, NDArray x, boolean training, double tol) {
        NDArray y = forward(block, training, x);
        Shape in = x.getShape();
        double[] want =
                Formulas.minibatchStdDev(
                        NDAssert.toDoubles(x),
                        in,
                        block.getGroupSize(),
                        block.getNumChannels(),
                        block.getEpsilon());
        NDAssert.assertClose(y, want, outShape(in, block.getNumChannels()), tol, tol);
    }

    @Test
    public void handWorkedGroupsAreInterleaved() {
        // N = 4, groupSize 2 → M = 2 groups: {0, 2} and {1, 3} (sample i is in group i mod M).
        // Group {0, 2} holds 0 and 2: std 1. Group {1, 3} holds 10 and 10: std sqrt(ε) = 1e-4.
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(2).build();
        NDArray x = manager.create(new float[] {0, 10, 2, 10}, new Shape(4, 1));

        NDArray y = forward(block, false, x);

        assertEquals(y.getShape(), new Shape(4, 2));
        NDAssert.assertClose(
                y, new double[] {0, 1, 10, 1e-4, 2, 1, 10, 1e-4}, new Shape(4, 2), 1e-5, 1e-7);
    }

    @Test
    public void handWorkedWholeBatchTwoStatistics() {
        // N = 2, C = 2, numChannels 2, groupSize 0 (ProGAN): channel 0 holds 1 and 3 (std 1),
        // channel 1 holds 5 and 5 (std 1e-4); each sample gets [1, 1e-4] appended.
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(0).optNumChannels(2).build();
        NDArray x = manager.create(new float[] {1, 5, 3, 5}, new Shape(2, 2));

        NDArray y = forward(block, true, x);

        NDAssert.assertClose(
                y, new double[] {1, 5, 1, 1e-4, 3, 5, 1, 1e-4}, new Shape(2, 4), 1e-5, 1e-7);
    }

    @Test
    public void randomValuesForEveryRankGroupSizeAndChannelCount() {
        long[][] shapes = {{8, 4}, {8, 4, 6}, {8, 4, 3, 5}, {8, 2, 2, 3, 2}};
        for (long[] dims : shapes) {
            for (int groupSize : new int[] {0, 2, 4}) {
                for (int numChannels : new int[] {1, 2}) {
                    MinibatchStdDev block =
                            MinibatchStdDev.builder()
                                    .optGroupSize(groupSize)
                                    .optNumChannels(numChannels)
                                    .build();
                    NDArray x = randn(dims.length * 10 + groupSize + numChannels, dims);
                    assertMatches(block, x, groupSize == 2, 1e-5);
                }
            }
        }
    }

    /**
     * Group sizes whose reciprocal is not a binary fraction (3, and the whole batch of 6): the
     * block centres each group with the matrix I − 1/G, whose entries are rounded. In float64 the
     * result is the reference's to rounding; in float32, with values far from zero (mean 100,
     * standard deviation 1), within a few units in the last place of the values (about 1e-5 each).
     */
    @Test
    public void groupSizesWithoutExactReciprocal() {
        for (int groupSize : new int[] {3, 0}) {
            MinibatchStdDev block =
                    MinibatchStdDev.builder()
                            .optGroupSize(groupSize)
                            .optSumsAsProducts(true)
                            .build();
            NDArray x = randn(40 + groupSize, 6, 4, 3).add(100);
            assertMatches(block, x, true, 1e-4);
            assertMatches(block, x.toType(DataType.FLOAT64, false), true, 1e-12);
        }
    }

    /**
     * Both formulations ({@code optSumsAsProducts}: matrix products, or the engine's reductions and
     * broadcasting) match the reference for every rank, group size and channel count, agree with
     * each other to float rounding, and have the right gradients.
     */
    @Test
    public void bothFormulations() {
        long[][] shapes = {{8, 4}, {8, 4, 3, 5}, {6, 2, 2, 3, 2}};
        int seed = 500;
        for (long[] dims : shapes) {
            for (int groupSize : new int[] {0, 2, 3}) {
                if (groupSize != 0 && dims[0] % groupSize != 0) {
                    continue;
                }
                NDArray x = randn(seed++, dims);
                NDArray[] outputs = new NDArray[2];
                for (boolean products : new boolean[] {true, false}) {
                    MinibatchStdDev block =
                            MinibatchStdDev.builder()
                                    .optGroupSize(groupSize)
                                    .optNumChannels(2)
                                    .optSumsAsProducts(products)
                                    .build();
                    assertMatches(block, x, true, 1e-5);
                    outputs[products ? 0 : 1] = forward(block, true, x);
                }
                NDAssert.assertClose(
                        outputs[0],
                        NDAssert.toDoubles(outputs[1]),
                        outputs[1].getShape(),
                        1e-6,
                        1e-6);
            }
        }
        for (boolean products : new boolean[] {true, false}) {
            MinibatchStdDev block =
                    MinibatchStdDev.builder()
                            .optGroupSize(2)
                            .optNumChannels(2)
                            .optSumsAsProducts(products)
                            .build();
            GradientCheck.of(block).check(manager, randn(seed++, DataType.FLOAT64, 4, 4, 3));
        }
    }

    @Test
    public void batchSmallerThanGroupIsOneGroup() {
        for (long[] dims : new long[][] {{3, 4, 5}, {2, 2, 3, 3}}) {
            MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(4).build();
            NDArray x = randn(61, dims);
            assertMatches(block, x, true, 1e-5);
            // same as one group over the whole batch
            NDAssert.assertClose(
                    forward(block, true, x),
                    forward(MinibatchStdDev.builder().optGroupSize(0).build(), true, x),
                    1e-6,
                    1e-7);
        }
    }

    @Test
    public void seedDiscriminatorSequence() {
        // the Mathematica Stack Exchange question "Minibatch Standard Deviation Layer": a {3, 4000}
        // sequence discriminator input, batch of 8, groups of 4
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        NDArray x = randn(71, 8, 3, 4000);
        assertMatches(block, x, true, 1e-5);
    }

    @Test
    public void batchOfOneGivesSqrtEpsilonAndZeroGradient() {
        MinibatchStdDev block = MinibatchStdDev.builder().optEpsilon(1e-6f).build();
        NDArray x = randn(81, DataType.FLOAT64, 1, 3, 2, 2);
        x.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            y = forward(block, true, x);
            collector.backward(y.get(":, 3").sum());
        }
        NDAssert.assertAllClose(y.get(":, 3"), 1e-3, 1e-6, 0);
        NDAssert.assertClose(y.get(":, :3"), x, 0, 0);
        // the statistic of a single sample does not depend on it: gradient 0, not NaN
        NDAssert.assertAllClose(x.getGradient(), 0, 0, 0);
    }

    @Test
    public void float64Values() {
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(2).optNumChannels(2).build();
        NDArray x = randn(91, DataType.FLOAT64, 4, 6, 3, 3);
        assertEquals(forward(block, false, x).getDataType(), DataType.FLOAT64);
        assertMatches(block, x, false, 1e-12);
    }

    /**
     * Finite inputs around 1e30: the squared deviations overflow float32 (the statistic was +Inf on
     * PyTorch and NaN on MXNet), but the statistic itself, about 1e30, is representable. Expected
     * values from the plain-Java reference in doubles.
     */
    @Test
    public void hugeFiniteInputsGiveTheirStatistic() {
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(4).optNumChannels(2).build();
        for (double magnitude : new double[] {1e20, 1e30, 1e37}) {
            NDArray x = randn(93, 8, 4, 3, 3).mul((float) magnitude);
            NDArray y = forward(block, true, x);
            double[] want =
                    Formulas.minibatchStdDev(
                            NDAssert.toDoubles(x), x.getShape(), 4, 2, block.getEpsilon());
            NDAssert.assertClose(y, want, new Shape(8, 6, 3, 3), 1e-5, 0);
        }
    }

    @Test
    public void halfPrecisionComputesInFloat32() {
        // squares of ±300 overflow float16 (max 65504); computed in float32 the std is 300
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(0).build();
        float[] values = {300, 0.5f, -300, 0.5f, 300, 0.5f, -300, 0.5f};
        // (no bfloat16 case: in DJL 0.35.1, casting to bfloat16 aborts the JVM on PyTorch)
        for (DataType type : new DataType[] {DataType.FLOAT16}) {
            NDArray x = manager.create(values, new Shape(4, 2)).toType(type, false);

            NDArray y = forward(block, true, x);

            assertEquals(y.getDataType(), type);
            // channel 0: std 300; channel 1: std sqrt(ε) = 1e-4; statistic (300 + 1e-4) / 2
            double[] want =
                    Formulas.minibatchStdDev(NDAssert.toDoubles(x), x.getShape(), 0, 1, EPS);
            assertEquals(want[2], 150.00005, 1e-9);
            NDAssert.assertClose(y, want, new Shape(4, 3), 1e-3, 0);
        }
    }

    @Test
    public void otherShapesThanInitialized() {
        // no parameters: batch, channel and trailing sizes may change between calls
        MinibatchStdDev block = MinibatchStdDev.builder().optNumChannels(2).build();
        init(block, DataType.FLOAT32, new Shape(4, 4, 8, 8));
        assertMatches(block, randn(101, 4, 4, 8, 8), true, 1e-5);
        assertMatches(block, randn(102, 8, 6, 3, 2), true, 1e-5);
        assertMatches(block, randn(103, 2, 2, 5), false, 1e-5);
    }

    @Test
    public void worksWithoutInitialization() {
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        assertMatches(block, randn(111, 4, 3, 2, 2), false, 1e-5);
    }

    @Test
    public void outputShapes() {
        MinibatchStdDev block = MinibatchStdDev.builder().optNumChannels(2).build();
        long[][] shapes = {{8, 4}, {8, 4, 7}, {4, 4, 5, 6}, {4, 2, 2, 3, 4}, {-1, 4, 8, 8}};
        for (long[] dims : shapes) {
            Shape in = new Shape(dims);
            assertEquals(block.getOutputShapes(new Shape[] {in})[0], outShape(in, 2));
            if (dims[0] > 0) {
                assertEquals(forward(block, false, randn(1, dims)).getShape(), outShape(in, 2));
            }
        }
    }

    @Test
    public void emptyTrailingAxisIsRejected() {
        // the mean over zero positions is undefined (NaN); MXNet fails on it asynchronously
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.zeros(new Shape(4, 2, 3, 0))));
        assertMessage(e, "MinibatchStdDev", "non-zero size", "(4, 2, 3, 0)");
    }

    @Test
    public void gradientsRank4GroupsAndTwoStatistics() {
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(2).optNumChannels(2).build();
        init(block, DataType.FLOAT64, new Shape(4, 4, 2, 3));
        int checked =
                GradientCheck.of(block)
                        .maxPoints(96)
                        .check(manager, randn(121, DataType.FLOAT64, 4, 4, 2, 3));
        assertEquals(checked, 96);
    }

    @Test
    public void gradientsRank2WholeBatch() {
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(0).build();
        GradientCheck.of(block).check(manager, randn(122, DataType.FLOAT64, 5, 3));
    }

    @Test
    public void gradientsRank3BatchSmallerThanGroup() {
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        GradientCheck.of(block).check(manager, randn(123, DataType.FLOAT64, 3, 2, 4));
    }

    @Test
    public void gradientReachesTheInputThroughTheStatistic() {
        // d/dx of the statistic channel alone, against a plain-Java central difference
        MinibatchStdDev block = MinibatchStdDev.builder().optGroupSize(0).build();
        double[] values = {0.3, -1.2, 2.0, 0.7, -0.4, 1.1};
        NDArray x = manager.create(values, new Shape(3, 2));
        x.setRequiresGradient(true);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            collector.backward(forward(block, true, x).get(":, 2").sum());
        }
        double h = 1e-6;
        double[] numeric = new double[values.length];
        for (int k = 0; k < values.length; k++) {
            double[] plus = values.clone();
            double[] minus = values.clone();
            plus[k] += h;
            minus[k] -= h;
            numeric[k] = (statSum(plus) - statSum(minus)) / (2 * h);
            assertTrue(Math.abs(numeric[k]) > 0.1, "statistic depends on every input");
        }
        NDAssert.assertClose(x.getGradient(), numeric, new Shape(3, 2), 1e-5, 1e-8);
    }

    private static double statSum(double[] x) {
        double[] y = Formulas.minibatchStdDev(x, new Shape(3, 2), 0, 1, EPS);
        return y[2] + y[5] + y[8];
    }

    @Test
    public void trainsInsideTrainer() {
        // a discriminator head: statistic appended, then a dense layer that reads it
        SequentialBlock net =
                new SequentialBlock()
                        .add(MinibatchStdDev.builder().build())
                        .add(Linear.builder().setUnits(1).build());
        try (Model model = Model.newInstance("mbstd", manager.getDevice(), engineName)) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                trainer.initialize(new Shape(8, 3));
                NDArray data = randn(131, 8, 3);
                NDArray label = randn(132, 8, 1);
                try (Batch batch =
                        new Batch(
                                manager.newSubManager(),
                                new NDList(data),
                                new NDList(label),
                                1,
                                null,
                                null,
                                0,
                                1)) {
                    EasyTrain.trainBatch(trainer, batch);
                }
                Parameter weight =
                        net.getChildren().get(1).getValue().getParameters().get("weight");
                assertEquals(weight.getArray().getShape(), new Shape(1, 4));
                double[] g = NDAssert.toDoubles(weight.getArray().getGradient());
                assertTrue(g[3] != 0 && Double.isFinite(g[3]), "gradient of the statistic weight");
            }
        }
    }

    @Test
    public void saveLoadRoundTrip() {
        MinibatchStdDev trained =
                MinibatchStdDev.builder()
                        .optGroupSize(2)
                        .optNumChannels(2)
                        .optEpsilon(1e-4f)
                        .build();
        init(trained, DataType.FLOAT32, new Shape(4, 4, 3, 3));
        MinibatchStdDev fresh =
                MinibatchStdDev.builder()
                        .optGroupSize(2)
                        .optNumChannels(2)
                        .optEpsilon(1e-4f)
                        .build();
        RoundTrip.assertSameAfterReload(manager, trained, fresh, randn(141, 4, 4, 3, 3));
        assertEquals(fresh.getInputShapes()[0], new Shape(4, 4, 3, 3));
    }

    @Test
    public void loadIntoDifferentConfigurationFails() throws IOException {
        assertLoadFails(
                MinibatchStdDev.builder().optGroupSize(2).build(),
                MinibatchStdDev.builder().optGroupSize(4).build(),
                "groupSize=2",
                "groupSize=4");
        assertLoadFails(
                MinibatchStdDev.builder().optNumChannels(2).build(),
                MinibatchStdDev.builder().build(),
                "numChannels=2",
                "numChannels=1");
        assertLoadFails(
                MinibatchStdDev.builder().optEpsilon(1e-4f).build(),
                MinibatchStdDev.builder().build(),
                "epsilon=1.0E-4",
                "epsilon=1.0E-8");
    }

    private void assertLoadFails(MinibatchStdDev saved, MinibatchStdDev other, String... parts) {
        init(saved, DataType.FLOAT32, new Shape(4, 2));
        MalformedModelException e = RoundTrip.assertLoadRefused(manager, saved, other, parts);
        assertMessage(e, "MinibatchStdDev");
    }

    @Test
    public void batchNotDivisibleByGroupIsRejected() {
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.ones(new Shape(6, 2, 3))));
        assertMessage(e, "MinibatchStdDev", "group size 4", "(6, 2, 3)");
    }

    @Test
    public void channelsNotDivisibleByNumChannelsAreRejected() {
        MinibatchStdDev block = MinibatchStdDev.builder().optNumChannels(2).build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.ones(new Shape(4, 3, 5))));
        assertMessage(e, "MinibatchStdDev", "numChannels=2", "(4, 3, 5)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> block.initialize(manager, DataType.FLOAT32, new Shape(4, 3, 5)));
        assertMessage(e, "MinibatchStdDev", "numChannels=2", "(4, 3, 5)");
    }

    @Test
    public void rankBelowTwoIsRejected() {
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.ones(new Shape(4))));
        assertMessage(e, "MinibatchStdDev", "rank >= 2", "(4)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> block.initialize(manager, DataType.FLOAT32, new Shape(4)));
        assertMessage(e, "MinibatchStdDev", "rank >= 2", "(4)");
    }

    @Test
    public void emptyBatchIsRejected() {
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.ones(new Shape(0, 2, 3))));
        assertMessage(e, "MinibatchStdDev", "N > 0", "(0, 2, 3)");
    }

    @Test
    public void noChannelsAreRejected() {
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.ones(new Shape(4, 0, 3))));
        assertMessage(e, "MinibatchStdDev", "C > 0", "(4, 0, 3)");
    }

    @Test
    public void integerInputIsRejected() {
        MinibatchStdDev block = MinibatchStdDev.builder().build();
        NDArray x = manager.ones(new Shape(4, 2)).toType(DataType.INT32, false);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> forward(block, true, x));
        assertMessage(e, "MinibatchStdDev", "floating-point", "int32", "(4, 2)");
    }

    @Test
    public void builderRejectsBadOptions() {
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> MinibatchStdDev.builder().optGroupSize(-1).build()),
                "MinibatchStdDev",
                "groupSize >= 0",
                "-1");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> MinibatchStdDev.builder().optNumChannels(0).build()),
                "MinibatchStdDev",
                "numChannels > 0",
                "0");
        for (float eps : new float[] {0f, -1e-8f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> MinibatchStdDev.builder().optEpsilon(eps).build()),
                    "MinibatchStdDev",
                    "epsilon > 0");
        }
    }
}
