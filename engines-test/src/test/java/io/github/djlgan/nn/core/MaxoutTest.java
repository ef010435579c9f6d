package io.github.djlgan.nn.core;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Fixtures;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import java.util.Arrays;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class MaxoutTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public MaxoutTest(String engine) {
        super(engine);
    }

    /**
     * The smallest gap between the largest and the second largest piece over every unit and
     * position: a gradient check is only valid away from ties.
     */
    static double smallestGap(double[] x, Shape s, double[] w, int units, int pieces, double[] b) {
        int n = (int) s.get(0);
        int c = (int) s.get(1);
        int p = (int) s.slice(2).size();
        double gap = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < units; u++) {
                for (int q = 0; q < p; q++) {
                    double first = Double.NEGATIVE_INFINITY;
                    double second = Double.NEGATIVE_INFINITY;
                    for (int r = 0; r < pieces; r++) {
                        int j = u * pieces + r;
                        double z = b == null ? 0 : b[j];
                        for (int k = 0; k < c; k++) {
                            z += w[j * c + k] * x[(i * c + k) * p + q];
                        }
                        if (z > first) {
                            second = first;
                            first = z;
                        } else if (z > second) {
                            second = z;
                        }
                    }
                    gap = Math.min(gap, first - second);
                }
            }
        }
        return gap;
    }

    private static double[] doubles(Maxout block, String name) {
        return NDAssert.toDoubles(block.getParameters().get(name).getArray());
    }

    @Test
    public void piecesAreConsecutiveOutputs() {
        // C = 1, x = 1, no bias: z = W[:, 0] = (0, 5, 1 | 2, -1, 7) for 2 units of 3 pieces.
        // Consecutive groups give (5, 7); groups interleaved by unit (j mod 2) would give (1, 7).
        Maxout maxout = Maxout.builder().setUnits(2).setPieces(3).optBias(false).build();
        init(maxout, DataType.FLOAT32, new Shape(1, 1));
        setParameter(
                maxout, "weight", manager.create(new float[] {0, 5, 1, 2, -1, 7}, new Shape(6, 1)));
        NDArray y = forward(maxout, false, manager.ones(new Shape(1, 1)));
        NDAssert.assertClose(y, new double[] {5, 7}, new Shape(1, 2), 0, 0);
    }

    @Test
    public void outputShapesForEveryRank() {
        long[][] shapes = {{4, 3}, {4, 3, 7}, {2, 3, 5, 6}, {2, 3, 2, 3, 4}, {1, 3, 1, 1, 1, 1}};
        for (long[] dims : shapes) {
            Shape in = new Shape(dims);
            Maxout maxout = Maxout.builder().setUnits(5).setPieces(4).build();
            init(maxout, DataType.FLOAT32, in);
            Shape expected = new Shape(dims[0], 5).addAll(in.slice(2));
            assertEquals(maxout.getOutputShapes(new Shape[] {in})[0], expected);
            assertEquals(forward(maxout, false, randn(1, dims)).getShape(), expected);
            assertEquals(
                    maxout.getParameters().get("weight").getArray().getShape(), new Shape(20, 3));
            assertEquals(maxout.getParameters().get("bias").getArray().getShape(), new Shape(20));
        }
        assertEquals(maxout(3, 2, true).getUnits(), 3);
        assertEquals(maxout(3, 2, true).getPieces(), 2);
        assertTrue(maxout(3, 2, true).hasBias());
        assertFalse(maxout(3, 2, false).hasBias());
        assertFalse(maxout(3, 2, false).getParameters().contains("bias"));
    }

    private static Maxout maxout(long units, int pieces, boolean bias) {
        return Maxout.builder().setUnits(units).setPieces(pieces).optBias(bias).build();
    }

    /** Values computed by PyTorch (F.linear, then the maximum over the pieces): maxout.py. */
    @Test
    public void matchesPyTorch() {
        Fixtures fx = Fixtures.load(manager, "maxout");
        Object[][] cases = {
            {"rank2", 3, 4, true}, {"rank4", 2, 3, true}, {"rank3_nobias", 5, 2, false}
        };
        for (Object[] c : cases) {
            String name = (String) c[0];
            NDArray x = fx.get(name + "_x");
            Maxout maxout = maxout((int) c[1], (int) c[2], (boolean) c[3]);
            init(maxout, DataType.FLOAT32, x.getShape());
            setParameter(maxout, "weight", fx.get(name + "_w"));
            if ((boolean) c[3]) {
                setParameter(maxout, "bias", fx.get(name + "_b"));
            }
            NDArray want = fx.get(name + "_y");
            for (boolean training : new boolean[] {false, true}) {
                NDArray y = forward(maxout, training, x);
                NDAssert.assertClose(y, NDAssert.toDoubles(want), want.getShape(), 1e-5, 1e-5);
            }
            // the static form gives the same
            NDArray y =
                    Maxout.maxout(
                            x,
                            fx.get(name + "_w"),
                            (boolean) c[3] ? fx.get(name + "_b") : null,
                            (int) c[2]);
            NDAssert.assertClose(y, NDAssert.toDoubles(want), want.getShape(), 1e-5, 1e-5);
        }
    }

    @Test
    public void randomValuesForEveryRank() {
        long[][] shapes = {{6, 4}, {3, 4, 9}, {2, 4, 5, 3}, {2, 4, 3, 2, 3}};
        for (long[] dims : shapes) {
            Shape in = new Shape(dims);
            Maxout maxout = maxout(3, 5, true);
            init(maxout, DataType.FLOAT32, in);
            setParameter(maxout, "weight", randn(11, 15, 4));
            setParameter(maxout, "bias", randn(12, 15));
            NDArray x = randn(13, dims);

            NDArray y = forward(maxout, false, x);

            double[] want =
                    Formulas.maxout(
                            NDAssert.toDoubles(x),
                            in,
                            doubles(maxout, "weight"),
                            3,
                            5,
                            doubles(maxout, "bias"));
            NDAssert.assertClose(y, want, new Shape(dims[0], 3).addAll(in.slice(2)), 1e-5, 1e-5);
        }
    }

    @Test
    public void float64Values() {
        Shape in = new Shape(2, 3, 4, 4);
        Maxout maxout = maxout(2, 3, true);
        init(maxout, DataType.FLOAT64, in);
        setParameter(maxout, "weight", randn(21, DataType.FLOAT64, 6, 3));
        setParameter(maxout, "bias", randn(22, DataType.FLOAT64, 6));
        NDArray x = randn(23, DataType.FLOAT64, 2, 3, 4, 4);

        NDArray y = forward(maxout, false, x);

        assertEquals(y.getDataType(), DataType.FLOAT64);
        double[] want =
                Formulas.maxout(
                        NDAssert.toDoubles(x),
                        in,
                        doubles(maxout, "weight"),
                        2,
                        3,
                        doubles(maxout, "bias"));
        NDAssert.assertClose(y, want, new Shape(2, 2, 4, 4), 1e-12, 1e-12);
    }

    @Test
    public void onePieceIsADenseLayer() {
        Maxout maxout = maxout(4, 1, true);
        init(maxout, DataType.FLOAT32, new Shape(3, 2, 5));
        NDArray w = randn(31, 4, 2);
        NDArray b = randn(32, 4);
        setParameter(maxout, "weight", w);
        setParameter(maxout, "bias", b);
        NDArray x = randn(33, 3, 2, 5);
        NDArray y = forward(maxout, false, x);
        double[] want =
                Formulas.nin(
                        NDAssert.toDoubles(x),
                        x.getShape(),
                        NDAssert.toDoubles(w),
                        4,
                        NDAssert.toDoubles(b),
                        false);
        NDAssert.assertClose(y, want, new Shape(3, 4, 5), 1e-5, 1e-5);
    }

    private void checkGradients(Maxout maxout, long seed, long... dims) {
        Shape in = new Shape(dims);
        init(maxout, DataType.FLOAT64, in);
        int rows = (int) (maxout.getUnits() * maxout.getPieces());
        setParameter(maxout, "weight", randn(seed, DataType.FLOAT64, rows, dims[1]));
        if (maxout.hasBias()) {
            setParameter(maxout, "bias", randn(seed + 1, DataType.FLOAT64, rows));
        }
        NDArray x = randn(seed + 2, DataType.FLOAT64, dims);
        double gap =
                smallestGap(
                        NDAssert.toDoubles(x),
                        in,
                        doubles(maxout, "weight"),
                        (int) maxout.getUnits(),
                        maxout.getPieces(),
                        maxout.hasBias() ? doubles(maxout, "bias") : null);
        // the finite-difference step (1e-6) moves a piece by far less than this: no max flips
        assertTrue(gap > 1e-3, "inputs chosen without ties, smallest gap " + gap);
        GradientCheck.of(maxout).maxPoints(40).check(manager, x);
    }

    @Test
    public void gradientsRank2() {
        checkGradients(maxout(3, 4, true), 41, 5, 3);
    }

    @Test
    public void gradientsRank4() {
        checkGradients(maxout(2, 3, true), 44, 2, 4, 3, 3);
    }

    @Test
    public void gradientsRank3WithoutBias() {
        checkGradients(maxout(3, 2, false), 47, 3, 3, 4);
    }

    @Test
    public void gradientReachesOnlyTheWinningPiece() {
        // one sample, one unit of 3 pieces, z = (1, 3, 2): only bias[1] gets the output gradient
        Maxout maxout = maxout(1, 3, true);
        init(maxout, DataType.FLOAT32, new Shape(1, 1));
        setParameter(maxout, "weight", manager.zeros(new Shape(3, 1)));
        setParameter(maxout, "bias", manager.create(new float[] {1, 3, 2}));
        NDArray bias = maxout.getParameters().get("bias").getArray();
        bias.setRequiresGradient(true);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray y = forward(maxout, true, manager.ones(new Shape(1, 1)));
            collector.backward(y.sum());
        }
        NDAssert.assertClose(bias.getGradient(), new double[] {0, 1, 0}, new Shape(3), 0, 0);
    }

    /** The class comment's statement about exact ties: the engines' max gradients differ. */
    @Test
    public void gradientAtAnExactTieDependsOnTheEngine() {
        Maxout maxout = maxout(1, 3, true);
        init(maxout, DataType.FLOAT32, new Shape(1, 2));
        setParameter(maxout, "bias", manager.zeros(new Shape(3)));
        NDArray bias = maxout.getParameters().get("bias").getArray();
        bias.setRequiresGradient(true);
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray y = forward(maxout, true, manager.zeros(new Shape(1, 2))); // z = (0, 0, 0)
            collector.backward(y.sum());
        }
        double[] g = NDAssert.toDoubles(bias.getGradient());
        if (engineName.equals("MXNet")) {
            assertEquals(g, new double[] {1, 1, 1}, 0, "MXNet: every tied piece");
        } else {
            assertEquals(g[0] + g[1] + g[2], 1, 0, "PyTorch: one tied piece " + Arrays.toString(g));
            assertEquals(g[0] * g[1] + g[1] * g[2] + g[0] * g[2], 0, 0, Arrays.toString(g));
        }
    }

    @Test
    public void saveLoadRoundTrip() {
        Maxout trained = maxout(4, 3, true);
        init(trained, DataType.FLOAT32, new Shape(2, 3, 4, 4));
        setParameter(trained, "bias", randn(51, 12));
        RoundTrip.assertSameAfterReload(
                manager, trained, maxout(4, 3, true), randn(52, 2, 3, 4, 4));
        Maxout noBias = maxout(2, 2, false);
        init(noBias, DataType.FLOAT32, new Shape(5, 3));
        RoundTrip.assertSameAfterReload(manager, noBias, maxout(2, 2, false), randn(53, 5, 3));
    }

    @Test
    public void loadIntoDifferentPiecesFails() {
        Maxout trained = maxout(4, 2, true);
        init(trained, DataType.FLOAT32, new Shape(2, 3));
        // 4 units × 2 pieces and 2 units × 4 pieces have the same weight shape (8, 3)
        RoundTrip.assertLoadRefused(
                manager,
                trained,
                maxout(2, 4, true),
                "Maxout",
                "units=4, pieces=2",
                "units=2, pieces=4");
    }

    @Test
    public void rank1InputIsRejected() {
        Maxout maxout = maxout(3, 2, true);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> maxout.initialize(manager, DataType.FLOAT32, new Shape(5)));
        assertMessage(e, "Maxout:", "rank >= 2", "(5)");
        assertFalse(maxout.isInitialized());

        Maxout ready = init(maxout(3, 2, true), DataType.FLOAT32, new Shape(2, 5));
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(ready, false, manager.ones(new Shape(5))));
        assertMessage(e, "Maxout:", "rank >= 2", "(5)");
    }

    @Test
    public void wrongChannelCountIsRejected() {
        Maxout maxout = init(maxout(3, 2, true), DataType.FLOAT32, new Shape(2, 4, 5));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(maxout, false, manager.ones(new Shape(2, 6, 5))));
        assertMessage(e, "Maxout:", "(N, 4, ...)", "(2, 6, 5)");
    }

    @Test
    public void wrongDataTypeIsRejected() {
        Maxout maxout = init(maxout(3, 2, true), DataType.FLOAT32, new Shape(2, 4));
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.INT32}) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> forward(maxout, false, randn(1, 2, 4).toType(type, false)));
            assertMessage(e, "Maxout:", "float32", type.toString(), "(2, 4)");
        }
    }

    @Test
    public void forwardBeforeInitializeIsRejected() {
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> forward(maxout(3, 2, true), false, manager.ones(new Shape(2, 2))));
        assertMessage(e, "Maxout:", "not initialized");
    }

    @Test
    public void builderNeedsPositiveUnitsAndPieces() {
        long[][] bad = {{0, 2}, {-1, 2}, {3, 0}, {3, -2}};
        for (long[] b : bad) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> Maxout.builder().setUnits(b[0]).setPieces((int) b[1]).build());
            String what = b[0] <= 0 ? "units > 0, got " + b[0] : "pieces > 0, got " + b[1];
            assertMessage(e, "Maxout:", what);
        }
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class, () -> Maxout.builder().setUnits(3).build()),
                "Maxout:",
                "pieces > 0, got 0");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Maxout.builder().setPieces(3).build()),
                "Maxout:",
                "units > 0, got 0");
    }

    @Test
    public void emptyBatchGivesAnEmptyOutput() {
        long[][] shapes = {{0, 3}, {0, 3, 4, 4}};
        for (long[] dims : shapes) {
            Shape in = new Shape(dims);
            Maxout maxout =
                    init(maxout(2, 3, true), DataType.FLOAT32, new Shape(5).addAll(in.slice(1)));
            for (boolean training : new boolean[] {false, true}) {
                NDArray y = forward(maxout, training, manager.zeros(in));
                assertEquals(y.getShape(), new Shape(0, 2).addAll(in.slice(2)));
            }
        }
    }

    /**
     * A toy regression that a maxout unit represents exactly: t = |x·a| = max(x·a, −x·a). A Trainer
     * with Adam brings the mean squared error below 1% of its initial value.
     */
    @Test
    public void trainsInsideTrainer() {
        // any seed works (0-24 on both engines: final/initial loss <= 1.1e-4); fixed to repeat
        Engine.getEngine(engineName).setRandomSeed(62);
        Maxout maxout = maxout(1, 2, true);
        NDArray x = randn(61, 64, 3);
        double[] a = {1.5, -0.5, 2.0};
        double[] xs = NDAssert.toDoubles(x);
        float[] t = new float[64];
        for (int i = 0; i < 64; i++) {
            t[i] = (float) Math.abs(xs[3 * i] * a[0] + xs[3 * i + 1] * a[1] + xs[3 * i + 2] * a[2]);
        }
        NDArray target = manager.create(t, new Shape(64, 1));
        try (Model model = Model.newInstance("maxout", manager.getDevice(), engineName)) {
            model.setBlock(maxout);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.l2Loss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.05f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(64, 3));
                double first = Double.NaN;
                double last = Double.NaN;
                for (int step = 0; step < 300; step++) {
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray y = trainer.forward(new NDList(x)).head();
                        NDArray loss = y.sub(target).square().mean(); // no Java-number scalars
                        last = loss.getFloat();
                        if (step == 0) {
                            first = last;
                        }
                        collector.backward(loss);
                    }
                    trainer.step();
                }
                assertTrue(first > 0.5, "an untrained maxout is far from the target: " + first);
                assertTrue(last < 0.01 * first, "loss " + first + " -> " + last);
            }
        }
    }

    @Test
    public void maxoutRejectsPiecesBelowOne() {
        for (int pieces : new int[] {0, -2}) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> Maxout.maxout(randn(1, 2, 4), randn(2, 6, 4), null, pieces));
            assertMessage(e, "Maxout:", "pieces >= 1", "got " + pieces);
        }
    }

    @Test
    public void maxoutRejectsPiecesNotDividingTheWeight() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Maxout.maxout(randn(1, 2, 4, 3), randn(2, 5, 4), randn(3, 5), 2));
        assertMessage(e, "Maxout:", "divisible by pieces = 2", "(5, 4)");
    }

    @Test
    public void maxoutRejectsAWeightNotOfRank2() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Maxout.maxout(randn(1, 2, 4), randn(2, 6, 4, 1), null, 2));
        assertMessage(e, "Maxout:", "(units, C) of rank 2", "(6, 4, 1)");
        assertFalse(e.getMessage().contains("NetworkInNetwork"), e.getMessage());
    }

    @Test
    public void maxoutRejectsABiasOfAnotherShape() {
        // another length, and an untied (units·pieces, d1) bias, which nin alone would take
        for (long[] dims : new long[][] {{4}, {6, 3}}) {
            NDArray b = randn(3, dims);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> Maxout.maxout(randn(1, 2, 4, 3), randn(2, 6, 4), b, 2));
            assertMessage(e, "Maxout:", "(6)", "(6, 4)", "got shape " + b.getShape());
        }
    }

    @Test
    public void maxoutRejectsARank1InputUnderItsOwnName() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Maxout.maxout(manager.ones(new Shape(4)), randn(2, 6, 4), null, 2));
        assertMessage(e, "Maxout:", "rank >= 2", "(4)");
        assertFalse(e.getMessage().contains("NetworkInNetwork"), e.getMessage());
    }

    @Test
    public void maxoutRejectsAChannelMismatchUnderItsOwnName() {
        for (long[] dims : new long[][] {{2, 5}, {2, 5, 3}}) {
            NDArray x = randn(1, dims);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> Maxout.maxout(x, randn(2, 6, 4), randn(3, 6), 3));
            assertMessage(e, "Maxout:", "(N, 4, ...)", "(6, 4)", x.getShape().toString());
            assertFalse(e.getMessage().contains("NetworkInNetwork"), e.getMessage());
        }
    }
}
