package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** {@link Adam}: the same updates as DJL's Adam, and a state that round-trips. */
public class AdamTest extends EngineTest {

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public AdamTest(String engine) {
        super(engine);
    }

    private Map<String, float[]> train(Optimizer optimizer, int steps) {
        try (Model model = TinyGan.model("m", TinyGan.discriminator(), engineName)) {
            // the weights are set before the trainer exists: MXNet's parameter server copies
            // them when the trainer is initialized, and later writes go unseen
            model.getBlock().initialize(model.getNDManager(), model.getDataType(), new Shape(8, 2));
            TinyGan.setWeights(model.getBlock(), 7);
            return train(model, optimizer, steps);
        }
    }

    private Map<String, float[]> train(Model model, Optimizer optimizer, int steps) {
        try (Trainer trainer =
                model.newTrainer(
                        new DefaultTrainingConfig(new ReportedLoss("l")).optOptimizer(optimizer))) {
            trainer.initialize(new Shape(8, 2));
            for (int step = 0; step < steps; step++) {
                try (NDManager s = manager.newSubManager();
                        GradientCollector c = trainer.newGradientCollector()) {
                    NDArray y = trainer.forward(new NDList(TinyGan.real(s, step, 8))).head();
                    c.backward(y.square().mean());
                }
                trainer.step();
            }
            return TinyGan.values(model.getBlock());
        }
    }

    @Test
    public void updatesLikeDjlsAdam() {
        Map<String, float[]> djl =
                train(
                        Optimizer.adam()
                                .optLearningRateTracker(Tracker.fixed(0.01f))
                                .optBeta1(0.5f)
                                .build(),
                        6);
        Map<String, float[]> ours =
                train(
                        Adam.builder()
                                .optLearningRateTracker(Tracker.fixed(0.01f))
                                .optBeta1(0.5f)
                                .build(),
                        6);
        for (String key : djl.keySet()) {
            float[] a = ours.get(key);
            float[] e = djl.get(key);
            for (int i = 0; i < e.length; i++) {
                assertEquals(a[i], e[i], 2e-6f + 1e-5f * Math.abs(e[i]), key + "[" + i + "]");
            }
        }
    }

    /** The first update moves every weight by lr against the gradient's sign (m/√v = ±1). */
    @Test
    public void theFirstUpdateIsTheLearningRateTimesTheSign() {
        Adam adam = Adam.builder().optLearningRateTracker(Tracker.fixed(0.1f)).build();
        NDArray w = manager.create(new float[] {1, 2, 3});
        NDArray grad = manager.create(new float[] {0.5f, -2f, 1e-3f});
        adam.update("w", w, grad);
        // lr·√(1−β₂)/(1−β₁) · (1−β₁)g / (√(1−β₂)|g| + ε) = lr · g / (|g| + ε/√(1−β₂))
        double e = 1e-8 / Math.sqrt(0.001);
        assertEquals(w.toFloatArray()[0], 1 - 0.1 * 0.5 / (0.5 + e), 1e-6);
        assertEquals(w.toFloatArray()[1], 2 + 0.1 * 2 / (2 + e), 1e-6);
        assertEquals(w.toFloatArray()[2], 3 - 0.1 * 1e-3 / (1e-3 + e), 1e-6);
        assertEquals(grad.toFloatArray(), new float[] {0.5f, -2f, 1e-3f}, "the copy is left");
    }

    @Test
    public void theStateRoundTrips() throws IOException {
        Adam a = Adam.builder().optLearningRateTracker(Tracker.fixed(0.1f)).build();
        NDArray w = manager.create(new float[] {1, 2});
        a.update("id-a", w, manager.create(new float[] {0.5f, -1f}));
        a.update("id-a", w, manager.create(new float[] {0.2f, 0.1f}));
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("layer_weight", "id-a");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.saveState(new DataOutputStream(bytes), ids);

        Adam b = Adam.builder().optLearningRateTracker(Tracker.fixed(0.1f)).build();
        Map<String, String> newIds = new LinkedHashMap<>();
        newIds.put("layer_weight", "id-b"); // another run: another parameter id, the same path
        b.loadState(
                new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
                newIds,
                manager);
        NDArray w2 = w.duplicate();
        a.update("id-a", w, manager.create(new float[] {-0.3f, 0.4f}));
        b.update("id-b", w2, manager.create(new float[] {-0.3f, 0.4f}));
        assertEquals(w2.toFloatArray(), w.toFloatArray());

        Map<String, String> other = new LinkedHashMap<>();
        other.put("another_weight", "id-c");
        IOException e =
                expectThrows(
                        IOException.class,
                        () ->
                                b.loadState(
                                        new DataInputStream(
                                                new ByteArrayInputStream(bytes.toByteArray())),
                                        other,
                                        manager));
        assertMessage(e, "Adam", "layer_weight");
    }

    @Test
    public void badOptionsAreRefused() {
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class, () -> Adam.builder().optBeta1(1f).build()),
                "Adam",
                "beta1 1.0");
    }
}
