package io.github.djlgan.init;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.norm.EqualizedLearningRate;
import io.github.djlgan.nn.norm.PixelNorm;
import io.github.djlgan.nn.norm.SpectralNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.training.DetachedParameterStore;
import io.github.djlgan.training.WrappingParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.testng.SkipException;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class DataInitTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public DataInitTest(String engine) {
        super(engine);
    }

    /** Per-channel mean and biased standard deviation, computed in plain Java. */
    static double[][] channelStats(double[] values, Shape shape, int axis) {
        int channels = (int) shape.get(axis);
        long inner = shape.slice(axis + 1).size();
        double[] sum = new double[channels];
        double[] count = new double[channels];
        for (int i = 0; i < values.length; i++) {
            int c = (int) ((i / inner) % channels);
            sum[c] += values[i];
            count[c]++;
        }
        double[] mean = new double[channels];
        double[] var = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = sum[c] / count[c];
        }
        for (int i = 0; i < values.length; i++) {
            int c = (int) ((i / inner) % channels);
            var[c] += (values[i] - mean[c]) * (values[i] - mean[c]) / count[c];
        }
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            std[c] = Math.sqrt(var[c]);
        }
        return new double[][] {mean, std};
    }

    /** Asserts that a pre-activation has mean 0 and std {@code scale} in every channel. */
    static void assertNormalised(NDArray y, int axis, double scale) {
        double[][] stats = channelStats(NDAssert.toDoubles(y), y.getShape(), axis);
        for (int c = 0; c < stats[0].length; c++) {
            assertEquals(stats[0][c], 0, 1e-4 * scale, "mean of channel " + c);
            assertEquals(stats[1][c], scale, 1e-4 * scale, "std of channel " + c);
        }
    }

    /** A batch far from normalised: mean 3, standard deviation 5. */
    private NDArray batch(long seed, long... dims) {
        return randn(seed, dims).mul(5).add(3);
    }

    private Map<String, double[]> snapshot(Block block) {
        Map<String, double[]> values = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.put(p.getKey(), NDAssert.toDoubles(p.getValue().getArray()));
        }
        return values;
    }

    @Test
    public void singleLinearLayerMatchesHandComputedStatistics() {
        WeightNorm wn =
                WeightNorm.builder()
                        .setBlock(Linear.builder().setUnits(7).build())
                        .optInitScale(0.3f)
                        .build();
        init(wn, DataType.FLOAT32, new Shape(64, 20));
        NDArray x = batch(1, 64, 20);

        NDArray returned = DataInit.initialize(wn, null, new NDList(x)).head();

        // independent derivation: t = x · (v/||v||)^T in plain Java, then per-channel statistics
        double[] xs = NDAssert.toDoubles(x);
        double[] v = NDAssert.toDoubles(wn.getParameters().get("01Linear_weight").getArray());
        double[] unit = WeightNormTestSupport.unitRows(v, 7);
        double[] t = new double[64 * 7];
        for (int n = 0; n < 64; n++) {
            for (int o = 0; o < 7; o++) {
                for (int i = 0; i < 20; i++) {
                    t[n * 7 + o] += xs[n * 20 + i] * unit[o * 20 + i];
                }
            }
        }
        double[][] stats = channelStats(t, new Shape(64, 7), 1);
        double[] g = new double[7];
        double[] b = new double[7];
        for (int o = 0; o < 7; o++) {
            double s = Math.sqrt(stats[1][o] * stats[1][o] + 1e-6);
            g[o] = 0.3 / s;
            b[o] = -stats[0][o] * 0.3 / s;
        }
        NDAssert.assertClose(wn.getParameters().get("g").getArray(), g, new Shape(7), 1e-4, 1e-6);
        NDAssert.assertClose(
                wn.getParameters().get("01Linear_bias").getArray(), b, new Shape(7), 1e-4, 1e-5);
        NDArray y = forward(wn, false, x);
        assertNormalised(y, 1, 0.3);
        NDAssert.assertClose(returned, y, 1e-4, 1e-5);
    }

    @Test
    public void conv2dStatisticsAreOverBatchAndSpace() {
        WeightNorm wn =
                WeightNorm.wrap(
                        Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build());
        init(wn, DataType.FLOAT32, new Shape(2, 3, 8, 8));
        NDArray x = batch(2, 2, 3, 8, 8);
        NDArray returned = DataInit.initialize(wn, null, new NDList(x)).head();
        NDArray y = forward(wn, false, x);
        assertNormalised(y, 1, 1);
        NDAssert.assertClose(returned, y, 1e-4, 1e-5);
    }

    @Test
    public void deconv2dStatisticsAreOverBatchAndSpace() {
        WeightNorm wn =
                WeightNorm.wrap(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(4, 4))
                                .setFilters(3)
                                .optStride(new Shape(2, 2))
                                .optPadding(new Shape(1, 1))
                                .build());
        init(wn, DataType.FLOAT32, new Shape(4, 5, 3, 3));
        NDArray x = batch(14, 4, 5, 3, 3);
        NDArray returned = DataInit.initialize(wn, null, new NDList(x)).head();
        NDArray y = forward(wn, false, x);
        assertEquals(y.getShape(), new Shape(4, 3, 6, 6));
        assertNormalised(y, 1, 1);
        NDAssert.assertClose(returned, y, 1e-4, 1e-5);
    }

    @Test
    public void linearOnSequencesUsesTheLastAxis() {
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(3).optBias(false).build());
        init(wn, DataType.FLOAT32, new Shape(4, 5, 6));
        NDArray x = batch(3, 4, 5, 6);
        DataInit.initialize(wn, null, new NDList(x));
        assertNormalised(forward(wn, false, x), 2, 1);
    }

    private static SequentialBlock fourLayerMlp() {
        return new SequentialBlock()
                .add(WeightNorm.wrap(Linear.builder().setUnits(32).build()))
                .add(Activation::relu)
                .add(WeightNorm.wrap(Linear.builder().setUnits(32).optBias(false).build()))
                .add(x -> Activation.leakyRelu(x, 0.2f))
                .add(WeightNorm.wrap(Linear.builder().setUnits(16).build()))
                .add(Activation::tanh)
                .add(
                        WeightNorm.builder()
                                .setBlock(Linear.builder().setUnits(4).build())
                                .optInitScale(0.1f)
                                .build());
    }

    @Test
    public void fourLayerSequentialIsNormalisedInOnePass() {
        SequentialBlock net = fourLayerMlp();
        init(net, DataType.FLOAT32, new Shape(100, 10));
        NDArray x = batch(4, 100, 10);

        NDArray returned = DataInit.initialize(net, null, new NDList(x)).head();

        // walk the layers in inference mode: every WeightNorm's output is its pre-activation
        NDArray h = x;
        for (Block layer : net.getChildren().values()) {
            h = forward(layer, false, h);
            if (layer instanceof WeightNorm wn) {
                assertNormalised(h, 1, wn.getInitScale());
            }
        }
        NDAssert.assertClose(returned, h, 1e-4, 1e-5);
        NDAssert.assertClose(forward(net, false, x), h, 1e-5, 1e-6);
    }

    /**
     * SpectralNorm, EqualizedLearningRate and PixelNorm between WeightNorm layers: the pass reaches
     * every WeightNorm through them, normalises each on what the earlier layers produce, and leaves
     * only WeightNorm's g and bias changed (SpectralNorm's u and v, updated by the training-mode
     * pass, are restored).
     */
    @Test
    public void networksMixingTheOtherWrappersAreInitialized() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(SpectralNorm.wrap(Linear.builder().setUnits(12).build()))
                        .add(Activation::relu)
                        .add(PixelNorm.builder().build())
                        .add(WeightNorm.wrap(Linear.builder().setUnits(8).build()))
                        .add(
                                EqualizedLearningRate.builder()
                                        .setBlock(Linear.builder().setUnits(6).build())
                                        .optLrMultiplier(0.5f)
                                        .build())
                        .add(Activation::tanh)
                        .add(
                                WeightNorm.builder()
                                        .setBlock(
                                                Linear.builder().setUnits(3).optBias(false).build())
                                        .optInitScale(0.5f)
                                        .build());
        init(net, DataType.FLOAT32, new Shape(40, 10));
        NDArray x = batch(8, 40, 10);
        Map<String, double[]> before = snapshot(net);

        NDArray returned = DataInit.initialize(net, null, new NDList(x)).head();

        Map<String, double[]> after = snapshot(net);
        List<String> changed = new ArrayList<>();
        for (String key : before.keySet()) {
            if (!Arrays.equals(before.get(key), after.get(key))) {
                changed.add(key);
            }
        }
        changed.sort(null);
        assertEquals(
                changed,
                List.of(
                        "04WeightNorm_01Linear_bias",
                        "04WeightNorm_g",
                        "07WeightNorm_bias",
                        "07WeightNorm_g"));
        // walk the layers as the pass did (training mode: SpectralNorm's first power iteration
        // from the restored u and v gives the pass's σ); every WeightNorm output is normalised
        NDArray h = x;
        for (Block layer : net.getChildren().values()) {
            h = forward(layer, true, h);
            if (layer instanceof WeightNorm wn) {
                assertNormalised(h, 1, wn.getInitScale());
            }
        }
        NDAssert.assertClose(returned, h, 1e-4, 1e-5);
    }

    /** A user-written block that nests a ParallelBlock and forwards its parameter store. */
    static final class TwoTowers extends AbstractBlock {
        final WeightNorm left = WeightNorm.wrap(NetworkInNetwork.builder().setUnits(3).build());
        final WeightNorm right =
                WeightNorm.wrap(
                        Conv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .setFilters(2)
                                .optPadding(new Shape(1, 1))
                                .build());
        final ParallelBlock towers;

        TwoTowers() {
            towers =
                    addChildBlock(
                            "towers",
                            new ParallelBlock(
                                    list ->
                                            new NDList(
                                                    NDArrays.concat(
                                                            list.get(0).head(),
                                                            list.get(1).head())),
                                    Arrays.asList(
                                            new SequentialBlock().add(left).add(Activation::relu),
                                            new SequentialBlock()
                                                    .add(LambdaBlock.singleton(x -> x.mul(2)))
                                                    .add(right))));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            return towers.forward(ps, inputs, training, p);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return towers.getOutputShapes(in);
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... in) {
            towers.initialize(m, t, in);
        }
    }

    /** concat along axis 1 without importing NDArrays into every lambda above. */
    static final class NDArrays {
        static NDArray concat(NDArray a, NDArray b) {
            return a.concat(b, 1);
        }
    }

    @Test
    public void nestedCustomBlocksAreReached() {
        TwoTowers towers = new TwoTowers();
        SequentialBlock net =
                new SequentialBlock()
                        .add(towers)
                        .add(WeightNorm.wrap(NetworkInNetwork.builder().setUnits(4).build()));
        init(net, DataType.FLOAT32, new Shape(6, 2, 5, 5));
        NDArray x = batch(5, 6, 2, 5, 5);

        DataInit.initialize(net, null, new NDList(x));

        assertNormalised(forward(towers.left, false, x), 1, 1);
        assertNormalised(forward(towers.right, false, x.mul(2)), 1, 1);
        assertNormalised(forward(net, false, x), 1, 1);
    }

    /**
     * A container that runs its child on a parameter store of its own wrapping the one it was
     * called with, as {@code WeightWrapper} runs the block it wraps: a plain view, or a {@link
     * DetachedParameterStore} over the caller's store.
     */
    static final class Wrapping extends AbstractBlock {
        final Block child;
        final boolean detached;

        Wrapping(Block child, boolean detached) {
            this.child = addChildBlock("child", child);
            this.detached = detached;
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            NDManager scope = inputs.head().getManager();
            ParameterStore view =
                    detached
                            ? new DetachedParameterStore(ps, scope)
                            : new WrappingParameterStore(ps, scope) {};
            return child.forward(view, inputs, training, p);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return child.getOutputShapes(in);
        }

        @Override
        protected void initializeChildBlocks(NDManager m, DataType t, Shape... in) {
            child.initialize(m, t, in);
        }
    }

    @Test
    public void blocksBelowWrappingAndDetachedStoresAreReached() {
        WeightNorm first = WeightNorm.wrap(Linear.builder().setUnits(6).build());
        MinibatchDiscrimination mbd =
                MinibatchDiscrimination.builder().setNumKernels(3).optKernelDim(2).build();
        WeightNorm last = WeightNorm.wrap(Linear.builder().setUnits(3).build());
        SequentialBlock net =
                new SequentialBlock()
                        .add(new Wrapping(new Wrapping(first, false), true))
                        .add(Activation::relu)
                        .add(new Wrapping(new SequentialBlock().add(mbd).add(last), false));
        init(net, DataType.FLOAT32, new Shape(12, 5));
        NDArray x = batch(21, 12, 5);
        Map<String, double[]> before = snapshot(net);

        DataInit.initialize(net, null, new NDList(x));

        List<Parameter> assigned =
                List.of(
                        first.getParameters().get("g"),
                        first.getParameters().get("01Linear_bias"),
                        mbd.getParameters().get("logWeightScale"),
                        mbd.getParameters().get("bias"),
                        last.getParameters().get("g"),
                        last.getParameters().get("01Linear_bias"));
        Map<String, double[]> after = snapshot(net);
        for (Pair<String, Parameter> p : net.getParameters()) {
            boolean changed = !Arrays.equals(before.get(p.getKey()), after.get(p.getKey()));
            assertEquals(changed, assigned.contains(p.getValue()), p.getKey());
        }
        NDArray h = forward(first, false, x);
        assertNormalised(h, 1, 1);
        NDArray features = forward(mbd, false, Activation.relu(h));
        assertNormalised(forward(last, false, features), 1, 1);
        // improved-gan's init: the appended features have mean 0 over the batch
        NDArray appended = features.get(":, 6:");
        NDAssert.assertClose(appended.mean(new int[] {0}), new double[3], new Shape(3), 0, 1e-4);
    }

    /**
     * Identity with non-trainable state that a training forward updates in place, like the running
     * averages of a batch norm. (DJL's own BatchNorm cannot be used here: on MXNet its training
     * forward requires an active GradientCollector.)
     */
    static final class RunningMax extends AbstractBlock {
        final Parameter max =
                addParameter(
                        Parameter.builder()
                                .setName("max")
                                .setType(Parameter.Type.RUNNING_MEAN)
                                .optRequiresGrad(false)
                                .optShape(new Shape(1))
                                .build());

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
            if (training) {
                NDArray stored = ps.getValue(max, inputs.head().getDevice(), true);
                inputs.head().max().reshape(1).maximum(stored).copyTo(stored);
            }
            return inputs;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return in;
        }
    }

    @Test
    public void onlyScaleAndBiasChange() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(WeightNorm.wrap(Linear.builder().setUnits(8).build()))
                        .add(new RunningMax())
                        .add(WeightNorm.wrap(Linear.builder().setUnits(3).optBias(false).build()));
        init(net, DataType.FLOAT32, new Shape(16, 5));
        Map<String, double[]> before = snapshot(net);

        DataInit.initialize(net, null, new NDList(batch(6, 16, 5)));

        Map<String, double[]> after = snapshot(net);
        List<String> changed = new ArrayList<>();
        for (String key : before.keySet()) {
            if (!Arrays.equals(before.get(key), after.get(key))) {
                changed.add(key);
            }
        }
        changed.sort(null);
        // RunningMax's state, updated in place by a training-mode forward, is restored
        assertEquals(
                changed,
                List.of(
                        "01WeightNorm_01Linear_bias",
                        "01WeightNorm_g",
                        "03WeightNorm_bias",
                        "03WeightNorm_g"));
    }

    @Test
    public void runningTwiceGivesTheSameParameters() {
        SequentialBlock net = fourLayerMlp();
        init(net, DataType.FLOAT32, new Shape(50, 10));
        NDArray x = batch(7, 50, 10);
        DataInit.initialize(net, null, new NDList(x));
        Map<String, double[]> first = snapshot(net);
        DataInit.initialize(net, null, new NDList(x));
        Map<String, double[]> second = snapshot(net);
        for (String key : first.keySet()) {
            NDAssert.assertClose(
                    manager.create(second.get(key)),
                    first.get(key),
                    new Shape(first.get(key).length),
                    1e-4,
                    1e-5);
        }
    }

    /**
     * The route with a DJL Trainer: data-dependent init on the model before the trainer exists; the
     * trainer starts from the initialized values and a step with learning rate 0 keeps them.
     * (Written into the parameters after {@code trainer.initialize}, they would be undone by that
     * step on MXNet, whose parameter server restores its own copy.)
     */
    @Test
    public void modelInitializedBeforeItsTrainerKeepsTheValuesThroughAStep() {
        Shape shape = new Shape(32, 10);
        NDArray x = batch(8, 32, 10);
        // reference: the same network, same initial values, initialized without a model
        SequentialBlock reference = fourLayerMlp();
        init(reference, DataType.FLOAT32, shape);
        try (Model model = Model.newInstance("datainit", manager.getDevice(), engineName)) {
            model.setBlock(fourLayerMlp());
            model.getBlock().initialize(model.getNDManager(), model.getDataType(), shape);
            copyParameters(reference, model.getBlock());
            DataInit.initialize(reference, null, new NDList(x));
            initializeThenTrain(model, x, new Device[] {manager.getDevice()});
            assertParametersClose(reference, model.getBlock());
        }
    }

    /**
     * The same on two GPUs: {@code trainer.initialize} copies the initialized values to both, so
     * each device's copy normalises the whole batch. (DJL accepts one CPU device only: it compares
     * CPU devices without their id and refuses {@code cpu(0), cpu(1)} as duplicates.)
     */
    @Test
    public void modelInitializedBeforeATwoDeviceTrainer() {
        if (Engine.getEngine(engineName).getGpuCount() < 2) {
            throw new SkipException(
                    "needs two GPUs; this machine has "
                            + Engine.getEngine(engineName).getGpuCount());
        }
        Device[] devices = {Device.gpu(0), Device.gpu(1)};
        Shape shape = new Shape(32, 10);
        try (Model model = Model.newInstance("datainit2", devices[0], engineName);
                NDManager gpu = NDManager.newBaseManager(devices[0], engineName)) {
            model.setBlock(fourLayerMlp());
            model.getBlock().initialize(model.getNDManager(), model.getDataType(), shape);
            initializeThenTrain(model, gpu.randomNormal(shape).mul(5).add(3), devices);
        }
    }

    /**
     * Data-initializes the model on {@code x}, then creates a trainer on {@code devices} and takes
     * one step with learning rate 0: the parameters keep their initialized values exactly, and on
     * every device the network's output on {@code x} is normalised.
     */
    private void initializeThenTrain(Model model, NDArray x, Device[] devices) {
        DataInit.initialize(model, new NDList(x)).close();
        Map<String, double[]> initialized = snapshot(model.getBlock());
        assertTrue(initialized.get("07WeightNorm_g")[0] != 1, "g was initialized");
        try (Trainer trainer = model.newTrainer(sgdWithLearningRateZero(devices))) {
            trainer.initialize(x.getShape());
            stepOnce(trainer, x);
            Map<String, double[]> after = snapshot(model.getBlock());
            assertEquals(after.keySet(), initialized.keySet());
            for (Map.Entry<String, double[]> p : after.entrySet()) {
                assertEquals(p.getValue(), initialized.get(p.getKey()), p.getKey());
            }
            for (Device device : devices) {
                NDArray y = trainer.evaluate(new NDList(x.toDevice(device, true))).head();
                assertNormalised(y, 1, 0.1);
            }
        }
    }

    private static DefaultTrainingConfig sgdWithLearningRateZero(Device[] devices) {
        return new DefaultTrainingConfig(Loss.l2Loss())
                .optDevices(devices)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0f)).build());
    }

    /** One forward, backward and optimizer step on the whole batch. */
    private static void stepOnce(Trainer trainer, NDArray x) {
        try (NDManager step = x.getManager().newSubManager()) {
            NDList batch = new NDList(x.toDevice(trainer.getDevices()[0], true));
            batch.attach(step);
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray y = trainer.forward(batch).head();
                collector.backward(y.square().mean());
            }
            trainer.step();
        }
    }

    private static void copyParameters(Block from, Block to) {
        for (Pair<String, Parameter> p : from.getParameters()) {
            p.getValue().getArray().copyTo(to.getParameters().get(p.getKey()).getArray());
        }
    }

    private static void assertParametersClose(Block expected, Block actual) {
        for (Pair<String, Parameter> p : expected.getParameters()) {
            NDAssert.assertClose(
                    actual.getParameters().get(p.getKey()).getArray(),
                    p.getValue().getArray(),
                    1e-6,
                    1e-7);
        }
    }

    @Test
    public void copyToDevicesUpdatesEveryMirror() {
        Linear linear = Linear.builder().setUnits(3).build();
        init(linear, DataType.FLOAT32, new Shape(2, 4));
        Parameter weight = linear.getParameters().get("weight");
        // copy=true: the store keeps a mirror of its own (another NDArray object)
        ParameterStore store = new ParameterStore(manager, true);
        NDArray mirror = store.getValue(weight, manager.getDevice(), false);
        assertNotSame(mirror, weight.getArray());
        setParameter(linear, "weight", randn(9, 3, 4));
        boolean stale =
                !Arrays.equals(NDAssert.toDoubles(mirror), NDAssert.toDoubles(weight.getArray()));
        // on MXNet the mirror is a copy and now stale; DJL 0.35.1's PyTorch store makes its
        // same-device "copy" share the parameter's storage, so there it follows the parameter
        assertEquals(stale, !"PyTorch".equals(engineName), "mirror stale before copyToDevices");

        DataInit.copyToDevices(store, List.of(weight), manager.getDevice());

        NDAssert.assertEqual(store.getValue(weight, manager.getDevice(), false), weight.getArray());
    }

    @Test
    public void storePassedToInitializeSeesTheNewValues() {
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(3).build());
        init(wn, DataType.FLOAT32, new Shape(8, 4));
        ParameterStore store = new ParameterStore(manager, true);
        NDArray x = batch(10, 8, 4);
        wn.forward(store, new NDList(x), false); // creates the store's mirrors
        DataInit.initialize(wn, store, new NDList(x));
        assertNormalised(wn.forward(store, new NDList(x), false).head(), 1, 1);
    }

    @Test
    public void uninitializedNetworkIsRejected() {
        SequentialBlock net = fourLayerMlp();
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> DataInit.initialize(net, null, new NDList(batch(11, 4, 10))));
        assertMessage(e, "DataInit", "initialized");
    }

    @Test
    public void batchOfOneIsRejectedAndNothingChanges() {
        SequentialBlock net = fourLayerMlp();
        init(net, DataType.FLOAT32, new Shape(1, 10));
        Map<String, double[]> before = snapshot(net);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> DataInit.initialize(net, null, new NDList(batch(12, 1, 10))));
        assertMessage(e, "WeightNorm(Linear)", "at least 2 values", "(1, 32)");
        assertUnchanged(net, before);
    }

    @Test
    public void failureInALaterLayerRollsBackEarlierOnes() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(WeightNorm.wrap(Linear.builder().setUnits(4).build()))
                        .add(LambdaBlock.singleton(x -> x.get("0:1"))) // leaves one sample
                        .add(WeightNorm.wrap(Linear.builder().setUnits(2).build()));
        init(net, DataType.FLOAT32, new Shape(8, 3));
        Map<String, double[]> before = snapshot(net);
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> DataInit.initialize(net, null, new NDList(batch(13, 8, 3)))),
                "WeightNorm",
                "at least 2 values per output channel");
        assertUnchanged(net, before);
    }

    @Test
    public void nonFiniteBatchIsRejectedAndNothingChanges() {
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(3).build());
        init(wn, DataType.FLOAT32, new Shape(4, 2));
        Map<String, double[]> before = snapshot(wn);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            NDArray x = manager.create(new float[] {1, 2, 3, bad, 5, 6, 7, 8}, new Shape(4, 2));
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> DataInit.initialize(wn, null, new NDList(x)));
            assertMessage(e, "DataInit", "NaN or infinity", "(4, 2)");
        }
        assertUnchanged(wn, before);
    }

    @Test
    public void constantInputGivesFiniteParameters() {
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(3).build());
        init(wn, DataType.FLOAT32, new Shape(6, 4));
        NDArray x = manager.ones(new Shape(6, 4));
        NDArray y = DataInit.initialize(wn, null, new NDList(x)).head();
        // every channel is constant on the batch: s = sqrt(0 + 1e-6), g = 1000 · initScale
        NDAssert.assertAllClose(wn.getParameters().get("g").getArray(), 1000, 1e-3, 0);
        NDAssert.assertAllClose(y, 0, 0, 1e-3);
        NDAssert.assertAllClose(forward(wn, false, x), 0, 0, 1e-2);
    }

    /**
     * Finite batches of values around 1e20 to 1e30: (t − m)² overflows float32 there, but the
     * statistics and the resulting g (about 1/|t|) and b are representable. Expected values from
     * the batch in plain Java doubles.
     */
    @Test
    public void hugeFiniteBatchesGiveTheirOwnStatistics() {
        for (double magnitude : new double[] {1e20, 1e25, 1e30}) {
            WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(5).build());
            init(wn, DataType.FLOAT32, new Shape(32, 8));
            NDArray x = batch(21, 32, 8).mul((float) magnitude);
            NDArray returned = DataInit.initialize(wn, null, new NDList(x)).head();

            double[] xs = NDAssert.toDoubles(x);
            double[] v = NDAssert.toDoubles(wn.getParameters().get("01Linear_weight").getArray());
            double[] unit = WeightNormTestSupport.unitRows(v, 5);
            double[] t = new double[32 * 5];
            for (int n = 0; n < 32; n++) {
                for (int o = 0; o < 5; o++) {
                    for (int i = 0; i < 8; i++) {
                        t[n * 5 + o] += xs[n * 8 + i] * unit[o * 8 + i];
                    }
                }
            }
            double[][] stats = channelStats(t, new Shape(32, 5), 1);
            double[] g = new double[5];
            double[] b = new double[5];
            for (int o = 0; o < 5; o++) {
                g[o] = 1 / Math.sqrt(stats[1][o] * stats[1][o] + 1e-6);
                b[o] = -stats[0][o] * g[o];
            }
            String at = "magnitude " + magnitude;
            NDArray gotG = wn.getParameters().get("g").getArray();
            NDArray gotB = wn.getParameters().get("01Linear_bias").getArray();
            assertTrue(
                    Arrays.stream(NDAssert.toDoubles(gotG)).allMatch(d -> d > 0),
                    at + ": g " + Arrays.toString(NDAssert.toDoubles(gotG)));
            NDAssert.assertClose(gotG, g, new Shape(5), 1e-4, 0);
            NDAssert.assertClose(gotB, b, new Shape(5), 1e-4, 1e-4);
            assertNormalised(forward(wn, false, x), 1, 1);
            assertNormalised(returned, 1, 1);
        }
    }

    /**
     * A batch so large that the pre-activation itself overflows float32 (±3e38 in every feature) is
     * rejected by name, with nothing changed.
     */
    @Test
    public void batchBeyondFloat32IsRejectedAndNothingChanges() {
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(5).build());
        init(wn, DataType.FLOAT32, new Shape(32, 8));
        Map<String, double[]> before = snapshot(wn);
        NDArray x = randn(22, 32, 8).sign().mul(3e38f);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> DataInit.initialize(wn, null, new NDList(x)));
        assertMessage(e, "WeightNorm(Linear)");
        assertUnchanged(wn, before);
    }

    /**
     * MinibatchDiscrimination's data-dependent init on finite batches from 1e-38 to 1e37, and on a
     * batch of 1e15 with logWeightScale 60 (projections of about 5e41: float32 overflows before any
     * distance), gives the parameters and the output of {@link Formulas#mbdDataInit} computed in
     * doubles (c / mmad does not depend on the scale, so only s moves, by −log of it). Batches
     * holding infinity (3e37 and up) are rejected by DataInit, and a batch of 1e-41, whose new
     * exp(s) would exceed float32, by the block; nothing is changed.
     */
    @Test
    public void minibatchDiscriminationOnHugeAndTinyBatches() {
        double[][] cases = {
            {1e-38, 0}, {1e-30, 0}, {1e20, 0}, {1e30, 0}, {1e36, 0}, {1e37, 0}, {1e15, 60}
        };
        for (double[] c : cases) {
            MinibatchDiscrimination mbd = mbdAt(c[1]);
            Map<String, double[]> before = snapshot(mbd);
            NDArray y = batch(23, 16, 6).mul((float) c[0]);
            double[] ys = NDAssert.toDoubles(y);
            String at = "magnitude " + c[0] + ", s " + c[1];
            assertTrue(Arrays.stream(ys).allMatch(Double::isFinite), at + ": the batch is finite");
            double[][] expected =
                    Formulas.mbdDataInit(
                            ys, 16, 6, before.get("theta"), before.get("logWeightScale"), 3, 2);
            NDArray out = DataInit.initialize(mbd, null, new NDList(y)).head();
            NDAssert.assertClose(
                    mbd.getParameters().get("logWeightScale").getArray(),
                    expected[0],
                    new Shape(3, 2),
                    1e-6,
                    0);
            NDAssert.assertClose(
                    mbd.getParameters().get("bias").getArray(),
                    expected[1],
                    new Shape(3),
                    1e-4,
                    1e-5);
            double[] features = new double[16 * 3]; // o + b, the appended features
            for (int i = 0; i < features.length; i++) {
                features[i] = expected[3][i] + expected[1][i % 3];
            }
            NDAssert.assertClose(out.get(":, 6:"), features, new Shape(16, 3), 1e-4, 1e-5);
        }
        for (double magnitude : new double[] {3e37, 3e38, 1e-41}) {
            MinibatchDiscrimination mbd = mbdAt(0);
            Map<String, double[]> before = snapshot(mbd);
            NDArray y = batch(23, 16, 6).mul((float) magnitude);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> DataInit.initialize(mbd, null, new NDList(y)));
            if (magnitude > 1) {
                assertMessage(e, "MinibatchDiscrimination", "NaN or infinity");
            } else {
                assertMessage(e, "MinibatchDiscrimination", "too small for float32", "overflows");
            }
            assertUnchanged(mbd, before);
        }
    }

    /** MinibatchDiscrimination(3 kernels of 2) on (16, 6), float32, with logWeightScale = s. */
    private MinibatchDiscrimination mbdAt(double s) {
        MinibatchDiscrimination mbd =
                MinibatchDiscrimination.builder().setNumKernels(3).optKernelDim(2).build();
        init(mbd, DataType.FLOAT32, new Shape(16, 6));
        mbd.getParameters().get("logWeightScale").getArray().addi((float) s);
        return mbd;
    }

    @Test
    public void noArraysAreLeft() {
        SequentialBlock net = fourLayerMlp();
        init(net, DataType.FLOAT32, new Shape(20, 10));
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.randomNormal(new Shape(20, 10));
            int before = scope.getManagedArrays().size();
            NDList out = DataInit.initialize(net, null, new NDList(x));
            // only the returned output was added to the batch's manager
            assertEquals(scope.getManagedArrays().size(), before + out.size());
        }
    }

    private void assertUnchanged(Block block, Map<String, double[]> before) {
        Map<String, double[]> after = snapshot(block);
        for (String key : before.keySet()) {
            assertTrue(Arrays.equals(before.get(key), after.get(key)), key + " changed");
        }
    }
}
