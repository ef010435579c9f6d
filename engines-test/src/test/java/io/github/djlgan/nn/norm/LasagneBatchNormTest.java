package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.LeakCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class LasagneBatchNormTest extends EngineTest {

    private static final double EPS = 1e-4f; // the float default, as the block uses it

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public LasagneBatchNormTest(String engine) {
        super(engine);
    }

    // ---------------------------------------------------------------------------------------
    // Independent plain-Java reference: Lasagne's get_output_for over row-major buffers.
    // ---------------------------------------------------------------------------------------

    // ---------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------

    private static NDArray param(LasagneBatchNorm block, String name) {
        return block.getParameters().get(name).getArray();
    }

    /** Input with a per-channel (axis 1) offset, so that batch means are far from 0. */
    private NDArray input(long seed, long... dims) {
        long[] offsetDims = new long[dims.length];
        Arrays.fill(offsetDims, 1);
        offsetDims[1] = dims[1];
        return randn(seed, dims).mul(2).add(randn(seed + 1, offsetDims).mul(3));
    }

    /** Positive values, as an inverse standard deviation must be. */
    private NDArray positive(long seed, long... dims) {
        return randn(seed, dims).abs().add(0.25f);
    }

    /** Sets beta, gamma, mean and invStd (those present) to random values. */
    private void randomize(LasagneBatchNorm block, long seed) {
        Shape shape = param(block, "mean").getShape();
        long[] dims = shape.getShape();
        if (block.isCenter()) {
            setParameter(block, "beta", randn(seed, dims));
        }
        if (block.isScale()) {
            setParameter(block, "gamma", randn(seed + 1, dims));
        }
        setParameter(block, "mean", randn(seed + 2, dims));
        setParameter(block, "invStd", positive(seed + 3, dims));
    }

    /** The block built with the axes (null: the default), initialized for dims in float32. */
    private LasagneBatchNorm initialized(
            LasagneBatchNorm.Builder builder, int[] axes, long[] dims) {
        return init(builder.optAxes(axes).build(), DataType.FLOAT32, new Shape(dims));
    }

    private static double[] values(NDArray array) {
        return array == null ? null : NDAssert.toDoubles(array);
    }

    /**
     * Runs one forward pass and checks output and stored averages against the reference.
     *
     * @return the output
     */
    private NDArray checkForward(
            LasagneBatchNorm block,
            NDArray x,
            int[] axes,
            boolean training,
            boolean expectUse,
            boolean expectUpdate,
            double alpha,
            double tol,
            String label) {
        return checkForward(
                block, x, axes, 1, training, expectUse, expectUpdate, alpha, tol, label);
    }

    // ---------------------------------------------------------------------------------------
    // values
    // ---------------------------------------------------------------------------------------

    @Test
    public void lasagneSwitchCombinations() {
        // Lasagne's test: input (20, 30, 40), default axes (0, 2), random beta, gamma, mean,
        // invStd and alpha; every deterministic x use_averages x update_averages combination
        Boolean[] switches = {null, true, false};
        float alpha = 0.37f;
        for (boolean deterministic : new boolean[] {false, true}) {
            for (Boolean use : switches) {
                for (Boolean update : switches) {
                    int seed = 100 + (deterministic ? 9 : 0) + 3 * index(use) + index(update);
                    LasagneBatchNorm block =
                            LasagneBatchNorm.builder()
                                    .optAlpha(alpha)
                                    .optUseAverages(use)
                                    .optUpdateAverages(update)
                                    .build();
                    init(block, DataType.FLOAT32, new Shape(20, 30, 40));
                    randomize(block, seed);
                    NDArray x = input(seed + 100, 20, 30, 40);
                    boolean expectUse = use != null ? use : deterministic;
                    boolean expectUpdate = update != null ? update : !deterministic;
                    checkForward(
                            block,
                            x,
                            new int[] {0, 2},
                            !deterministic,
                            expectUse,
                            expectUpdate,
                            alpha,
                            2e-5,
                            String.format(
                                    "deterministic=%b use=%s update=%s",
                                    deterministic, use, update));
                }
            }
        }
    }

    /** 0, 1, 2 for null, true, false: the position of a switch value in the combinations. */
    private static int index(Boolean value) {
        return value == null ? 0 : value ? 1 : 2;
    }

    @Test
    public void useAndUpdateNormalisesWithTheAveragesFromBeforeTheUpdate() {
        // Lasagne adds 0 * running_mean, whose default update applies after the call
        LasagneBatchNorm block =
                LasagneBatchNorm.builder().optUseAverages(true).optUpdateAverages(true).build();
        init(block, DataType.FLOAT32, new Shape(6, 4));
        randomize(block, 1);
        NDArray oldMean = param(block, "mean").duplicate();
        NDArray x = input(2, 6, 4);
        NDArray y1 = checkForward(block, x, new int[] {0}, true, true, true, 0.1, 1e-5, "first");
        NDArray y2 = checkForward(block, x, new int[] {0}, true, true, true, 0.1, 1e-5, "second");
        // the averages moved between the two calls, so the outputs differ
        assertFalse(param(block, "mean").contentEquals(oldMean));
        assertFalse(y1.contentEquals(y2));
    }

    @Test
    public void otherAxesAndRanks() {
        Object[][] cases = {
            // input shape, axes given to the builder (null = default), resolved axes
            {new long[] {5, 3, 4, 2}, null, new int[] {0, 2, 3}},
            {new long[] {7, 3}, null, new int[] {0}},
            {new long[] {9}, null, new int[] {0}},
            {new long[] {4, 3, 5}, new int[] {0}, new int[] {0}},
            {new long[] {4, 3, 5}, new int[] {1, 2}, new int[] {1, 2}},
            {new long[] {4, 3, 5}, new int[] {-1}, new int[] {2}},
            {new long[] {4, 3, 5}, new int[] {2, 0}, new int[] {0, 2}},
            {new long[] {3, 4, 2, 5}, new int[] {-3, 3}, new int[] {1, 3}},
            {new long[] {2, 3, 4, 5}, new int[] {1, 2}, new int[] {1, 2}},
            {new long[] {4, 3, 5}, new int[] {0, 1, 2}, new int[] {0, 1, 2}},
        };
        int seed = 300;
        for (Object[] c : cases) {
            long[] dims = (long[]) c[0];
            int[] axes = (int[]) c[2];
            for (boolean training : new boolean[] {true, false}) {
                LasagneBatchNorm.Builder builder = LasagneBatchNorm.builder().optAlpha(0.25f);
                LasagneBatchNorm block = initialized(builder, (int[]) c[1], dims);
                assertEquals(block.getAxes(), axes);
                randomize(block, seed++);
                NDArray x = randn(seed++, dims).mul(2).add(1);
                checkForward(
                        block,
                        x,
                        axes,
                        training,
                        !training,
                        training,
                        0.25,
                        2e-5,
                        Arrays.toString(dims)
                                + " axes "
                                + Arrays.toString(axes)
                                + " training="
                                + training);
            }
        }
    }

    /**
     * The two formulations of the sums and repetitions ({@code optSumsAsProducts}: matrix products
     * with ones, or the engine's reductions and broadcasting) both match the reference, in training
     * and inference, for contiguous and interleaved kept axes, every axis normalised, P = 1 and Q =
     * 1; and they agree with each other to float rounding.
     */
    @Test
    public void bothFormulationsMatchTheReferenceAndEachOther() {
        Object[][] cases = {
            // input shape, axes (null = default), resolved axes
            {new long[] {5, 3, 4, 2}, null, new int[] {0, 2, 3}},
            {new long[] {7, 3}, null, new int[] {0}},
            {new long[] {4, 3, 5}, new int[] {1, 2}, new int[] {1, 2}},
            {new long[] {2, 3, 4, 5}, new int[] {1, 2}, new int[] {1, 2}},
            {new long[] {4, 3, 5}, new int[] {0, 1, 2}, new int[] {0, 1, 2}},
        };
        int seed = 900;
        for (Object[] c : cases) {
            long[] dims = (long[]) c[0];
            for (boolean training : new boolean[] {true, false}) {
                NDArray x = input(seed++, dims);
                NDArray[] outputs = new NDArray[2];
                for (boolean products : new boolean[] {true, false}) {
                    LasagneBatchNorm.Builder builder =
                            LasagneBatchNorm.builder().optSumsAsProducts(products);
                    LasagneBatchNorm block = initialized(builder, (int[]) c[1], dims);
                    randomize(block, seed);
                    String label =
                            Arrays.toString(dims)
                                    + " axes "
                                    + Arrays.toString((int[]) c[2])
                                    + " training="
                                    + training
                                    + " products="
                                    + products;
                    outputs[products ? 0 : 1] =
                            checkForward(
                                    block,
                                    x,
                                    (int[]) c[2],
                                    training,
                                    !training,
                                    training,
                                    0.1,
                                    2e-5,
                                    label);
                }
                NDAssert.assertClose(outputs[0], values(outputs[1]), new Shape(dims), 1e-5, 1e-5);
                seed++;
            }
        }
    }

    /** Gradients of both formulations, default and interleaved axes, training and inference. */
    @Test
    public void gradientsOfBothFormulations() {
        for (boolean products : new boolean[] {true, false}) {
            for (boolean training : new boolean[] {true, false}) {
                for (int[] axes : new int[][] {null, {1, 2}}) {
                    LasagneBatchNorm block =
                            LasagneBatchNorm.builder()
                                    .optAxes(axes)
                                    .optSumsAsProducts(products)
                                    .build();
                    init(block, DataType.FLOAT64, new Shape(2, 3, 4, 2));
                    Shape p = param(block, "mean").getShape();
                    long[] pd = p.getShape();
                    setParameter(block, "gamma", randn(21, DataType.FLOAT64, pd));
                    setParameter(block, "beta", randn(22, DataType.FLOAT64, pd));
                    setParameter(block, "mean", randn(23, DataType.FLOAT64, pd));
                    setParameter(block, "invStd", randn(24, DataType.FLOAT64, pd).abs().add(0.5));
                    int checked =
                            GradientCheck.of(block)
                                    .training(training)
                                    .maxPoints(48)
                                    .check(manager, randn(25, DataType.FLOAT64, 2, 3, 4, 2));
                    assertEquals(checked, 48 + 2 * p.size(), "input, beta, gamma coordinates");
                }
            }
        }
    }

    @Test
    public void float64Values() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().optAxes(0, 2).build();
        init(block, DataType.FLOAT64, new Shape(6, 5, 4));
        setParameter(block, "gamma", randn(1, DataType.FLOAT64, 5));
        setParameter(block, "beta", randn(2, DataType.FLOAT64, 5));
        NDArray x = randn(3, DataType.FLOAT64, 6, 5, 4);
        NDArray y = checkForward(block, x, new int[] {0, 2}, true, false, true, 0.1f, 1e-12, "f64");
        assertEquals(y.getDataType(), DataType.FLOAT64);
        assertEquals(param(block, "mean").getDataType(), DataType.FLOAT64);
    }

    @Test
    public void parameterShapesAndKinds() {
        Object[][] cases = {
            {new long[] {2, 3, 4, 5}, null, new long[] {3}},
            {new long[] {2, 3, 4}, new int[] {0}, new long[] {3, 4}},
            {new long[] {2, 3, 4}, new int[] {1, 2}, new long[] {2}},
            {new long[] {2, 3, 4}, new int[] {-1}, new long[] {2, 3}},
            {new long[] {2, 3, 4}, new int[] {0, 1, 2}, new long[] {}},
        };
        for (Object[] c : cases) {
            LasagneBatchNorm.Builder builder = LasagneBatchNorm.builder();
            LasagneBatchNorm block = builder.optAxes((int[]) c[1]).build(); // null: the default
            Shape in = new Shape((long[]) c[0]);
            init(block, DataType.FLOAT32, in);
            Shape want = new Shape((long[]) c[2]);
            assertEquals(
                    block.getParameters().keys(), Arrays.asList("beta", "gamma", "mean", "invStd"));
            for (String name : new String[] {"beta", "gamma", "mean", "invStd"}) {
                assertEquals(param(block, name).getShape(), want, name + " for " + in);
            }
            assertEquals(block.getOutputShapes(new Shape[] {in})[0], in);
            assertEquals(forward(block, true, randn(1, (long[]) c[0])).getShape(), in);
        }
        LasagneBatchNorm block =
                init(LasagneBatchNorm.builder().build(), DataType.FLOAT32, new Shape(2, 3));
        Parameter beta = block.getParameters().get("beta");
        Parameter gamma = block.getParameters().get("gamma");
        Parameter mean = block.getParameters().get("mean");
        Parameter invStd = block.getParameters().get("invStd");
        assertEquals(beta.getType(), Parameter.Type.BETA);
        assertEquals(gamma.getType(), Parameter.Type.GAMMA);
        assertEquals(mean.getType(), Parameter.Type.RUNNING_MEAN);
        assertEquals(invStd.getType(), Parameter.Type.RUNNING_VAR);
        assertTrue(beta.requiresGradient());
        assertTrue(gamma.requiresGradient());
        assertFalse(mean.requiresGradient());
        assertFalse(invStd.requiresGradient());
        NDAssert.assertAllClose(beta.getArray(), 0, 0, 0);
        NDAssert.assertAllClose(gamma.getArray(), 1, 0, 0);
        NDAssert.assertAllClose(mean.getArray(), 0, 0, 0);
        NDAssert.assertAllClose(invStd.getArray(), 1, 0, 0);
    }

    @Test
    public void builderDefaults() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().build();
        assertEquals(block.getEpsilon(), 1e-4f);
        assertEquals(block.getAlpha(), 0.1f);
        assertTrue(block.isCenter());
        assertTrue(block.isScale());
        assertNull(block.getUseAverages());
        assertNull(block.getUpdateAverages());
        assertEquals(block.getBatchGroups(), 1);
        assertFalse(block.isAverageStdDev());
        init(block, DataType.FLOAT32, new Shape(2, 3, 4, 5));
        assertEquals(block.getAxes(), new int[] {0, 2, 3});
    }

    @Test
    public void withoutBetaOrGamma() {
        boolean[][] variants = {{false, true}, {true, false}, {false, false}};
        int seed = 400;
        for (boolean[] v : variants) {
            LasagneBatchNorm block =
                    LasagneBatchNorm.builder().optCenter(v[0]).optScale(v[1]).build();
            init(block, DataType.FLOAT32, new Shape(8, 3, 5));
            assertEquals(block.isCenter(), v[0]);
            assertEquals(block.isScale(), v[1]);
            assertEquals(block.getParameters().contains("beta"), v[0]);
            assertEquals(block.getParameters().contains("gamma"), v[1]);
            randomize(block, seed++);
            NDArray x = input(seed++, 8, 3, 5);
            String label = "center=" + v[0] + " scale=" + v[1];
            checkForward(block, x, new int[] {0, 2}, true, false, true, 0.1, 1e-5, label);
            checkForward(block, x, new int[] {0, 2}, false, true, false, 0.1, 1e-5, label);
        }
    }

    // ---------------------------------------------------------------------------------------
    // gradients and autograd
    // ---------------------------------------------------------------------------------------

    @Test
    public void gradientsTraining() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().build();
        init(block, DataType.FLOAT64, new Shape(4, 3, 5));
        setParameter(block, "gamma", randn(1, DataType.FLOAT64, 3));
        setParameter(block, "beta", randn(2, DataType.FLOAT64, 3));
        int checked = GradientCheck.of(block).check(manager, randn(3, DataType.FLOAT64, 4, 3, 5));
        assertEquals(checked, 24 + 3 + 3, "input, beta, gamma coordinates");
    }

    @Test
    public void gradientsTrainingOtherAxes() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().optAxes(1, 2).optCenter(false).build();
        init(block, DataType.FLOAT64, new Shape(3, 4, 2));
        setParameter(block, "gamma", randn(4, DataType.FLOAT64, 3));
        GradientCheck.of(block).check(manager, randn(5, DataType.FLOAT64, 3, 4, 2));
    }

    @Test
    public void gradientsInference() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().optAxes(0).build();
        init(block, DataType.FLOAT64, new Shape(3, 2, 3));
        setParameter(block, "gamma", randn(6, DataType.FLOAT64, 2, 3));
        setParameter(block, "beta", randn(7, DataType.FLOAT64, 2, 3));
        setParameter(block, "mean", randn(8, DataType.FLOAT64, 2, 3));
        setParameter(block, "invStd", randn(9, DataType.FLOAT64, 2, 3).abs().add(0.5));
        GradientCheck.of(block)
                .training(false)
                .check(manager, randn(10, DataType.FLOAT64, 3, 2, 3));
    }

    /**
     * Two training steps inside a GradientCollector, as in a hand-written training loop: the
     * averages follow the EMA, the backward pass works, and with use+update the gradient of gamma
     * uses the averages from before the update.
     */
    @Test
    public void updatesInsideGradientCollector() {
        for (Boolean use : new Boolean[] {null, true}) {
            LasagneBatchNorm block = LasagneBatchNorm.builder().optUseAverages(use).build();
            init(block, DataType.FLOAT32, new Shape(6, 3, 4));
            randomize(block, 500);
            int[] index = Formulas.parameterIndex(new Shape(6, 3, 4), new int[] {0, 2});
            for (int step = 0; step < 2; step++) {
                double[] mean = values(param(block, "mean"));
                double[] invStd = values(param(block, "invStd"));
                NDArray x = input(510 + step, 6, 3, 4);
                NDArray r = randn(520 + step, 6, 3, 4);
                double[] xs = values(x);
                double[] rs = values(r);
                double[][] batch = Formulas.batchStatistics(xs, index, 3, EPS);
                x.setRequiresGradient(true);
                NDArray gammaArray = param(block, "gamma");
                if (gammaArray.hasGradient()) { // PyTorch accumulates gradients
                    gammaArray.getGradient().subi(gammaArray.getGradient().duplicate());
                }
                try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                    NDArray y =
                            block.forward(new ParameterStore(manager, false), new NDList(x), true)
                                    .head();
                    collector.backward(y.mul(r).sum());
                }
                String label = "use=" + use + " step " + step;
                NDAssert.assertClose(
                        param(block, "mean"),
                        Formulas.ema(mean, batch[0], 0.1),
                        new Shape(3),
                        1e-5,
                        1e-5);
                NDAssert.assertClose(
                        param(block, "invStd"),
                        Formulas.ema(invStd, batch[1], 0.1),
                        new Shape(3),
                        1e-5,
                        1e-5);
                // dL/dgamma[c] = Σ r · (x − μ) · invStd over the normalised axes
                double[] mu = use == null ? batch[0] : mean;
                double[] inv = use == null ? batch[1] : invStd;
                double[] dGamma = new double[3];
                for (int i = 0; i < xs.length; i++) {
                    dGamma[index[i]] += rs[i] * (xs[i] - mu[index[i]]) * inv[index[i]];
                }
                try {
                    NDAssert.assertClose(
                            param(block, "gamma").getGradient(), dGamma, new Shape(3), 1e-4, 1e-4);
                } catch (AssertionError e) {
                    throw new AssertionError(label + ": " + e.getMessage(), e);
                }
                assertTrue(x.getGradient().abs().sum().getFloat() > 0, label);
                assertFalse(param(block, "mean").hasGradient(), label);
            }
            // then an inference pass differentiated w.r.t. its input (as a GAN's generator step
            // does through its discriminator): the updated averages carry no autograd history
            double[] gamma = values(param(block, "gamma"));
            double[] invStd = values(param(block, "invStd"));
            NDArray x = input(530, 6, 3, 4);
            NDArray r = randn(531, 6, 3, 4);
            double[] rs = values(r);
            x.setRequiresGradient(true);
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray y =
                        block.forward(new ParameterStore(manager, false), new NDList(x), false)
                                .head();
                collector.backward(y.mul(r).sum());
            }
            double[] dx = new double[rs.length];
            for (int i = 0; i < rs.length; i++) {
                dx[i] = rs[i] * gamma[index[i]] * invStd[index[i]];
            }
            NDAssert.assertClose(x.getGradient(), dx, x.getShape(), 1e-5, 1e-5);
            NDAssert.assertClose(param(block, "invStd"), invStd, new Shape(3), 0, 0);
        }
    }

    /** The averages update inside DJL's Trainer and are saved and loaded with the model. */
    @Test
    public void trainerUpdatesAveragesAndModelKeepsThem()
            throws IOException, MalformedModelException {
        Shape in = new Shape(8, 3, 5);
        int[] index = Formulas.parameterIndex(in, new int[] {0, 2});
        float alpha = 0.3f;
        double[] mean = new double[3];
        double[] invStd = {1, 1, 1};
        double[] trainedGamma;
        Path dir = Files.createTempDirectory("djlgan-lbn");
        LasagneBatchNorm block = LasagneBatchNorm.builder().optAlpha(alpha).build();
        try (Model model = Model.newInstance("lbn", manager.getDevice(), engineName)) {
            model.setBlock(block);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.l2Loss())
                            .optDevices(new Device[] {manager.getDevice()})
                            .optOptimizer(
                                    Optimizer.sgd()
                                            .setLearningRateTracker(Tracker.fixed(0.1f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(in);
                for (int k = 0; k < 3; k++) {
                    NDManager batchManager = trainer.getManager().newSubManager();
                    NDArray x = input(600 + k, 8, 3, 5);
                    double[][] batch = Formulas.batchStatistics(values(x), index, 3, EPS);
                    mean = Formulas.ema(mean, batch[0], alpha);
                    invStd = Formulas.ema(invStd, batch[1], alpha);
                    NDArray label = randn(610 + k, 8, 3, 5);
                    try (Batch b =
                            new Batch(
                                    batchManager,
                                    new NDList(x.toType(DataType.FLOAT32, true)),
                                    new NDList(label.toType(DataType.FLOAT32, true)),
                                    8,
                                    Batchifier.STACK,
                                    Batchifier.STACK,
                                    k,
                                    3)) {
                        EasyTrain.trainBatch(trainer, b);
                        trainer.step();
                    }
                    NDAssert.assertClose(param(block, "mean"), mean, new Shape(3), 1e-5, 1e-5);
                    NDAssert.assertClose(param(block, "invStd"), invStd, new Shape(3), 1e-5, 1e-5);
                }
                // the optimizer moved gamma, not the averages
                trainedGamma = values(param(block, "gamma"));
                assertNotEquals(trainedGamma, new double[] {1, 1, 1});
            }
            model.save(dir, "lbn");
        }
        LasagneBatchNorm fresh = LasagneBatchNorm.builder().optAlpha(alpha).build();
        try (Model loaded = Model.newInstance("lbn", manager.getDevice(), engineName)) {
            loaded.setBlock(fresh);
            loaded.load(dir, "lbn");
            NDAssert.assertClose(param(fresh, "mean"), mean, new Shape(3), 1e-5, 1e-5);
            NDAssert.assertClose(param(fresh, "invStd"), invStd, new Shape(3), 1e-5, 1e-5);
            NDAssert.assertClose(param(fresh, "gamma"), trainedGamma, new Shape(3), 0, 0);
            assertEquals(fresh.getAxes(), new int[] {0, 2});
            // inference with the loaded averages
            NDArray x = input(620, 4, 3, 7);
            checkForward(fresh, x, new int[] {0, 2}, false, true, false, alpha, 1e-5, "loaded");
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** Per-call temporaries belong to the input's manager, never to the parameters' manager. */
    @Test
    public void forwardLeavesNothingOnTheParameterManager() {
        Boolean[][] switches = {{null, null}, {true, true}, {false, false}, {true, false}};
        for (Boolean[] s : switches) {
            LasagneBatchNorm block =
                    LasagneBatchNorm.builder().optUseAverages(s[0]).optUpdateAverages(s[1]).build();
            LeakCheck.assertNoParameterLeak(manager, block, randn(40, 4, 3, 5));
        }
    }

    // ---------------------------------------------------------------------------------------
    // save / load
    // ---------------------------------------------------------------------------------------

    @Test
    public void saveLoadRoundTrip() {
        Object[][] cases = {
            {LasagneBatchNorm.builder(), new long[] {4, 3, 5, 5}},
            {LasagneBatchNorm.builder().optAxes(1, -1), new long[] {4, 3, 5}},
            {LasagneBatchNorm.builder().optScale(false).optAxes(0), new long[] {4, 3}},
        };
        int seed = 700;
        for (Object[] c : cases) {
            LasagneBatchNorm.Builder builder = (LasagneBatchNorm.Builder) c[0];
            long[] dims = (long[]) c[1];
            LasagneBatchNorm trained = builder.build();
            init(trained, DataType.FLOAT32, new Shape(dims));
            randomize(trained, seed++);
            RoundTrip.assertSameAfterReload(manager, trained, builder.build(), randn(seed++, dims));
        }
    }

    @Test
    public void loadIntoDifferentConfigurationFails() throws IOException, MalformedModelException {
        LasagneBatchNorm trained = LasagneBatchNorm.builder().build();
        init(trained, DataType.FLOAT32, new Shape(2, 3, 4));
        Path dir = Files.createTempDirectory("djlgan-lbn");
        try (Model saving = Model.newInstance("lbn", manager.getDevice(), engineName)) {
            saving.setBlock(trained);
            saving.save(dir, "lbn");
        }
        Object[][] cases = {
            {LasagneBatchNorm.builder().optAxes(0), "axes=[0]"},
            {LasagneBatchNorm.builder().optAxes(3), "axis 3 is out of range"},
            {LasagneBatchNorm.builder().optCenter(false), "center=false"},
            {LasagneBatchNorm.builder().optScale(false), "scale=false"},
            {LasagneBatchNorm.builder().optAlpha(0.2f), "alpha=0.2"},
            {LasagneBatchNorm.builder().optEpsilon(1e-5f), "epsilon=1.0E-5"},
        };
        try {
            for (Object[] c : cases) {
                try (Model loading = Model.newInstance("lbn", manager.getDevice(), engineName)) {
                    loading.setBlock(((LasagneBatchNorm.Builder) c[0]).build());
                    MalformedModelException e =
                            expectThrows(
                                    MalformedModelException.class, () -> loading.load(dir, "lbn"));
                    assertMessage(e, "LasagneBatchNorm", (String) c[1]);
                }
            }
            // the same axes spelled differently load fine
            try (Model loading = Model.newInstance("lbn", manager.getDevice(), engineName)) {
                LasagneBatchNorm same = LasagneBatchNorm.builder().optAxes(-1, 0).build();
                loading.setBlock(same);
                loading.load(dir, "lbn");
                assertEquals(same.getAxes(), new int[] {0, 2});
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    // ---------------------------------------------------------------------------------------
    // bad inputs
    // ---------------------------------------------------------------------------------------

    private void assertInitFails(LasagneBatchNorm block, Shape in, String... parts) {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> block.initialize(manager, DataType.FLOAT32, in));
        assertMessage(e, parts);
        assertFalse(block.isInitialized());
    }

    @Test
    public void unknownSizeOfAKeptAxisIsRejected() {
        assertInitFails(
                LasagneBatchNorm.builder().build(),
                new Shape(-1, -1, 4),
                "LasagneBatchNorm",
                "needs specified input sizes",
                "axis 1",
                "(-1, -1, 4)");
        assertInitFails(
                LasagneBatchNorm.builder().optAxes(0).build(),
                new Shape(-1, 3, -1),
                "LasagneBatchNorm",
                "needs specified input sizes",
                "axis 2");
        // unknown sizes on normalised axes are fine
        LasagneBatchNorm block =
                init(LasagneBatchNorm.builder().build(), DataType.FLOAT32, new Shape(-1, 3, -1));
        assertEquals(param(block, "mean").getShape(), new Shape(3));
        assertEquals(forward(block, true, randn(1, 5, 3, 2)).getShape(), new Shape(5, 3, 2));
    }

    @Test
    public void badAxesAreRejectedAtInitialization() {
        assertInitFails(
                LasagneBatchNorm.builder().optAxes(3).build(),
                new Shape(2, 3, 4),
                "LasagneBatchNorm",
                "axis 3 is out of range",
                "(2, 3, 4)");
        assertInitFails(
                LasagneBatchNorm.builder().optAxes(-4).build(),
                new Shape(2, 3, 4),
                "LasagneBatchNorm",
                "axis -4 is out of range");
        assertInitFails(
                LasagneBatchNorm.builder().optAxes(2, -1).build(),
                new Shape(2, 3, 4),
                "LasagneBatchNorm",
                "axis 2 twice",
                "[2, -1]");
        assertInitFails(
                LasagneBatchNorm.builder().build(), new Shape(), "LasagneBatchNorm", "rank >= 1");
    }

    @Test
    public void badBuilderSettingsAreRejected() {
        Object[][] cases = {
            {(Runnable) () -> LasagneBatchNorm.builder().optAxes().build(), "at least one axis"},
            {(Runnable) () -> LasagneBatchNorm.builder().optAxes(0, 2, 0).build(), "twice"},
            {(Runnable) () -> LasagneBatchNorm.builder().optEpsilon(0).build(), "epsilon"},
            {(Runnable) () -> LasagneBatchNorm.builder().optEpsilon(Float.NaN).build(), "epsilon"},
            {(Runnable) () -> LasagneBatchNorm.builder().optAlpha(-0.1f).build(), "alpha"},
            {(Runnable) () -> LasagneBatchNorm.builder().optAlpha(1.5f).build(), "alpha"},
            {(Runnable) () -> LasagneBatchNorm.builder().optAlpha(Float.NaN).build(), "alpha"},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, ((Runnable) c[0])::run);
            assertMessage(e, "LasagneBatchNorm", (String) c[1]);
        }
        // null restores the default axes
        LasagneBatchNorm block =
                LasagneBatchNorm.builder().optAxes(0).optAxes((int[]) null).build();
        init(block, DataType.FLOAT32, new Shape(2, 3, 4));
        assertEquals(block.getAxes(), new int[] {0, 2});
    }

    @Test
    public void inputOfAnotherRankIsRejected() {
        LasagneBatchNorm block =
                init(LasagneBatchNorm.builder().build(), DataType.FLOAT32, new Shape(2, 3, 4));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.ones(new Shape(2, 3, 4, 1))));
        assertMessage(e, "LasagneBatchNorm", "(*, 3, *)", "(2, 3, 4, 1)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, false, manager.ones(new Shape(2, 3))));
        assertMessage(e, "LasagneBatchNorm", "(*, 3, *)", "(2, 3)");
    }

    @Test
    public void otherSizeOfAKeptAxisIsRejected() {
        LasagneBatchNorm block =
                init(
                        LasagneBatchNorm.builder().optAxes(0).build(),
                        DataType.FLOAT32,
                        new Shape(2, 3, 4));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, manager.ones(new Shape(2, 3, 5))));
        assertMessage(e, "LasagneBatchNorm", "(*, 3, 4)", "(2, 3, 5)");
        // another size along a normalised axis is fine
        assertEquals(forward(block, true, randn(1, 7, 3, 4)).getShape(), new Shape(7, 3, 4));
        assertEquals(param(block, "mean").getShape(), new Shape(3, 4));
    }

    @Test
    public void forwardBeforeInitializeIsRejected() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().build();
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> forward(block, false, manager.ones(new Shape(2, 2))));
        assertMessage(e, "LasagneBatchNorm", "not initialized");
        e = expectThrows(IllegalStateException.class, block::getAxes);
        assertMessage(e, "LasagneBatchNorm", "initialize");
    }

    /** A constant feature has variance 0: epsilon keeps the output finite (no NaN). */
    @Test
    public void constantFeatureStaysFinite() {
        LasagneBatchNorm block =
                init(LasagneBatchNorm.builder().build(), DataType.FLOAT32, new Shape(4, 2));
        NDArray x = manager.create(new float[] {1, 5, 1, 6, 1, 7, 1, 8}, new Shape(4, 2));
        NDArray y = forward(block, true, x);
        NDAssert.assertAllClose(y.get(":, 0"), 0, 0, 0);
        NDAssert.assertClose(
                param(block, "invStd"),
                new double[] {0.9 + 0.1 / Math.sqrt(EPS), 0.9 + 0.1 / Math.sqrt(1.25 + EPS)},
                new Shape(2),
                1e-5,
                1e-5);
        Consumer<NDArray> finite = a -> assertFalse(a.isNaN().any().getBoolean());
        finite.accept(y);
        finite.accept(param(block, "invStd"));
    }

    /**
     * A training batch with NaN in channel 0 and +Inf in channel 2: those channels keep their
     * averages, the clean channel 1 is updated as usual, and a later clean inference batch is
     * finite everywhere.
     */
    @Test
    public void nonFiniteBatchLeavesTheAveragesOfItsChannels() {
        LasagneBatchNorm block =
                init(LasagneBatchNorm.builder().build(), DataType.FLOAT32, new Shape(4, 3, 2, 2));
        randomize(block, 31);
        double[] mean = values(param(block, "mean"));
        double[] invStd = values(param(block, "invStd"));
        float[] data = input(32, 4, 3, 2, 2).toFloatArray();
        data[1] = Float.NaN; // sample 0, channel 0
        data[4 * 3 + 2 * 4 + 3] = Float.POSITIVE_INFINITY; // sample 1, channel 2
        NDArray x = manager.create(data, new Shape(4, 3, 2, 2));
        double[][] batch =
                Formulas.batchStatistics(
                        values(x),
                        Formulas.parameterIndex(x.getShape(), new int[] {0, 2, 3}),
                        3,
                        EPS);

        forward(block, true, x);

        double[] wantMean = {mean[0], 0.9 * mean[1] + 0.1 * batch[0][1], mean[2]};
        double[] wantInvStd = {invStd[0], 0.9 * invStd[1] + 0.1 * batch[1][1], invStd[2]};
        NDAssert.assertClose(param(block, "mean"), wantMean, new Shape(3), 1e-5, 1e-5);
        NDAssert.assertClose(param(block, "invStd"), wantInvStd, new Shape(3), 1e-5, 1e-5);
        NDArray y = forward(block, false, input(33, 4, 3, 2, 2));
        assertTrue(NDAssert.toDoubles(y).length == 48);
        for (double v : NDAssert.toDoubles(y)) {
            assertTrue(Double.isFinite(v), "inference after a NaN batch: " + v);
        }
    }

    /**
     * Finite inputs around 1e30: the squared deviations overflow float32 (PyTorch gave an all-zero
     * output, MXNet all NaN), but the batch statistics and the output are representable. Expected
     * values from the plain-Java reference in doubles.
     */
    @Test
    public void hugeFiniteInputsNormaliseWithoutOverflow() {
        for (double magnitude : new double[] {1e20, 1e30, 1e36}) {
            LasagneBatchNorm block =
                    init(
                            LasagneBatchNorm.builder().build(),
                            DataType.FLOAT32,
                            new Shape(8, 3, 4, 4));
            randomize(block, 34);
            NDArray x = input(35, 8, 3, 4, 4).mul((float) magnitude);
            checkForward(
                    block,
                    x,
                    new int[] {0, 2, 3},
                    true,
                    false,
                    true,
                    0.1,
                    1e-4,
                    "magnitude " + magnitude);
        }
    }

    // ---------------------------------------------------------------------------------------
    // batch groups
    // ---------------------------------------------------------------------------------------

    /**
     * For every flat input index, the parameter position of its group's statistics: group·K + its
     * parameter index, where sample s belongs to group s mod g (written from the definition, not
     * from the block's reshapes).
     */
    private static int[] groupIndex(Shape s, int[] axes, int groups) {
        int[] index = Formulas.parameterIndex(s, axes);
        int k = Arrays.stream(index).max().getAsInt() + 1;
        long perSample = s.size() / s.get(0);
        int[] grouped = new int[index.length];
        for (int i = 0; i < index.length; i++) {
            grouped[i] = (int) ((i / perSample) % groups) * k + index[i];
        }
        return grouped;
    }

    /** v repeated for each of g groups, group by group; null stays null. */
    private static double[] perGroup(double[] v, int groups) {
        if (v == null) {
            return null;
        }
        double[] out = new double[v.length * groups];
        for (int i = 0; i < out.length; i++) {
            out[i] = v[i % v.length];
        }
        return out;
    }

    private static double[] inverse(double[] v) {
        return Arrays.stream(v).map(x -> 1 / x).toArray();
    }

    /** The mean over the g groups of per-group statistics (g·K values, group by group). */
    private static double[] groupMean(double[] stats, int groups) {
        int k = stats.length / groups;
        double[] mean = new double[k];
        for (int i = 0; i < stats.length; i++) {
            mean[i % k] += stats[i] / groups;
        }
        return mean;
    }

    /**
     * With g batch groups, a training pass normalises each interleaved group (samples j, g + j, …)
     * with its own batch statistics and moves the averages towards the groups' mean statistics —
     * for default and other axes, kept axes contiguous or not, both formulations, and a pass that
     * uses the averages while updating them.
     */
    @Test
    public void batchGroupsNormaliseEachInterleavedGroup() {
        Object[][] cases = {
            // input shape, axes (null = default), resolved axes, groups
            {new long[] {8, 3}, null, new int[] {0}, 4},
            {new long[] {6, 3, 4, 2}, null, new int[] {0, 2, 3}, 3},
            {new long[] {6, 4, 5}, new int[] {0, 2}, new int[] {0, 2}, 2},
            {new long[] {6, 3, 4}, new int[] {0, 1}, new int[] {0, 1}, 2},
            {new long[] {4, 3}, null, new int[] {0}, 4},
            {new long[] {8, 3}, new int[] {0, 1}, new int[] {0, 1}, 2},
            {new long[] {6}, null, new int[] {0}, 3},
        };
        checkAgainstTheReference(
                cases, new Boolean[][] {{null, null}, {true, true}, {null, false}}, false, 1100);
    }

    /**
     * One training pass per case, formulation and {use, update} switch pair (null = the training
     * default), checked by {@link #checkForward} against the reference.
     *
     * @param cases input shape, axes (null = default), resolved axes, groups
     */
    private void checkAgainstTheReference(
            Object[][] cases, Boolean[][] switchPairs, boolean averageStdDev, int seed) {
        for (Object[] c : cases) {
            long[] dims = (long[]) c[0];
            int[] axes = (int[]) c[2];
            int groups = (int) c[3];
            for (boolean products : new boolean[] {true, false}) {
                for (Boolean[] switches : switchPairs) {
                    LasagneBatchNorm.Builder builder =
                            LasagneBatchNorm.builder()
                                    .optAlpha(0.25f)
                                    .optSumsAsProducts(products)
                                    .optUseAverages(switches[0])
                                    .optUpdateAverages(switches[1])
                                    .optBatchGroups(groups)
                                    .optAverageStdDev(averageStdDev);
                    LasagneBatchNorm block = initialized(builder, (int[]) c[1], dims);
                    assertEquals(block.getBatchGroups(), groups);
                    assertEquals(block.isAverageStdDev(), averageStdDev);
                    randomize(block, seed++);
                    NDArray x =
                            dims.length > 1
                                    ? input(seed++, dims)
                                    : randn(seed++, dims).mul(2).add(1);
                    String label =
                            Arrays.toString(dims)
                                    + " axes "
                                    + Arrays.toString(axes)
                                    + " groups "
                                    + groups
                                    + " products="
                                    + products
                                    + " switches="
                                    + Arrays.toString(switches)
                                    + " σ averaged="
                                    + averageStdDev;
                    checkForward(
                            block,
                            x,
                            axes,
                            groups,
                            true,
                            switches[0] != null,
                            switches[1] == null || switches[1],
                            0.25,
                            2e-5,
                            label);
                }
            }
        }
    }

    /**
     * Runs one forward pass of a block with g batch groups (1: none) and checks output and stored
     * averages against the reference: statistics per group, averages towards the groups' mean.
     *
     * @return the output
     */
    private NDArray checkForward(
            LasagneBatchNorm block,
            NDArray x,
            int[] axes,
            int groups,
            boolean training,
            boolean useAverages,
            boolean updateAverages,
            double alpha,
            double tol,
            String label) {
        int[] index = groupIndex(x.getShape(), axes, groups);
        double[] mean = values(param(block, "mean"));
        double[] invStd = values(param(block, "invStd"));
        double[] gamma = perGroup(block.isScale() ? values(param(block, "gamma")) : null, groups);
        double[] beta = perGroup(block.isCenter() ? values(param(block, "beta")) : null, groups);
        double[] xs = values(x);
        double[][] batch = Formulas.batchStatistics(xs, index, mean.length * groups, EPS);

        NDArray y = forward(block, training, x);

        double[] want =
                useAverages
                        ? Formulas.normalized(
                                xs,
                                index,
                                perGroup(mean, groups),
                                perGroup(invStd, groups),
                                gamma,
                                beta)
                        : Formulas.normalized(xs, index, batch[0], batch[1], gamma, beta);
        double[] wantMean =
                updateAverages ? Formulas.ema(mean, groupMean(batch[0], groups), alpha) : mean;
        double[] wantInvStd = invStd;
        if (updateAverages && block.isAverageStdDev()) {
            // Blocks: the average of σ_B = 1 / invStd_B, kept as its inverse
            wantInvStd =
                    inverse(
                            Formulas.ema(
                                    inverse(invStd), groupMean(inverse(batch[1]), groups), alpha));
        } else if (updateAverages) {
            wantInvStd = Formulas.ema(invStd, groupMean(batch[1], groups), alpha);
        }
        try {
            NDAssert.assertClose(y, want, x.getShape(), tol, tol);
            Shape p = param(block, "mean").getShape();
            NDAssert.assertClose(param(block, "mean"), wantMean, p, tol, tol);
            NDAssert.assertClose(param(block, "invStd"), wantInvStd, p, tol, tol);
        } catch (AssertionError e) {
            throw new AssertionError(label + ": " + e.getMessage(), e);
        }
        return y;
    }

    /**
     * Groups and packing slots agree: after a training pass with g = m groups, every slot of the
     * packs ({@link io.github.djlgan.nn.gan.Pack}) has mean 0 and variance var/(var + ε) per
     * channel over the packs — each slot was normalised as a batch of its own.
     */
    @Test
    public void batchGroupsAreThePackSlots() {
        int m = 4;
        LasagneBatchNorm block = LasagneBatchNorm.builder().optBatchGroups(m).build();
        init(block, DataType.FLOAT64, new Shape(40, 3));
        NDArray x = input(1250, 40, 3).toType(DataType.FLOAT64, false);
        NDArray packs = io.github.djlgan.nn.gan.Pack.pack(forward(block, true, x), m); // (10, 12)
        NDArray slots = x.reshape(10, m * 3); // the same slots of the input
        double[] y = values(packs);
        double[] in = values(slots);
        for (int col = 0; col < m * 3; col++) {
            double mean = 0;
            double inMean = 0;
            for (int pack = 0; pack < 10; pack++) {
                mean += y[pack * m * 3 + col] / 10;
                inMean += in[pack * m * 3 + col] / 10;
            }
            double var = 0;
            double inVar = 0;
            for (int pack = 0; pack < 10; pack++) {
                var += Math.pow(y[pack * m * 3 + col] - mean, 2) / 10;
                inVar += Math.pow(in[pack * m * 3 + col] - inMean, 2) / 10;
            }
            assertEquals(mean, 0, 1e-12, "slot column " + col);
            assertEquals(var, inVar / (inVar + EPS), 1e-9, "slot column " + col);
        }
    }

    /** Inference does not group: any batch size, the stored averages, as without groups. */
    @Test
    public void batchGroupsLeaveInferenceAlone() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().optBatchGroups(4).build();
        init(block, DataType.FLOAT32, new Shape(8, 3));
        randomize(block, 1200);
        checkForward(block, input(1201, 5, 3), new int[] {0}, false, true, false, 0.1, 1e-5, "N=5");
    }

    /** Groups of one sample: each sample is its own batch (zero variance, invStd = 1/√ε). */
    @Test
    public void batchGroupsOfOneSample() {
        LasagneBatchNorm block =
                LasagneBatchNorm.builder().optBatchGroups(3).optAlpha(0.5f).build();
        init(block, DataType.FLOAT32, new Shape(3, 2));
        checkForward(
                block, input(1300, 3, 2), new int[] {0}, 3, true, false, true, 0.5, 2e-5, "N=g");
        // each sample is its own batch mean: every output is β = 0
        NDAssert.assertClose(
                forward(block, true, input(1301, 3, 2)), new double[6], new Shape(3, 2), 0, 0);
    }

    /**
     * Group means near the float32 limit: their mean over the groups is finite, so the averages are
     * updated (a sum of the g means before dividing would overflow and skip the update).
     */
    @Test
    public void batchGroupsOfHugeFiniteInputs() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().optBatchGroups(4).build();
        init(block, DataType.FLOAT32, new Shape(8, 3));
        // values 0.9e38 … 2.1e38 (float32 max 3.4e38): 4 group means sum past the limit
        NDArray x = manager.randomUniform(-1f, 1f, new Shape(8, 3)).add(5f).mul(3e37f);
        checkForward(block, x, new int[] {0}, 4, true, false, true, 0.1, 1e-4, "huge");
        assertTrue(Float.isFinite(param(block, "mean").max().getFloat()));
    }

    @Test
    public void gradientsWithBatchGroups() {
        for (boolean products : new boolean[] {true, false}) {
            for (int[] axes : new int[][] {null, {0, 1}}) {
                LasagneBatchNorm block =
                        LasagneBatchNorm.builder()
                                .optAxes(axes)
                                .optSumsAsProducts(products)
                                .optBatchGroups(2)
                                .build();
                init(block, DataType.FLOAT64, new Shape(4, 3, 2));
                long[] pd = param(block, "mean").getShape().getShape();
                setParameter(block, "gamma", randn(31, DataType.FLOAT64, pd));
                setParameter(block, "beta", randn(32, DataType.FLOAT64, pd));
                int checked =
                        GradientCheck.of(block)
                                .check(manager, randn(33, DataType.FLOAT64, 4, 3, 2));
                assertEquals(
                        checked,
                        24 + 2 * param(block, "mean").getShape().size(),
                        "input, beta, gamma coordinates");
            }
        }
    }

    @Test
    public void batchGroupsThatDoNotDivideTheBatchAreRejected() {
        LasagneBatchNorm block = LasagneBatchNorm.builder().optBatchGroups(3).build();
        init(block, DataType.FLOAT32, new Shape(6, 2));
        randomize(block, 1400);
        NDArray mean = param(block, "mean").duplicate();
        NDArray invStd = param(block, "invStd").duplicate();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, true, input(1401, 4, 2)));
        assertMessage(e, "LasagneBatchNorm", "divisible by the 3 batch groups", "(4, 2)");
        // nothing changed
        assertTrue(param(block, "mean").contentEquals(mean));
        assertTrue(param(block, "invStd").contentEquals(invStd));
    }

    @Test
    public void batchGroupsNeedAxisZero() {
        assertInitFails(
                LasagneBatchNorm.builder().optAxes(1, 2).optBatchGroups(2).build(),
                new Shape(4, 3, 5),
                "LasagneBatchNorm",
                "axis 0",
                "2 batch groups",
                "[1, 2]",
                "(4, 3, 5)");
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneBatchNorm.builder().optBatchGroups(0).build());
        assertMessage(e, "LasagneBatchNorm", "optBatchGroups", "at least 1 group", "0");
    }

    /**
     * The groups are not saved (they leave the parameters alone): a file saved with groups loads
     * into a block without and the other way round; a grouped block whose axes lack axis 0 refuses
     * a file.
     */
    @Test
    public void batchGroupsAreNotSaved() throws IOException, MalformedModelException {
        int seed = 1500;
        for (int[] savedLoaded : new int[][] {{4, 1}, {1, 2}}) {
            LasagneBatchNorm trained =
                    LasagneBatchNorm.builder().optBatchGroups(savedLoaded[0]).build();
            init(trained, DataType.FLOAT32, new Shape(4, 3));
            randomize(trained, seed++);
            LasagneBatchNorm loaded =
                    LasagneBatchNorm.builder().optBatchGroups(savedLoaded[1]).build();
            RoundTrip.assertSameAfterReload(manager, trained, loaded, randn(seed++, 4, 3));
        }
        LasagneBatchNorm trained = LasagneBatchNorm.builder().optAxes(1).build();
        init(trained, DataType.FLOAT32, new Shape(2, 3, 4));
        RoundTrip.assertLoadRefused(
                manager,
                trained,
                LasagneBatchNorm.builder().optAxes(1).optBatchGroups(2).build(),
                "LasagneBatchNorm",
                "axis 0",
                "2 batch groups",
                "[1]");
    }

    // ---------------------------------------------------------------------------------------
    // averaging the standard deviation (Blocks)
    // ---------------------------------------------------------------------------------------

    /**
     * By hand, in float64: one channel, batch {1, 1.02} (var 1e-4, so ε = 1e-4 counts: σ = √2e-4),
     * stored invStd 0.5 (σ 2), α 0.25. Blocks: 1 / (0.75 · 2 + 0.25 · √2e-4) = 0.66510…; Lasagne:
     * 0.75 · 0.5 + 0.25 / √2e-4 = 18.0527…. With α = 1 (no history), from a stored invStd of 0 too:
     * 1 / √2e-4.
     */
    @Test
    public void averageStdDevByHand() {
        double sigma = Math.sqrt(1e-4 + (double) 1e-4f); // ε is a float
        Object[][] cases = {
            // average σ, α, stored invStd, expected invStd
            {true, 0.25f, 0.5, 1 / (0.75 * 2 + 0.25 * sigma)},
            {false, 0.25f, 0.5, 0.375 + 0.25 / sigma},
            {true, 1f, 0.5, 1 / sigma},
            {true, 1f, 0.0, 1 / sigma},
            {true, 0.25f, 0.0, 0.0},
        };
        for (Object[] c : cases) {
            LasagneBatchNorm block =
                    LasagneBatchNorm.builder()
                            .optAverageStdDev((boolean) c[0])
                            .optAlpha((float) c[1])
                            .build();
            init(block, DataType.FLOAT64, new Shape(2, 1));
            param(block, "invStd").set(new double[] {(double) c[2]});
            forward(block, true, manager.create(new double[] {1, 1.02}, new Shape(2, 1)));
            String label = Arrays.toString(c);
            double alpha = (float) c[1];
            try {
                NDAssert.assertClose(
                        param(block, "invStd"),
                        new double[] {(double) c[3]},
                        new Shape(1),
                        1e-12,
                        1e-12);
                NDAssert.assertClose(
                        param(block, "mean"),
                        new double[] {alpha * 1.01},
                        new Shape(1),
                        1e-12,
                        1e-12);
            } catch (AssertionError e) {
                throw new AssertionError(label + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * With {@code optAverageStdDev(true)} the averages move towards σ<sub>B</sub> (kept as its
     * inverse), the output is unchanged — with and without batch groups, default and other axes,
     * both formulations, and a pass that uses the averages while updating them.
     */
    @Test
    public void averageStdDevFollowsBlocks() {
        Object[][] cases = {
            // input shape, axes (null = default), resolved axes, groups
            {new long[] {6, 3, 4, 2}, null, new int[] {0, 2, 3}, 1},
            {new long[] {8, 3}, null, new int[] {0}, 4},
            {new long[] {6, 4, 5}, new int[] {0, 2}, new int[] {0, 2}, 2},
        };
        checkAgainstTheReference(cases, new Boolean[][] {{null, null}, {true, true}}, true, 1700);
    }

    /** A channel whose batch has NaN or infinity keeps its averages when σ is averaged too. */
    @Test
    public void averageStdDevSkipsNonFiniteChannels() {
        LasagneBatchNorm block =
                init(
                        LasagneBatchNorm.builder().optAverageStdDev(true).build(),
                        DataType.FLOAT32,
                        new Shape(4, 3));
        randomize(block, 1750);
        double[] mean = values(param(block, "mean"));
        double[] invStd = values(param(block, "invStd"));
        float[] data = input(1751, 4, 3).toFloatArray();
        data[0] = Float.NaN; // sample 0, channel 0
        data[3 + 2] = Float.POSITIVE_INFINITY; // sample 1, channel 2
        NDArray x = manager.create(data, new Shape(4, 3));
        double[][] batch =
                Formulas.batchStatistics(
                        values(x), Formulas.parameterIndex(x.getShape(), new int[] {0}), 3, EPS);

        forward(block, true, x);

        double[] wantMean = {mean[0], 0.9 * mean[1] + 0.1 * batch[0][1], mean[2]};
        double[] wantInvStd = {invStd[0], 1 / (0.9 / invStd[1] + 0.1 / batch[1][1]), invStd[2]};
        NDAssert.assertClose(param(block, "mean"), wantMean, new Shape(3), 1e-5, 1e-5);
        NDAssert.assertClose(param(block, "invStd"), wantInvStd, new Shape(3), 1e-5, 1e-5);
    }

    /** The choice is not saved (the stored invStd means the same): files load either way. */
    @Test
    public void averageStdDevIsNotSaved() throws IOException, MalformedModelException {
        int seed = 1760;
        for (boolean[] savedLoaded : new boolean[][] {{true, false}, {false, true}}) {
            LasagneBatchNorm trained =
                    LasagneBatchNorm.builder().optAverageStdDev(savedLoaded[0]).build();
            init(trained, DataType.FLOAT32, new Shape(4, 3));
            randomize(trained, seed++);
            LasagneBatchNorm loaded =
                    LasagneBatchNorm.builder().optAverageStdDev(savedLoaded[1]).build();
            RoundTrip.assertSameAfterReload(manager, trained, loaded, randn(seed++, 4, 3));
            assertEquals(loaded.isAverageStdDev(), savedLoaded[1]);
        }
    }
}
