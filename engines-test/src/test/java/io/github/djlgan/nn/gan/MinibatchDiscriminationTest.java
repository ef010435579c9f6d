package io.github.djlgan.nn.gan;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class MinibatchDiscriminationTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public MinibatchDiscriminationTest(String engine) {
        super(engine);
    }

    /** A block with random θ, s = −1 + 0.2·N(0, 1) (so that exp(−c) is of order 0.1), random b. */
    private MinibatchDiscrimination randomBlock(
            MinibatchDiscrimination.Builder builder, DataType type, Shape in, long seed) {
        MinibatchDiscrimination block = init(builder.build(), type, in);
        int k = block.getNumKernels();
        int d = block.getKernelDim();
        long f = in.slice(1).size();
        setParameter(block, "theta", randn(seed, type, f, k, d));
        setParameter(block, "logWeightScale", randn(seed + 1, type, k, d).mul(0.2).sub(1));
        setParameter(block, "bias", randn(seed + 2, type, k));
        return block;
    }

    private static double[] values(Block block, String name) {
        return NDAssert.toDoubles(block.getParameters().get(name).getArray());
    }

    private NDArray dataInit(Block block, ParameterStore store, NDArray x) {
        return DataInit.initialize(block, store, new NDList(x)).head();
    }

    @Test
    public void seedShapesAndInitialValues() {
        // the blog post "Theano MinibatchLayer" (on improved-gan's nn.MinibatchLayer):
        // InputLayer (None, 10) -> MinibatchLayer(num_kernels=8) on a 4 x 10 batch
        MinibatchDiscrimination mbd = MinibatchDiscrimination.builder().setNumKernels(8).build();
        init(mbd, DataType.FLOAT32, new Shape(4, 10));
        assertEquals(mbd.getKernelDim(), 5);
        assertEquals(values(mbd, "theta").length, 10 * 8 * 5);
        assertEquals(mbd.getParameters().get("theta").getArray().getShape(), new Shape(10, 8, 5));
        assertEquals(
                mbd.getParameters().get("logWeightScale").getArray().getShape(), new Shape(8, 5));
        assertEquals(mbd.getParameters().get("bias").getArray().getShape(), new Shape(8));
        NDAssert.assertAllClose(mbd.getParameters().get("logWeightScale").getArray(), 0, 0, 0);
        NDAssert.assertAllClose(mbd.getParameters().get("bias").getArray(), -1, 0, 0);
        double[] theta = values(mbd, "theta");
        double sumSquares = 0;
        for (double t : theta) {
            sumSquares += t * t;
        }
        double std = Math.sqrt(sumSquares / theta.length);
        assertTrue(std > 0.04 && std < 0.06, "theta ~ Normal(0, 0.05), sample std " + std);

        NDArray y = forward(mbd, false, manager.randomUniform(0, 1, new Shape(4, 10)));

        assertEquals(y.getShape(), new Shape(4, 18));
        assertEquals(mbd.getOutputShapes(new Shape[] {new Shape(4, 10)})[0], new Shape(4, 18));
    }

    @Test
    public void kernelWeightColumnsHaveNormExpLogWeightScale() {
        // that post prints LA.norm(W, axis=0): every column of W has norm exp(logWeightScale)
        NDArray theta = randn(2, 10, 8, 5);
        NDArray scale = randn(3, 8, 5).mul(0.3);
        NDArray w = MinibatchDiscrimination.kernelWeights(theta, scale, manager);
        assertEquals(w.getShape(), new Shape(10, 8, 5));
        NDAssert.assertClose(w.square().sum(new int[] {0}).sqrt(), scale.exp(), 1e-5, 1e-6);
        // and W is parallel to theta: W / theta is constant along axis 0
        NDAssert.assertClose(w.div(theta), w.div(theta).get("0:1").repeat(0, 10), 1e-4, 1e-6);
    }

    @Test
    public void outputShapesForRanks2To5() {
        long[][] shapes = {{3, 12}, {3, 4, 3}, {3, 2, 3, 2}, {3, 2, 1, 3, 2}};
        for (long[] dims : shapes) {
            Shape in = new Shape(dims);
            MinibatchDiscrimination mbd =
                    MinibatchDiscrimination.builder().setNumKernels(4).optKernelDim(3).build();
            init(mbd, DataType.FLOAT32, in);
            assertEquals(
                    mbd.getParameters().get("theta").getArray().getShape(), new Shape(12, 4, 3));
            assertEquals(mbd.getOutputShapes(new Shape[] {in})[0], new Shape(3, 16));
            assertEquals(forward(mbd, true, randn(1, dims)).getShape(), new Shape(3, 16));
        }
    }

    @Test
    public void valuesAgainstLoops() {
        // {N, K, D} and input shapes of rank 2 to 5
        long[][] shapes = {{4, 10}, {7, 6}, {2, 12}, {5, 2, 3}, {6, 2, 2, 2}, {3, 2, 1, 2, 2}};
        int[][] kernels = {{8, 5}, {3, 2}, {5, 1}, {4, 7}, {2, 3}, {6, 4}};
        for (int t = 0; t < shapes.length; t++) {
            for (boolean training : new boolean[] {false, true}) {
                Shape in = new Shape(shapes[t]);
                int k = kernels[t][0];
                int d = kernels[t][1];
                MinibatchDiscrimination mbd =
                        randomBlock(
                                MinibatchDiscrimination.builder().setNumKernels(k).optKernelDim(d),
                                DataType.FLOAT32,
                                in,
                                10L * t);
                NDArray x = randn(10L * t + 5, shapes[t]);

                NDArray y = forward(mbd, training, x);

                int n = (int) in.get(0);
                int f = (int) in.slice(1).size();
                double[] want =
                        Formulas.minibatchDiscrimination(
                                NDAssert.toDoubles(x),
                                n,
                                f,
                                values(mbd, "theta"),
                                values(mbd, "logWeightScale"),
                                values(mbd, "bias"),
                                k,
                                d);
                NDAssert.assertClose(y, want, new Shape(n, f + k), 1e-5, 1e-5);
            }
        }
    }

    @Test
    public void closenessFeaturesAreNotNegligible() {
        // guards valuesAgainstLoops: with these scales the features differ from the bias
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder().setNumKernels(8),
                        DataType.FLOAT32,
                        new Shape(4, 10),
                        0);
        NDArray y = forward(mbd, false, randn(5, 4, 10));
        NDArray o = y.get(":, 10:").sub(mbd.getParameters().get("bias").getArray());
        double mean = o.mean().getFloat();
        assertTrue(mean > 0.05 && mean < 3, "mean of Σ_{j≠i} exp(−c) = " + mean);
    }

    @Test
    public void float64Values() {
        Shape in = new Shape(5, 3, 4);
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder().setNumKernels(3).optKernelDim(4),
                        DataType.FLOAT64,
                        in,
                        20);
        NDArray x = randn(25, DataType.FLOAT64, 5, 3, 4);

        NDArray y = forward(mbd, false, x);

        assertEquals(y.getDataType(), DataType.FLOAT64);
        double[] want =
                Formulas.minibatchDiscrimination(
                        NDAssert.toDoubles(x),
                        5,
                        12,
                        values(mbd, "theta"),
                        values(mbd, "logWeightScale"),
                        values(mbd, "bias"),
                        3,
                        4);
        NDAssert.assertClose(y, want, new Shape(5, 15), 1e-12, 1e-12);
    }

    @Test
    public void batchOfOneGivesTheBias() {
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder().setNumKernels(4),
                        DataType.FLOAT32,
                        new Shape(1, 6),
                        30);
        NDArray x = randn(35, 1, 6);

        NDArray y = forward(mbd, true, x);

        assertEquals(y.getShape(), new Shape(1, 10));
        NDAssert.assertEqual(y.get(":, :6"), x);
        NDAssert.assertEqual(y.get("0, 6:"), mbd.getParameters().get("bias").getArray());
    }

    @Test
    public void blockedEqualsOneExpressionFormula() {
        NDArray m = randn(40, 20, 3, 4);
        NDArray naive = m.expandDims(1).sub(m.expandDims(0)).abs().sum(new int[] {3});
        for (int rows : new int[] {1, 3, 7, 20, 64}) {
            NDAssert.assertEqual(MinibatchDiscrimination.pairwiseL1(m, rows), naive);
        }
    }

    @Test
    public void blockSizeDoesNotChangeTheOutput() {
        Shape in = new Shape(20, 6);
        NDArray x = randn(45, 20, 6);
        NDArray reference = null;
        for (int rows : new int[] {20, 3, 1}) {
            MinibatchDiscrimination mbd =
                    randomBlock(
                            MinibatchDiscrimination.builder()
                                    .setNumKernels(3)
                                    .optKernelDim(4)
                                    .optBlockSize(rows),
                            DataType.FLOAT32,
                            in,
                            41);
            NDArray y = forward(mbd, true, x);
            if (reference == null) {
                reference = y;
            } else {
                NDAssert.assertEqual(y, reference);
            }
        }
    }

    @Test
    public void blockSizeFromMemoryBudget() {
        // a (T, T, K, D) tile temporary may take an eighth of the budget; one pair of rows has
        // K·D·bytes = 3·4·4 = 48 bytes, so T = 5 needs 8·25·48 = 9600 bytes
        assertEquals(budgetRows(9600, DataType.FLOAT32), 5);
        assertEquals(budgetRows(9599, DataType.FLOAT32), 4);
        assertEquals(budgetRows(9600, DataType.FLOAT64), 3);
        assertEquals(budgetRows(100, DataType.FLOAT32), 1);
        assertEquals(budgetRows(1L << 40, DataType.FLOAT32), 20);
        MinibatchDiscrimination defaults =
                MinibatchDiscrimination.builder().setNumKernels(100).optKernelDim(50).build();
        // sqrt(64 MiB / 8 / (100·50·4 bytes)) = 20.5
        assertEquals(defaults.blockSizeFor(512, DataType.FLOAT32), 20);
        MinibatchDiscrimination fixed =
                MinibatchDiscrimination.builder().setNumKernels(3).optBlockSize(7).build();
        assertEquals(fixed.blockSizeFor(20, DataType.FLOAT32), 7);
        assertEquals(fixed.blockSizeFor(5, DataType.FLOAT32), 5);
    }

    private static int budgetRows(long budget, DataType type) {
        return MinibatchDiscrimination.builder()
                .setNumKernels(3)
                .optKernelDim(4)
                .optMemoryBudget(budget)
                .build()
                .blockSizeFor(20, type);
    }

    @Test
    public void noLargeTemporaryOrParameterLeakAfterTraining() {
        // N = 10, K = 2, D = 8, B = 2: a (B, N, K, D) temporary has 320 elements; c has 200
        NDManager parameters = manager.newSubManager();
        MinibatchDiscrimination mbd =
                MinibatchDiscrimination.builder()
                        .setNumKernels(2)
                        .optKernelDim(8)
                        .optBlockSize(2)
                        .build();
        mbd.initialize(parameters, DataType.FLOAT32, new Shape(10, 4));
        int parameterArrays = parameters.getManagedArrays().size();
        try (NDManager batch = manager.newSubManager()) {
            NDArray x = batch.randomNormal(new Shape(10, 4));
            try (GradientCollector collector = batch.getEngine().newGradientCollector()) {
                NDArray y =
                        mbd.forward(new ParameterStore(batch, false), new NDList(x), true).head();
                collector.backward(y.sum());
            }
            long largest =
                    batch.getManagedArrays().stream().mapToLong(NDArray::size).max().orElse(0);
            assertTrue(largest < 320, "an array of " + largest + " elements was left behind");
        }
        assertEquals(parameters.getManagedArrays().size(), parameterArrays);
    }

    /** y and the gradients of Σ y ⊙ w with respect to x, theta, logWeightScale and bias. */
    private NDArray[] forwardBackward(
            MinibatchDiscrimination.Builder builder, Shape in, NDArray x, NDArray w) {
        MinibatchDiscrimination mbd = randomBlock(builder, DataType.FLOAT32, in, 110);
        NDArray input = x.duplicate();
        input.setRequiresGradient(true);
        NDArray y;
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            y = mbd.forward(new ParameterStore(manager, false), new NDList(input), true).head();
            collector.backward(y.mul(w).sum());
        }
        return new NDArray[] {
            y,
            input.getGradient(),
            mbd.getParameters().get("theta").getArray().getGradient(),
            mbd.getParameters().get("logWeightScale").getArray().getGradient(),
            mbd.getParameters().get("bias").getArray().getGradient()
        };
    }

    @Test
    public void tilesAndRecomputedGradientKeepTheValuesBitForBit() {
        // reference: one tile (the one-expression formula, its differences kept by autograd);
        // then symmetric tiles with the differences kept (default budget), and with a budget of
        // one byte, which keeps no difference and takes the gradient through max(a, b)
        Shape in = new Shape(13, 6);
        NDArray x = randn(111, 13, 6);
        NDArray w = randn(112, 13, 9); // a different weight per output: rows get unequal gradients
        NDArray[] reference =
                forwardBackward(
                        MinibatchDiscrimination.builder()
                                .setNumKernels(3)
                                .optKernelDim(4)
                                .optBlockSize(13),
                        in,
                        x,
                        w);
        for (long budget : new long[] {MinibatchDiscrimination.DEFAULT_MEMORY_BUDGET, 1}) {
            for (int rows : new int[] {1, 4, 5, 13}) {
                NDArray[] tiled =
                        forwardBackward(
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(3)
                                        .optKernelDim(4)
                                        .optBlockSize(rows)
                                        .optMemoryBudget(budget),
                                in,
                                x,
                                w);
                // the values: bit for bit
                NDAssert.assertEqual(tiled[0], reference[0]);
                // the gradients: sums in another order, equal within float32 rounding
                for (int g = 1; g < tiled.length; g++) {
                    NDAssert.assertClose(tiled[g], reference[g], 1e-5, 1e-6);
                }
            }
        }
    }

    @Test
    public void gradientsWithRecomputedDifferences() {
        // a budget of one byte: no tile's differences fit, the gradient goes through max(a, b)
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder()
                                .setNumKernels(3)
                                .optKernelDim(2)
                                .optBlockSize(2)
                                .optMemoryBudget(1),
                        DataType.FLOAT64,
                        new Shape(5, 2, 2),
                        120);
        int checked = GradientCheck.of(mbd).check(manager, randn(125, DataType.FLOAT64, 5, 2, 2));
        assertEquals(checked, 20 + 24 + 6 + 3, "input, theta, logWeightScale, bias");
    }

    @Test
    public void noTileTemporaryIsLeftBehind() {
        // the arrays left on the batch's manager after forward + backward do not depend on the
        // number of tiles, whether the differences are kept or recomputed
        for (long budget : new long[] {MinibatchDiscrimination.DEFAULT_MEMORY_BUDGET, 1}) {
            int[] counts = new int[3];
            int[] tileRows = {10, 3, 1};
            for (int t = 0; t < tileRows.length; t++) {
                MinibatchDiscrimination mbd =
                        MinibatchDiscrimination.builder()
                                .setNumKernels(2)
                                .optKernelDim(8)
                                .optBlockSize(tileRows[t])
                                .optMemoryBudget(budget)
                                .build();
                mbd.initialize(manager, DataType.FLOAT32, new Shape(10, 4));
                try (NDManager batch = manager.newSubManager()) {
                    NDArray x = batch.randomNormal(new Shape(10, 4));
                    try (GradientCollector collector = batch.getEngine().newGradientCollector()) {
                        NDArray y =
                                mbd.forward(new ParameterStore(batch, false), new NDList(x), true)
                                        .head();
                        collector.backward(y.sum());
                    }
                    counts[t] = batch.getManagedArrays().size();
                }
            }
            assertEquals(
                    counts[1], counts[0], "3 rows per tile against one tile, budget " + budget);
            assertEquals(counts[2], counts[0], "1 row per tile against one tile, budget " + budget);
        }
    }

    @Test
    public void gradientsAcrossSeveralBlocks() {
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder()
                                .setNumKernels(3)
                                .optKernelDim(2)
                                .optBlockSize(2),
                        DataType.FLOAT64,
                        new Shape(5, 2, 2),
                        50);
        int checked = GradientCheck.of(mbd).check(manager, randn(55, DataType.FLOAT64, 5, 2, 2));
        assertEquals(checked, 20 + 24 + 6 + 3, "input, theta, logWeightScale, bias");
    }

    @Test
    public void gradientsOneBlock() {
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder().setNumKernels(2).optKernelDim(3),
                        DataType.FLOAT64,
                        new Shape(4, 3),
                        60);
        GradientCheck.of(mbd).training(false).check(manager, randn(65, DataType.FLOAT64, 4, 3));
    }

    @Test
    public void dataInitValues() {
        int n = 6;
        int f = 5;
        int k = 4;
        int d = 3;
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder().setNumKernels(k).optKernelDim(d),
                        DataType.FLOAT64,
                        new Shape(n, f),
                        70);
        double[] theta = values(mbd, "theta");
        double[] s = values(mbd, "logWeightScale");
        NDArray x = randn(75, DataType.FLOAT64, n, f);
        double[] xs = NDAssert.toDoubles(x);

        NDArray out = dataInit(mbd, new ParameterStore(manager, false), x);

        // expected, after the seed's init=True branch
        double[][] expected = Formulas.mbdDataInit(xs, n, f, theta, s, k, d);
        double[] newS = expected[0];
        double[] newB = expected[1];
        double[] fk = expected[3];
        NDAssert.assertClose(
                mbd.getParameters().get("logWeightScale").getArray(),
                newS,
                new Shape(k, d),
                1e-12,
                1e-12);
        NDAssert.assertClose(
                mbd.getParameters().get("bias").getArray(), newB, new Shape(k), 1e-12, 1e-12);
        NDAssert.assertClose(
                mbd.getParameters().get("theta").getArray(), theta, new Shape(f, k, d), 0, 0);
        NDAssert.assertClose(
                out, Formulas.mbdConcat(xs, n, f, fk, k, newB), new Shape(n, f + k), 1e-12, 1e-12);
        // the init output has zero mean features over the batch
        NDAssert.assertAllClose(out.get(":, " + f + ":").mean(new int[] {0}), 0, 0, 1e-12);
    }

    @Test
    public void dataInitOutputEqualsForwardWithNewParameters() {
        MinibatchDiscrimination mbd =
                randomBlock(
                        MinibatchDiscrimination.builder().setNumKernels(5).optBlockSize(3),
                        DataType.FLOAT32,
                        new Shape(8, 2, 3),
                        80);
        NDArray x = randn(85, 8, 2, 3);
        ParameterStore store = new ParameterStore(manager, false);

        NDArray init = dataInit(mbd, store, x);
        NDArray y = mbd.forward(store, new NDList(x), false).head();

        NDAssert.assertClose(y, init, 1e-5, 1e-5);
    }

    @Test
    public void dataInitReachesANestedBlock() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(6).build())
                        .add(MinibatchDiscrimination.builder().setNumKernels(3).build());
        net.initialize(manager, DataType.FLOAT32, new Shape(7, 4));
        NDArray x = randn(91, 7, 4);

        NDArray out = dataInit(net, null, x);

        assertEquals(out.getShape(), new Shape(7, 9));
        NDAssert.assertAllClose(out.get(":, 6:").mean(new int[] {0}), 0, 0, 1e-5);
        assertFalse(
                net.getParameters()
                        .get("02MinibatchDiscrimination_bias")
                        .getArray()
                        .eq(-1f)
                        .any()
                        .getBoolean(),
                "the bias was assigned");
    }

    @Test
    public void dataInitNeedsTwoSamples() {
        MinibatchDiscrimination mbd = MinibatchDiscrimination.builder().setNumKernels(3).build();
        init(mbd, DataType.FLOAT32, new Shape(1, 4));
        assertDataInitRefused(
                mbd, randn(95, 1, 4), "MinibatchDiscrimination", "at least 2 samples", "got 1");
    }

    @Test
    public void dataInitRejectsABatchOfDuplicates() {
        MinibatchDiscrimination mbd = MinibatchDiscrimination.builder().setNumKernels(3).build();
        init(mbd, DataType.FLOAT32, new Shape(4, 4));
        NDArray pair = randn(96, 2, 4);
        NDArray x = pair.concat(pair, 0); // every sample has an exact duplicate
        assertDataInitRefused(mbd, x, "MinibatchDiscrimination", "kernel 0", "duplicate");
    }

    /**
     * A logWeightScale of 100 (exp(100) exceeds float32) makes the projections overflow even on the
     * rescaled batch: rejected by name with the largest s, nothing assigned.
     */
    @Test
    public void dataInitRejectsAnOverflowingWeightScale() {
        MinibatchDiscrimination mbd = MinibatchDiscrimination.builder().setNumKernels(3).build();
        init(mbd, DataType.FLOAT32, new Shape(4, 4));
        mbd.getParameters().get("logWeightScale").getArray().set(new NDIndex("1, 2"), 100f);
        assertDataInitRefused(
                mbd,
                randn(97, 4, 4),
                "MinibatchDiscrimination",
                "not finite",
                "up to 100.0",
                "float32");
    }

    /** Data init on {@code batch} throws with {@code message} and leaves s and b as they were. */
    private void assertDataInitRefused(
            MinibatchDiscrimination mbd, NDArray batch, String... message) {
        double[] s = values(mbd, "logWeightScale");
        double[] b = values(mbd, "bias");
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> DataInit.initialize(mbd, null, new NDList(batch)));
        assertMessage(e, message);
        assertEquals(values(mbd, "logWeightScale"), s, "logWeightScale changed");
        assertEquals(values(mbd, "bias"), b, "bias changed");
    }

    @Test
    public void saveLoadRoundTrip() {
        MinibatchDiscrimination trained =
                randomBlock(
                        MinibatchDiscrimination.builder().setNumKernels(4).optKernelDim(3),
                        DataType.FLOAT32,
                        new Shape(3, 2, 5),
                        100);
        RoundTrip.assertSameAfterReload(
                manager,
                trained,
                MinibatchDiscrimination.builder().setNumKernels(4).optKernelDim(3).build(),
                randn(105, 3, 2, 5));
    }

    @Test
    public void loadIntoDifferentArchitectureFails() {
        MinibatchDiscrimination trained =
                MinibatchDiscrimination.builder().setNumKernels(4).optKernelDim(3).build();
        init(trained, DataType.FLOAT32, new Shape(2, 6));
        RoundTrip.assertLoadRefused(
                manager,
                trained,
                MinibatchDiscrimination.builder().setNumKernels(4).optKernelDim(2).build(),
                "MinibatchDiscrimination",
                "kernelDim=3",
                "kernelDim=2");
    }

    @Test
    public void rank1InputIsRejected() {
        MinibatchDiscrimination mbd = MinibatchDiscrimination.builder().setNumKernels(3).build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> mbd.initialize(manager, DataType.FLOAT32, new Shape(5)));
        assertMessage(e, "MinibatchDiscrimination", "rank >= 2", "(5)");
        assertFalse(mbd.isInitialized());

        MinibatchDiscrimination ready =
                init(
                        MinibatchDiscrimination.builder().setNumKernels(3).build(),
                        DataType.FLOAT32,
                        new Shape(2, 5));
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(ready, false, manager.ones(new Shape(5))));
        assertMessage(e, "MinibatchDiscrimination", "rank >= 2", "(5)");
    }

    @Test
    public void otherFeatureCountIsRejected() {
        MinibatchDiscrimination mbd =
                init(
                        MinibatchDiscrimination.builder().setNumKernels(3).build(),
                        DataType.FLOAT32,
                        new Shape(2, 3, 4));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(mbd, false, manager.ones(new Shape(2, 4, 4))));
        assertMessage(e, "MinibatchDiscrimination", "12 features", "(2, 4, 4)");
    }

    @Test
    public void dataInitRejectsOtherFeatureCount() {
        MinibatchDiscrimination mbd =
                init(
                        MinibatchDiscrimination.builder().setNumKernels(3).build(),
                        DataType.FLOAT32,
                        new Shape(2, 3, 4));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> DataInit.initialize(mbd, null, new NDList(randn(1, 2, 13))));
        assertMessage(e, "MinibatchDiscrimination", "12 features", "(2, 13)");
    }

    @Test
    public void unknownFeatureSizeIsRejected() {
        MinibatchDiscrimination mbd = MinibatchDiscrimination.builder().setNumKernels(3).build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> mbd.initialize(manager, DataType.FLOAT32, new Shape(-1, 3, -1)));
        assertMessage(e, "MinibatchDiscrimination", "known feature sizes", "(-1, 3, -1)");
    }

    @Test
    public void forwardBeforeInitializeIsRejected() {
        MinibatchDiscrimination mbd = MinibatchDiscrimination.builder().setNumKernels(3).build();
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> forward(mbd, false, manager.ones(new Shape(2, 2))));
        assertMessage(e, "MinibatchDiscrimination", "not initialized");
    }

    @Test
    public void builderValidates() {
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> MinibatchDiscrimination.builder().build()),
                "MinibatchDiscrimination",
                "numKernels > 0");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(2)
                                        .optKernelDim(0)
                                        .build()),
                "kernelDim > 0");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(2)
                                        .optBlockSize(0)
                                        .build()),
                "blockSize > 0");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                MinibatchDiscrimination.builder()
                                        .setNumKernels(2)
                                        .optMemoryBudget(0)
                                        .build()),
                "budget > 0");
    }

    @Test
    public void kernelWeightsRejectsAThetaNotOfRank3() {
        NDArray theta = randn(2, 10, 40);
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                MinibatchDiscrimination.kernelWeights(
                                        theta, randn(3, 8, 5), manager)),
                "MinibatchDiscrimination:",
                "theta (F, K, D) of rank 3",
                "(10, 40)");
    }

    @Test
    public void kernelWeightsRejectsALogWeightScaleNotMatchingTheta() {
        NDArray theta = randn(2, 10, 8, 5);
        for (long[] dims : new long[][] {{8, 4}, {5, 8}, {40}, {1, 8, 5}}) {
            NDArray scale = randn(3, dims);
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> MinibatchDiscrimination.kernelWeights(theta, scale, manager)),
                    "MinibatchDiscrimination:",
                    "(K, D) = (8, 5)",
                    "(10, 8, 5)",
                    "got shape " + scale.getShape());
        }
    }

    @Test
    public void pairwiseL1RejectsProjectionsNotOfRank3() {
        for (long[] dims : new long[][] {{20, 12}, {20, 3, 2, 2}}) {
            NDArray m = randn(40, dims);
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> MinibatchDiscrimination.pairwiseL1(m, 4)),
                    "MinibatchDiscrimination:",
                    "(N, K, D)",
                    m.getShape().toString());
        }
    }

    @Test
    public void pairwiseL1OfAnEmptyBatchIsEmpty() {
        NDArray m = manager.zeros(new Shape(0, 3, 4));
        for (int rows : new int[] {1, 5}) {
            NDArray c = MinibatchDiscrimination.pairwiseL1(m, rows);
            assertEquals(c.getShape(), new Shape(0, 0, 3));
            assertEquals(c.getDataType(), DataType.FLOAT32);
        }
    }
}
