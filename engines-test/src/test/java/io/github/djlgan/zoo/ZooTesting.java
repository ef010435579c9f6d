package io.github.djlgan.zoo;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Utils;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager.Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** Helpers of the model-zoo tests: tiny training runs, engine-independent data, clean-up. */
final class ZooTesting {

    /** The training batch size. */
    static final int BATCH = 8;

    /** The number of Adam steps. */
    static final int STEPS = 3;

    private ZooTesting() {}

    /**
     * Returns values uniform on [0, 1) from {@code java.util.Random(seed)}, the same on every
     * engine.
     */
    static float[] uniform(long seed, int count) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat();
        }
        return values;
    }

    /** The outputs of a network on a probe batch before and after training. */
    record Trained(float[] before, float[] after) {}

    /**
     * Trains a fresh network a few Adam steps on {@code engine} (discriminator: data-dependent
     * initialization first), then saves it with {@code Model.save(dir, name)}.
     *
     * @param engine the engine
     * @param network the network
     * @param dir the model directory
     * @param name the model name
     * @param probe the probe batch, row-major (rows × network input size)
     * @return the inference outputs on the probe before the first and after the last step
     */
    static Trained trainAndSave(
            String engine, Network network, Path dir, String name, float[] probe)
            throws IOException {
        boolean generator = network == Network.GENERATOR;
        Block block = generator ? ImprovedGanMnist.generator() : ImprovedGanMnist.discriminator();
        int in = (int) network.getInputSize();
        try (Model model = Model.newInstance(name, engine);
                NDManager data = model.getNDManager().newSubManager()) {
            model.setBlock(block);
            NDArray x = data.create(uniform(11, BATCH * in), new Shape(BATCH, in));
            NDArray label;
            Loss loss;
            if (generator) {
                label =
                        data.create(
                                uniform(12, BATCH * ImprovedGanMnist.IMAGE),
                                new Shape(BATCH, ImprovedGanMnist.IMAGE));
                loss = Loss.l2Loss();
            } else {
                float[] classes = new float[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    classes[i] = i % ImprovedGanMnist.CLASSES;
                }
                label = data.create(classes);
                loss = Loss.softmaxCrossEntropyLoss();
            }
            NDArray probeX = data.create(probe, new Shape(probe.length / in, in));
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(loss)
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.001f))
                                            .build());
            if (!generator) {
                // before the trainer exists, so that it starts from the initialized values
                block.initialize(model.getNDManager(), model.getDataType(), new Shape(BATCH, in));
                DataInit.initialize(model, new NDList(x)).close();
            }
            float[] before;
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, in));
                before = infer(block, data, probeX);
                for (int step = 0; step < STEPS; step++) {
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray y = trainer.forward(new NDList(x)).head();
                        collector.backward(
                                trainer.getLoss().evaluate(new NDList(label), new NDList(y)));
                    }
                    trainer.step();
                }
            }
            float[] after = infer(block, data, probeX);
            model.save(dir, name);
            return new Trained(before, after);
        }
    }

    /**
     * Initializes a fresh network (no training) and saves it with {@code Model.save(dir, name)}.
     */
    static void initializeAndSave(String engine, Network network, Path dir, String name)
            throws IOException {
        try (Model model = Model.newInstance(name, engine)) {
            model.setBlock(
                    network == Network.GENERATOR
                            ? ImprovedGanMnist.generator()
                            : ImprovedGanMnist.discriminator());
            model.getBlock()
                    .initialize(
                            model.getNDManager(),
                            DataType.FLOAT32,
                            new Shape(BATCH, network.getInputSize()));
            model.save(dir, name);
        }
    }

    /** Inference output as floats. */
    static float[] infer(Block block, NDManager manager, NDArray x) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray y =
                    block.forward(new ParameterStore(scope, false), new NDList(x), false).head();
            return y.toFloatArray();
        }
    }

    /**
     * Returns where DJL unpacks a zip loaded with {@code Criteria.optModelPath(zip)}: {@code
     * <cache>/cache/repo/model/undefined/ai/djl/localmodelzoo/<hash of the zip's URI>} (DJL's
     * {@code SimpleRepository}); it unpacks once per path and reuses the copy afterwards.
     */
    static Path unpackedCopy(Path zip) {
        String uri = zip.toAbsolutePath().toUri().toString();
        return Utils.getCacheDir()
                .resolve("cache/repo/model/undefined/ai/djl/localmodelzoo")
                .resolve(Utils.hash(uri));
    }

    /** The largest absolute difference of two equally long arrays. */
    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
