package io.github.djlgan.training;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.github.djlgan.testing.EngineTest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small GAN for the trainer's tests: latents of 4 → 8 tanh units → 2-D samples; 2·m inputs → 8
 * tanh units → 1 logit. Weights are set from a seeded Java generator, so both engines start from
 * the same numbers.
 */
final class TinyGan {

    static final int LATENT = 4;
    static final int DATA = 2;

    private TinyGan() {}

    static Block generator() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(DATA).build());
    }

    static Block discriminator() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(1).build());
    }

    static Model model(String name, Block block, String engine) {
        Model model = Model.newInstance(name, engine);
        model.setBlock(block);
        return model;
    }

    /** Stateless SGD, so that a step depends on the parameters and the data only. */
    static DefaultTrainingConfig sgd(float learningRate) {
        return GanTrainer.config(
                "loss",
                Optimizer.sgd().setLearningRateTracker(Tracker.fixed(learningRate)).build());
    }

    /** Overwrites every parameter with N(0, 0.5²) values from a seeded Java generator. */
    static void setWeights(Block block, long seed) {
        long s = seed;
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().getArray();
            int n = Math.toIntExact(array.size());
            double[] values = EngineTest.gaussian(s++, n);
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) (0.5 * values[i]);
            }
            array.getManager().create(f, array.getShape()).copyTo(array);
        }
    }

    /** A copy of every parameter's values, by path. */
    static Map<String, float[]> values(Block block) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    /** A copy of every trainable parameter's gradient (empty array if it has none yet). */
    static Map<String, float[]> gradients(Block block) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray w = p.getValue().getArray();
            if (w.hasGradient()) {
                try (NDArray g = w.getGradient()) {
                    values.put(p.getKey(), g.toFloatArray());
                }
            } else {
                values.put(p.getKey(), new float[0]);
            }
        }
        return values;
    }

    /** Real points: a batch from a fixed 2-D Gaussian, (n, 2). */
    static NDArray real(NDManager manager, long seed, int n) {
        double[] v = EngineTest.gaussian(seed, n * DATA);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) (v[i] * 0.3 + (i % 2 == 0 ? 1 : -1));
        }
        return manager.create(f, new Shape(n, DATA));
    }
}
