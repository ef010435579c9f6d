package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** {@link GanTrainer}'s guarantees, on a small GAN ({@link TinyGan}). */
public class GanTrainerTest extends EngineTest {

    private static final Shape DATA = new Shape(8, TinyGan.DATA);

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GanTrainerTest(String engine) {
        super(engine);
    }

    /** Two models and a trainer, closed together. */
    final class Gan implements AutoCloseable {
        final Model g;
        final Model d;
        final GanTrainer trainer;

        Gan(Block generator, Block discriminator, Consumer<GanTrainer.Builder> options) {
            g = TinyGan.model("g", generator, engineName);
            d = TinyGan.model("d", discriminator, engineName);
            GanTrainer.Builder builder =
                    GanTrainer.builder()
                            .setGenerator(g)
                            .setDiscriminator(d)
                            .optLatent(LatentSampler.normal(TinyGan.LATENT))
                            .optGeneratorConfig(TinyGan.sgd(0.1f))
                            .optDiscriminatorConfig(TinyGan.sgd(0.1f));
            options.accept(builder);
            trainer = builder.build();
        }

        Gan(Block discriminator, Consumer<GanTrainer.Builder> options) {
            this(TinyGan.generator(), discriminator, options);
        }

        Gan(Consumer<GanTrainer.Builder> options) {
            this(TinyGan.discriminator(), options);
        }

        Gan initialized(Shape data) {
            trainer.initialize(data);
            TinyGan.setWeights(g.getBlock(), 1);
            TinyGan.setWeights(d.getBlock(), 100);
            return this;
        }

        GanStepResult step(long seed) {
            try (NDManager s = manager.newSubManager()) {
                return trainer.step(new NDList(TinyGan.real(s, seed, (int) DATA.get(0))));
            }
        }

        @Override
        public void close() {
            trainer.close();
            g.close();
            d.close();
        }
    }

    /** Whether any parameter's values differ between the two snapshots. */
    private static boolean changed(Map<String, float[]> before, Map<String, float[]> after) {
        return before.keySet().stream().anyMatch(k -> !Arrays.equals(before.get(k), after.get(k)));
    }

    private static void assertSame(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertEquals(actual.keySet(), expected.keySet());
        for (String key : expected.keySet()) {
            assertEquals(actual.get(key), expected.get(key), key);
        }
    }

    private static boolean equal(Map<String, float[]> a, Map<String, float[]> b) {
        for (String key : a.keySet()) {
            if (!Arrays.equals(a.get(key), b.get(key))) {
                return false;
            }
        }
        return true;
    }

    /**
     * An objective that takes snapshots of the other network at the start of each update and
     * delegates to the non-saturating loss.
     */
    static final class Spy implements GanObjective {
        final Block g;
        final Block d;
        final List<Map<String, float[]>> gAtDiscriminatorUpdate = new ArrayList<>();
        final List<Map<String, float[]>> gGradAtDiscriminatorUpdate = new ArrayList<>();
        final List<Map<String, float[]>> dAtGeneratorUpdate = new ArrayList<>();
        final List<Map<String, float[]>> dGradAtGeneratorUpdate = new ArrayList<>();

        Spy(Block g, Block d) {
            this.g = g;
            this.d = d;
        }

        @Override
        public LossTerms discriminatorLoss(GanUpdate update) {
            gAtDiscriminatorUpdate.add(TinyGan.values(g));
            gGradAtDiscriminatorUpdate.add(TinyGan.gradients(g));
            return GanLoss.nonSaturating().discriminatorLoss(update);
        }

        @Override
        public LossTerms generatorLoss(GanUpdate update) {
            dAtGeneratorUpdate.add(TinyGan.values(d));
            dGradAtGeneratorUpdate.add(TinyGan.gradients(d));
            return GanLoss.nonSaturating().generatorLoss(update);
        }
    }

    @Test
    public void generatorUpdateLeavesTheDiscriminatorAlone() {
        Model g = TinyGan.model("g", TinyGan.generator(), engineName);
        Model d = TinyGan.model("d", TinyGan.discriminator(), engineName);
        Spy watch = new Spy(g.getBlock(), d.getBlock());
        try (g;
                d;
                GanTrainer trainer =
                        GanTrainer.builder()
                                .setGenerator(g)
                                .setDiscriminator(d)
                                .optLatent(LatentSampler.normal(TinyGan.LATENT))
                                .optGeneratorConfig(TinyGan.sgd(0.1f))
                                .optDiscriminatorConfig(TinyGan.sgd(0.1f))
                                .optLoss(watch)
                                .build()) {
            trainer.initialize(DATA);
            for (int step = 0; step < 3; step++) {
                try (NDManager s = manager.newSubManager()) {
                    trainer.step(new NDList(TinyGan.real(s, step, 8)));
                }
                // after the step: the discriminator is as the generator's update found it
                assertSame(TinyGan.values(d.getBlock()), watch.dAtGeneratorUpdate.get(step));
                assertSame(TinyGan.gradients(d.getBlock()), watch.dGradAtGeneratorUpdate.get(step));
            }
            // and the generator changed only in its own updates: at each discriminator update it
            // is what the previous step left
            for (int step = 1; step < 3; step++) {
                assertNotEquals(
                        equal(
                                watch.gAtDiscriminatorUpdate.get(step),
                                watch.gAtDiscriminatorUpdate.get(step - 1)),
                        true,
                        "the generator should have been updated in step " + step);
            }
        }
    }

    @Test
    public void discriminatorUpdateLeavesTheGeneratorAlone() {
        Model g = TinyGan.model("g", TinyGan.generator(), engineName);
        Model d = TinyGan.model("d", TinyGan.discriminator(), engineName);
        Spy watch = new Spy(g.getBlock(), d.getBlock());
        try (g;
                d;
                GanTrainer trainer =
                        GanTrainer.builder()
                                .setGenerator(g)
                                .setDiscriminator(d)
                                .optLatent(LatentSampler.normal(TinyGan.LATENT))
                                .optGeneratorConfig(TinyGan.sgd(0.1f))
                                .optDiscriminatorConfig(TinyGan.sgd(0.1f))
                                .optSchedule(GanSchedule.nCritic(2))
                                .optLoss(watch)
                                .build()) {
            trainer.initialize(DATA);
            for (int step = 0; step < 4; step++) {
                Map<String, float[]> before = TinyGan.values(d.getBlock());
                try (NDManager s = manager.newSubManager()) {
                    GanStepResult r = trainer.step(new NDList(TinyGan.real(s, step, 8)));
                    assertEquals(r.isGeneratorUpdated(), step % 2 == 1);
                }
                assertFalse(equal(TinyGan.values(d.getBlock()), before), "D must change");
                if (step % 2 == 0) {
                    // a discriminator-only step: the generator and its gradients are untouched
                    assertSame(
                            TinyGan.values(g.getBlock()), watch.gAtDiscriminatorUpdate.get(step));
                    assertSame(
                            TinyGan.gradients(g.getBlock()),
                            watch.gGradAtDiscriminatorUpdate.get(step));
                }
            }
            assertEquals(watch.gAtDiscriminatorUpdate.size(), 4);
            assertEquals(watch.dAtGeneratorUpdate.size(), 2);
            assertEquals(trainer.getGeneratorUpdates(), 2);
        }
    }

    /**
     * Nothing carries over from one step to the next: with stateless SGD, the second step of a
     * trainer equals the first step of a fresh trainer that starts from the parameters and the
     * latent stream the first step left. (On an engine that accumulates gradients, a gradient left
     * behind by step 1 would change step 2.)
     */
    @Test
    public void aStepDependsOnlyOnTheParametersAndTheData() {
        try (Gan a = new Gan(b -> {}).initialized(DATA);
                Gan b = new Gan(x -> {}).initialized(DATA)) {
            a.step(1);
            copyParameters(a.g.getBlock(), b.g.getBlock());
            copyParameters(a.d.getBlock(), b.d.getBlock());
            b.trainer.getLatent().setState(a.trainer.getLatent().getState());
            a.step(2);
            b.step(2);
            assertSame(TinyGan.values(b.g.getBlock()), TinyGan.values(a.g.getBlock()));
            assertSame(TinyGan.values(b.d.getBlock()), TinyGan.values(a.d.getBlock()));
        }
    }

    @Test
    public void theSameSeedsGiveTheSameRun() {
        try (Gan a = new Gan(b -> {}).initialized(DATA);
                Gan b = new Gan(x -> {}).initialized(DATA)) {
            for (int step = 0; step < 3; step++) {
                GanStepResult ra = a.step(step);
                GanStepResult rb = b.step(step);
                assertEquals(ra.getDiscriminatorLoss(), rb.getDiscriminatorLoss());
                assertEquals(ra.getGeneratorLoss(), rb.getGeneratorLoss());
            }
            assertSame(TinyGan.values(b.g.getBlock()), TinyGan.values(a.g.getBlock()));
            assertSame(TinyGan.values(b.d.getBlock()), TinyGan.values(a.d.getBlock()));
            // sample(manager, n) draws its latents from a stream derived from the training
            // stream's seed, not from anything particular to the trainer object
            try (NDManager m = manager.newSubManager()) {
                float[] sa = a.trainer.sample(m, 6).toFloatArray();
                float[] sb = b.trainer.sample(m, 6).toFloatArray();
                assertEquals(sb, sa);
                assertFalse(
                        Arrays.equals(a.trainer.sample(m, 6).toFloatArray(), sa),
                        "the next draw continues the stream");
            }
        }
    }

    /**
     * Sampling again and again from fixed latents (the evaluation loop of the mode-coverage
     * example) must not pile the generator's intermediate arrays onto the latents' manager: each
     * call adds its result and nothing else, with EMA on and off.
     */
    @Test
    public void sampleLeavesOnlyItsResultOnTheManager() {
        for (boolean ema : new boolean[] {false, true}) {
            Consumer<GanTrainer.Builder> options = ema ? b -> b.optGeneratorEma(0.9f) : b -> {};
            try (Gan gan = new Gan(options).initialized(DATA);
                    NDManager m = manager.newSubManager()) {
                gan.step(1);
                NDArray z = LatentSampler.normal(TinyGan.LATENT).sample(m, 8, DataType.FLOAT32);
                int before = m.getManagedArrays().size();
                for (int call = 1; call <= 3; call++) {
                    NDArray out = gan.trainer.sample(new NDList(z));
                    assertTrue(out.getManager() == m, "the result is on the latents' manager");
                    assertTrue(z.getManager() == m, "the latents stay where they were");
                    assertEquals(m.getManagedArrays().size(), before + call, "ema " + ema);
                }
                NDArray drawn = gan.trainer.sample(m, 4);
                assertEquals(drawn.getShape(), new Shape(4, TinyGan.DATA));
                assertEquals(m.getManagedArrays().size(), before + 4, "ema " + ema);
            }
        }
    }

    private static void copyParameters(Block from, Block to) {
        for (Pair<String, Parameter> p : from.getParameters()) {
            p.getValue().getArray().copyTo(to.getParameters().get(p.getKey()).getArray());
        }
    }

    @Test
    public void nCriticMakesKDiscriminatorUpdatesPerGeneratorUpdate() {
        try (Gan gan = new Gan(b -> b.optSchedule(GanSchedule.nCritic(3))).initialized(DATA)) {
            Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
            for (int step = 1; step <= 7; step++) {
                Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
                GanStepResult r = gan.step(step);
                assertEquals(r.getStep(), step);
                assertEquals(r.isGeneratorUpdated(), step % 3 == 0, "step " + step);
                assertEquals(Float.isNaN(r.getGeneratorLoss()), step % 3 != 0);
                assertFalse(equal(TinyGan.values(gan.d.getBlock()), d), "D updated in " + step);
                Map<String, float[]> gNow = TinyGan.values(gan.g.getBlock());
                assertEquals(!equal(gNow, g), step % 3 == 0, "G updated in step " + step);
                g = gNow;
            }
            assertEquals(gan.trainer.getSteps(), 7);
            assertEquals(gan.trainer.getGeneratorUpdates(), 2);
        }
    }

    /**
     * Simultaneous updates: both gradients from the parameters before either update, computed here
     * by hand on copies of the networks with plain autograd.
     */
    @Test
    public void simultaneousUpdatesUseTheSameForwardPass() {
        float lr = 0.1f;
        try (Gan gan = new Gan(b -> b.optSchedule(GanSchedule.simultaneous())).initialized(DATA);
                Gan alternating = new Gan(b -> {}).initialized(DATA);
                Gan reference = new Gan(b -> {}).initialized(DATA)) {
            NDArray x = TinyGan.real(manager, 5, 8);
            NDArray z = LatentSampler.normal(TinyGan.LATENT).sample(manager, 8, DataType.FLOAT32);
            Block g = reference.g.getBlock();
            Block d = reference.d.getBlock();
            ParameterStore store = new ParameterStore(manager, false);
            Engine engine = Engine.getEngine(engineName);
            Map<String, float[]> expectedD;
            Map<String, float[]> expectedG;
            // discriminator gradient: D(real), D(fake) with the fake detached
            try (GradientCollector c = engine.newGradientCollector()) {
                NDArray fake = g.forward(store, new NDList(z), true).head().stopGradient();
                NDArray r = d.forward(store, new NDList(x), true).head();
                NDArray f = d.forward(store, new NDList(fake), true).head();
                c.backward(GanLoss.nonSaturating().discriminatorLoss(r, f));
            }
            expectedD = sgdStep(d, lr);
            // generator gradient: through D with D's parameters as they were (copy restored)
            try (Gan fresh = new Gan(b -> {}).initialized(DATA)) {
                try (GradientCollector c = engine.newGradientCollector()) {
                    NDArray fake = g.forward(store, new NDList(z), true).head();
                    NDArray f = fresh.d.getBlock().forward(store, new NDList(fake), true).head();
                    c.backward(GanLoss.nonSaturating().generatorLoss(null, f));
                }
                expectedG = sgdStep(g, lr);
            }
            gan.trainer.step(new NDList(x));
            alternating.trainer.step(new NDList(x));
            assertClose(TinyGan.values(gan.d.getBlock()), expectedD);
            assertClose(TinyGan.values(gan.g.getBlock()), expectedG);
            // the alternating schedule differs: its generator sees the updated discriminator and
            // draws a second latent batch
            assertFalse(equal(TinyGan.values(alternating.g.getBlock()), expectedG));
        }
    }

    /**
     * A step updates each network as DJL's {@code Trainer.step()} would, bit for bit: the same
     * steps written by hand with DJL's trainers ({@code Trainer.step()}, its parameter server and
     * the same {@link Adam}), over several steps so that Adam's moments and bias correction count,
     * in both schedules.
     */
    @Test
    public void stepsEqualDjlTrainerSteps() {
        for (boolean simultaneous : new boolean[] {false, true}) {
            Consumer<GanTrainer.Builder> options =
                    b ->
                            b.optSchedule(
                                            simultaneous
                                                    ? GanSchedule.simultaneous()
                                                    : GanSchedule.alternating())
                                    .optGeneratorConfig(
                                            GanTrainer.config("g", GanTrainer.dcganAdam()))
                                    .optDiscriminatorConfig(
                                            GanTrainer.config("d", GanTrainer.dcganAdam()));
            try (Gan gan = new Gan(options).initialized(DATA);
                    Gan ref = new Gan(options).initialized(DATA)) {
                for (long step = 0; step < 4; step++) {
                    Map<String, float[]> before = TinyGan.values(gan.g.getBlock());
                    gan.step(step);
                    try (NDManager s = manager.newSubManager()) {
                        djlStep(ref, TinyGan.real(s, step, (int) DATA.get(0)), simultaneous);
                    }
                    String when = (simultaneous ? "simultaneous" : "alternating") + " step " + step;
                    assertSame(TinyGan.values(gan.d.getBlock()), TinyGan.values(ref.d.getBlock()));
                    assertSame(TinyGan.values(gan.g.getBlock()), TinyGan.values(ref.g.getBlock()));
                    assertFalse(equal(TinyGan.values(gan.g.getBlock()), before), when);
                }
            }
        }
    }

    /** One step of the standard non-saturating GAN written with DJL's trainers. */
    private static void djlStep(Gan gan, NDArray x, boolean simultaneous) {
        ai.djl.training.Trainer dT = gan.trainer.getDiscriminatorTrainer();
        ai.djl.training.Trainer gT = gan.trainer.getGeneratorTrainer();
        Block g = gan.g.getBlock();
        Block d = gan.d.getBlock();
        NDManager s = x.getManager();
        long n = x.getShape().get(0);
        GanLoss loss = GanLoss.nonSaturating();
        NDArray z = gan.trainer.getLatent().sample(s, n, DataType.FLOAT32);
        ParameterStore live = new ParameterStore(s, false);
        ParameterStore detached = new DetachedParameterStore(s);
        if (simultaneous) {
            try (GradientCollector c = dT.newGradientCollector()) {
                NDArray fake = g.forward(live, new NDList(z), true).head();
                NDArray r = d.forward(live, new NDList(x), true).head();
                NDArray f = d.forward(live, new NDList(fake.stopGradient()), true).head();
                NDArray f2 = d.forward(detached, new NDList(fake), true).head();
                c.backward(loss.discriminatorLoss(r, f).add(loss.generatorLoss(null, f2)));
            }
            dT.step();
            gT.step();
            return;
        }
        try (GradientCollector c = dT.newGradientCollector()) {
            NDArray fake = g.forward(detached, new NDList(z), true).head();
            NDArray r = d.forward(live, new NDList(x), true).head();
            NDArray f = d.forward(live, new NDList(fake), true).head();
            c.backward(loss.discriminatorLoss(r, f));
        }
        dT.step();
        NDArray z2 = gan.trainer.getLatent().sample(s, n, DataType.FLOAT32);
        try (GradientCollector c = gT.newGradientCollector()) {
            NDArray fake = g.forward(live, new NDList(z2), true).head();
            NDArray f = d.forward(detached, new NDList(fake), true).head();
            c.backward(loss.generatorLoss(null, f));
        }
        gT.step();
    }

    /** w − lr · ∂L/∂w for every trainable parameter, as values by path (the block is unchanged). */
    private static Map<String, float[]> sgdStep(Block block, float lr) {
        Map<String, float[]> values = TinyGan.values(block);
        Map<String, float[]> grads = TinyGan.gradients(block);
        for (String key : values.keySet()) {
            float[] w = values.get(key);
            float[] gr = grads.get(key);
            for (int i = 0; i < w.length; i++) {
                w[i] -= lr * gr[i];
            }
        }
        return values;
    }

    private static void assertClose(Map<String, float[]> actual, Map<String, float[]> expected) {
        for (String key : expected.keySet()) {
            float[] a = actual.get(key);
            float[] e = expected.get(key);
            for (int i = 0; i < e.length; i++) {
                assertEquals(a[i], e[i], 1e-6 + 1e-5 * Math.abs(e[i]), key + "[" + i + "]");
            }
        }
    }

    @Test
    public void packingSendsPacksOfRealOrGeneratedSamples() {
        List<float[]> seen = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        Block spy =
                new LambdaBlock(
                        list -> {
                            shapes.add(list.head().getShape());
                            seen.add(list.head().toFloatArray());
                            return list;
                        });
        SequentialBlock d =
                new SequentialBlock()
                        .add(spy)
                        .add(Linear.builder().setUnits(4).build())
                        .add(Linear.builder().setUnits(1).build());
        try (Gan gan = new Gan(d, b -> b.optPacking(2)).initialized(DATA)) {
            RandomLatentSampler twin = LatentSampler.normal(TinyGan.LATENT);
            NDArray x = TinyGan.real(manager, 3, 8);
            // the generated batch of the discriminator's update, from the same latents
            NDArray fake =
                    gan.g
                            .getBlock()
                            .forward(
                                    new ParameterStore(manager, false),
                                    new NDList(twin.sample(manager, 8, DataType.FLOAT32)),
                                    false)
                            .head();
            gan.trainer.getDiscriminatorTrainer(); // (initializing runs DJL's LambdaBlock on zeros)
            seen.clear();
            shapes.clear();
            gan.trainer.step(new NDList(x));
            // D's update: real packs, then generated packs; G's update: generated packs
            assertEquals(shapes.size(), 3);
            for (Shape s : shapes) {
                assertEquals(s, new Shape(4, 4));
            }
            assertEquals(seen.get(0), x.toFloatArray(), "pack i = samples 2i, 2i+1 in order");
            float[] f = fake.toFloatArray();
            float[] packed = seen.get(1);
            for (int i = 0; i < f.length; i++) {
                assertEquals(packed[i], f[i], 1e-6f);
            }
            NDArray odd = TinyGan.real(manager, 3, 7);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.step(new NDList(odd)));
            assertMessage(e, "GanTrainer", "(7, 2)", "packing 2");
        }
    }

    @Test
    public void emaFollowsItsFormula() {
        float decay = 0.75f;
        try (Gan gan = new Gan(b -> b.optGeneratorEma(decay)).initialized(DATA);
                Gan copy = new Gan(b -> {}).initialized(DATA)) {
            // the weights were set after initialize: the average starts from them at step 1
            Map<String, float[]> average = TinyGan.values(gan.g.getBlock());
            gan.trainer.dataInit(new NDList(TinyGan.real(manager, 9, 8))); // no-op here; resets
            for (int step = 0; step < 3; step++) {
                gan.step(step);
                Map<String, float[]> theta = TinyGan.values(gan.g.getBlock());
                for (String key : average.keySet()) {
                    float[] a = average.get(key);
                    float[] t = theta.get(key);
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) (decay * (double) a[i] + (1 - decay) * (double) t[i]);
                    }
                }
            }
            // sampling uses the average: equal to the generator with the averaged weights
            Block g = copy.g.getBlock();
            for (Pair<String, Parameter> p : g.getParameters()) {
                NDArray target = p.getValue().getArray();
                manager.create(average.get(p.getKey()), target.getShape()).copyTo(target);
            }
            NDArray z =
                    LatentSampler.normal(TinyGan.LATENT)
                            .withSeed(3)
                            .sample(manager, 5, DataType.FLOAT32);
            NDArray expected =
                    g.forward(new ParameterStore(manager, false), new NDList(z), false).head();
            NDArray actual = gan.trainer.sample(new NDList(z));
            float[] e = expected.toFloatArray();
            float[] a = actual.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(a[i], e[i], 1e-5f);
            }
            NDArray live =
                    gan.g
                            .getBlock()
                            .forward(new ParameterStore(manager, false), new NDList(z), false)
                            .head();
            assertFalse(Arrays.equals(live.toFloatArray(), a), "EMA samples differ from live G");
        }
    }

    @Test
    public void weightClippingBoundsEveryDiscriminatorParameter() {
        float c = 0.05f;
        try (Gan gan = new Gan(b -> b.optWeightClipping(c).optLoss(GanLoss.wasserstein()))) {
            gan.trainer.initialize(DATA); // initial weights (Xavier) exceed c: clipped at once
            assertBounded(gan.d.getBlock(), c);
            for (int step = 0; step < 4; step++) {
                gan.step(step);
                assertBounded(gan.d.getBlock(), c);
            }
        }
    }

    /**
     * The clip is part of each update: with a loss whose gradient is ±1 for every weight and SGD at
     * lr 0.1, w goes 0 → clip(0.1) = 0.05 → clip(0.05 − 0.1) = −0.05. (A clip applied after the
     * step would be lost on MXNet, whose parameter server updates its own copy: 0.1 → 0.0.)
     */
    @Test
    public void clippingIsPartOfTheUpdate() {
        float c = 0.05f;
        int[] step = {0};
        GanObjective pushPull =
                new GanObjective() {
                    @Override
                    public LossTerms discriminatorLoss(GanUpdate u) {
                        NDArray r = u.discriminate(u.getReal().head()).mean();
                        return LossTerms.of(step[0] % 2 == 0 ? r.neg() : r);
                    }

                    @Override
                    public LossTerms generatorLoss(GanUpdate u) {
                        return GanLoss.wasserstein().generatorLoss(u);
                    }
                };
        Block d = Linear.builder().setUnits(1).build();
        try (Gan gan = new Gan(d, b -> b.optWeightClipping(c).optLoss(pushPull))) {
            gan.trainer.initialize(DATA);
            for (Pair<String, Parameter> p : d.getParameters()) {
                p.getValue().getArray().subi(p.getValue().getArray()); // all zero
            }
            NDArray ones = manager.ones(DATA);
            float[] expected = {c, -c, c};
            for (; step[0] < 3; step[0]++) {
                gan.trainer.step(new NDList(ones));
                for (float[] values : TinyGan.values(d).values()) {
                    for (float v : values) {
                        assertEquals(v, expected[step[0]], 1e-7f, "after step " + (step[0] + 1));
                    }
                }
            }
        }
    }

    private static void assertBounded(Block d, float c) {
        int atBound = 0;
        for (Map.Entry<String, float[]> e : TinyGan.values(d).entrySet()) {
            for (float v : e.getValue()) {
                assertTrue(Math.abs(v) <= c, e.getKey() + " = " + v);
                atBound += Math.abs(v) == c ? 1 : 0;
            }
        }
        assertTrue(atBound > 0, "some weights should sit at the bound");
    }

    @Test
    public void aStepBeforeInitializeIsRefused() {
        try (Gan gan = new Gan(b -> {})) {
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> gan.step(1));
            assertMessage(e, "GanTrainer", "initialize");
        }
    }

    @Test
    public void badBatchesChangeNothing() {
        try (Gan gan = new Gan(b -> {}).initialized(DATA)) {
            Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
            Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
            NDArray wide = manager.zeros(new Shape(8, 3));
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.step(new NDList(wide))),
                    "GanTrainer",
                    "(8, 3)",
                    "(8, 2)");
            NDArray flat = manager.zeros(new Shape(16));
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.step(new NDList(flat))),
                    "GanTrainer",
                    "(16)");
            NDArray doubles = manager.zeros(new Shape(8, 2), DataType.FLOAT64);
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.step(new NDList(doubles))),
                    "GanTrainer",
                    "float64");
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class, () -> gan.trainer.step(new NDList())),
                    "GanTrainer");
            assertSame(TinyGan.values(gan.g.getBlock()), g);
            assertSame(TinyGan.values(gan.d.getBlock()), d);
            assertEquals(gan.trainer.getSteps(), 0);
        }
    }

    @Test
    public void aLatentSamplerOfTheWrongShapeIsRefused() {
        LatentSampler wrong =
                new LatentSampler() {
                    @Override
                    public Shape getShape() {
                        return new Shape(TinyGan.LATENT);
                    }

                    @Override
                    public NDArray sample(NDManager m, long n, DataType dataType) {
                        return m.zeros(new Shape(n, TinyGan.LATENT + 1), dataType);
                    }

                    @Override
                    public LatentSampler withSeed(long seed) {
                        return this;
                    }
                };
        try (Gan gan = new Gan(b -> b.optLatent(wrong)).initialized(DATA)) {
            Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
            Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> gan.step(1));
            assertMessage(e, "GanTrainer", "(8, 5)", "(8, 4)");
            assertSame(TinyGan.values(gan.g.getBlock()), g);
            assertSame(TinyGan.values(gan.d.getBlock()), d);
        }
    }

    /** sample(latents) takes one array (n, sampler shape), n >= 1, and names what it got. */
    @Test
    public void latentsOfTheWrongShapeAreRefusedBySample() {
        try (Gan gan = new Gan(b -> {}).initialized(DATA)) {
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class, () -> gan.trainer.sample(new NDList())),
                    "GanTrainer",
                    "one array",
                    "got a list of 0");
            NDArray z = manager.zeros(new Shape(3, TinyGan.LATENT));
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.sample(new NDList(z, z))),
                    "GanTrainer",
                    "one array",
                    "got a list of 2");
            NDArray wide = manager.zeros(new Shape(3, TinyGan.LATENT + 1));
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.sample(new NDList(wide))),
                    "GanTrainer",
                    "(n, 4)",
                    "(3, 5)");
            NDArray flat = manager.zeros(new Shape(TinyGan.LATENT));
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.sample(new NDList(flat))),
                    "GanTrainer",
                    "(n, 4)",
                    "(4)");
            NDArray none = manager.zeros(new Shape(0, TinyGan.LATENT));
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.sample(new NDList(none))),
                    "GanTrainer",
                    "n >= 1",
                    "(0, 4)");
            assertEquals(gan.trainer.sample(new NDList(z)).getShape(), new Shape(3, 2));
        }
    }

    @Test
    public void aGeneratorThatDoesNotMakeTheDataIsRefused() {
        try (Gan gan = new Gan(b -> {})) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> gan.trainer.initialize(new Shape(8, 3)));
            assertMessage(e, "GanTrainer", "(8, 4)", "(8, 2)", "(8, 3)");
        }
    }

    @Test
    public void badOptionsAreRefused() {
        try (Model g = TinyGan.model("g", TinyGan.generator(), engineName);
                Model d = TinyGan.model("d", TinyGan.discriminator(), engineName)) {
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> GanTrainer.builder().setDiscriminator(d).build()),
                    "GanTrainer",
                    "setGenerator");
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    GanTrainer.builder()
                                            .setGenerator(g)
                                            .setDiscriminator(d)
                                            .optPacking(0)
                                            .build()),
                    "GanTrainer",
                    "optPacking",
                    "0");
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    GanTrainer.builder()
                                            .setGenerator(g)
                                            .setDiscriminator(d)
                                            .optGeneratorEma(1f)
                                            .build()),
                    "GanTrainer",
                    "optGeneratorEma");
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    GanTrainer.builder()
                                            .setGenerator(g)
                                            .setDiscriminator(d)
                                            .optWeightClipping(-1f)
                                            .build()),
                    "GanTrainer",
                    "optWeightClipping");
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    GanTrainer.builder()
                                            .setGenerator(g)
                                            .setDiscriminator(d)
                                            .optCheckFinite(null)
                                            .build()),
                    "GanTrainer",
                    "optCheckFinite");
            assertMessage(
                    expectThrows(IllegalArgumentException.class, () -> GanSchedule.nCritic(0)),
                    "GanSchedule",
                    "0");
        }
    }

    /** A custom objective's extras reach the result; the real batch may carry more arrays. */
    @Test
    public void customObjectivesSeeTheWholeRealBatchAndReportExtras() {
        GanObjective custom =
                new GanObjective() {
                    @Override
                    public LossTerms discriminatorLoss(GanUpdate u) {
                        NDArray weights = u.getReal().get(1); // (N) per-sample weights
                        NDArray r = u.discriminate(u.getReal().head()).reshape(-1);
                        NDArray f = u.discriminate(u.getFake()).reshape(-1);
                        NDArray loss =
                                ai.djl.nn.Activation.softPlus(r.neg())
                                        .mul(weights)
                                        .mean()
                                        .add(ai.djl.nn.Activation.softPlus(f).mean());
                        return LossTerms.of(loss).with("weightSum", weights.sum());
                    }

                    @Override
                    public LossTerms generatorLoss(GanUpdate u) {
                        assertFalse(u.isDiscriminatorUpdate());
                        NDArray f = u.discriminate(u.getFake());
                        return LossTerms.of(ai.djl.nn.Activation.softPlus(f.neg()).mean())
                                .with("meanLogit", f.mean());
                    }
                };
        try (Gan gan = new Gan(b -> b.optLoss(custom)).initialized(DATA)) {
            NDArray x = TinyGan.real(manager, 1, 8);
            NDArray w = manager.ones(new Shape(8)).mul(0.5f);
            GanStepResult r = gan.trainer.step(new NDList(x, w));
            assertEquals(r.getDiscriminatorExtras().get("weightSum"), 4f, 1e-6f);
            assertTrue(Float.isFinite(r.getGeneratorExtras().get("meanLogit")));
            assertTrue(Float.isFinite(r.getDiscriminatorLoss()));
        }
    }

    @Test
    public void sampleDrawsFromItsOwnStream() {
        try (Gan a = new Gan(b -> {}).initialized(DATA);
                Gan b = new Gan(x -> {}).initialized(DATA)) {
            NDArray samples = a.trainer.sample(manager, 5);
            assertEquals(samples.getShape(), new Shape(5, 2));
            // sampling in between does not change the training run
            a.step(1);
            b.step(1);
            assertSame(TinyGan.values(a.g.getBlock()), TinyGan.values(b.g.getBlock()));
        }
    }

    @Test
    public void everyStandardLossTrains() {
        for (GanLoss loss :
                new GanLoss[] {
                    GanLoss.nonSaturating(),
                    GanLoss.minimax(),
                    GanLoss.hinge(),
                    GanLoss.leastSquares(),
                    GanLoss.wasserstein()
                }) {
            try (Gan gan = new Gan(b -> b.optLoss(loss)).initialized(DATA)) {
                for (int step = 0; step < 3; step++) {
                    Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
                    Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
                    GanStepResult r = gan.step(step);
                    assertTrue(Float.isFinite(r.getDiscriminatorLoss()), loss + " " + r);
                    assertTrue(Float.isFinite(r.getGeneratorLoss()), loss + " " + r);
                    assertTrue(changed(g, TinyGan.values(gan.g.getBlock())), loss + ": G moved");
                    assertTrue(changed(d, TinyGan.values(gan.d.getBlock())), loss + ": D moved");
                }
            }
        }
    }

    // ---- divergence: no step writes NaN or infinity into the parameters ----

    /** A real batch with one NaN coordinate: the discriminator's loss on it is NaN. */
    private NDArray batchWithNaN(NDManager m) {
        float[] x = TinyGan.real(m, 1, 8).toFloatArray();
        x[5] = Float.NaN;
        return m.create(x, DATA);
    }

    /**
     * TinyGan's generator followed by y + √(0·y): the output and both losses are finite (√0 = 0),
     * but the generator's gradient is NaN (the derivative of √ at 0 is ∞, times 0).
     */
    private static Block generatorWithNaNGradient() {
        return new SequentialBlock()
                .add(TinyGan.generator())
                .add(new LambdaBlock(y -> new NDList(y.head().add(y.head().mul(0).sqrt()))));
    }

    @Test
    public void aNaNDiscriminatorLossStopsTheStepBeforeAnyUpdate() {
        for (GanSchedule schedule :
                new GanSchedule[] {GanSchedule.alternating(), GanSchedule.simultaneous()}) {
            try (Gan gan = new Gan(b -> b.optSchedule(schedule)).initialized(DATA);
                    Gan fresh = new Gan(b -> b.optSchedule(schedule)).initialized(DATA)) {
                Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
                Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
                NDArray bad = batchWithNaN(manager);
                assertMessage(
                        expectThrows(
                                IllegalStateException.class,
                                () -> gan.trainer.step(new NDList(bad))),
                        "GanTrainer",
                        "step 1",
                        "discriminator's loss is NaN",
                        "no parameter was updated");
                assertSame(TinyGan.values(gan.g.getBlock()), g);
                assertSame(TinyGan.values(gan.d.getBlock()), d);
                assertEquals(gan.trainer.getSteps(), 0);
                // the failed step's gradients do not carry over: the next step is a fresh one
                fresh.trainer.getLatent().setState(gan.trainer.getLatent().getState());
                gan.step(2);
                fresh.step(2);
                assertSame(TinyGan.values(gan.g.getBlock()), TinyGan.values(fresh.g.getBlock()));
                assertSame(TinyGan.values(gan.d.getBlock()), TinyGan.values(fresh.d.getBlock()));
                assertEquals(gan.trainer.getSteps(), 1);
            }
        }
    }

    /**
     * Finite losses, NaN gradient: checking the losses only (the default), the NaN reaches the
     * generator and the next step's discriminator loss (on NaN samples) stops training.
     */
    @Test
    public void aNaNGradientUnderAFiniteLossIsCaughtOneStepLaterByDefault() {
        try (Gan gan =
                new Gan(generatorWithNaNGradient(), TinyGan.discriminator(), b -> {})
                        .initialized(DATA)) {
            GanStepResult first = gan.step(1);
            assertTrue(Float.isFinite(first.getGeneratorLoss()));
            assertTrue(
                    TinyGan.values(gan.g.getBlock()).values().stream()
                            .anyMatch(v -> Float.isNaN(v[0])),
                    "NaN written into the generator");
            assertMessage(
                    expectThrows(IllegalStateException.class, () -> gan.step(2)),
                    "GanTrainer",
                    "step 2",
                    "discriminator's loss is NaN",
                    "may already hold NaN",
                    "LOSSES_AND_GRADIENTS");
            assertEquals(gan.trainer.getSteps(), 1);
        }
    }

    /** Finite losses, NaN gradient: the check of the gradients catches what the loss hides. */
    @Test
    public void aNaNGeneratorGradientInASimultaneousStepUpdatesNothing() {
        try (Gan gan =
                new Gan(
                                generatorWithNaNGradient(),
                                TinyGan.discriminator(),
                                b ->
                                        b.optSchedule(GanSchedule.simultaneous())
                                                .optCheckFinite(
                                                        NonFiniteCheck.LOSSES_AND_GRADIENTS))
                        .initialized(DATA)) {
            Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
            Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
            assertMessage(
                    expectThrows(IllegalStateException.class, () -> gan.step(1)),
                    "GanTrainer",
                    "step 1",
                    "generator's gradient of",
                    "holds NaN",
                    "no parameter was updated");
            assertSame(TinyGan.values(gan.g.getBlock()), g);
            assertSame(TinyGan.values(gan.d.getBlock()), d);
            assertEquals(gan.trainer.getSteps(), 0);
        }
    }

    /** Alternating: the discriminator's update comes first and stands; the step is counted. */
    @Test
    public void aNaNGeneratorGradientInAnAlternatingStepLeavesTheDiscriminatorUpdate() {
        try (Gan gan =
                        new Gan(
                                        generatorWithNaNGradient(),
                                        TinyGan.discriminator(),
                                        b -> b.optCheckFinite(NonFiniteCheck.LOSSES_AND_GRADIENTS))
                                .initialized(DATA);
                Gan reference = new Gan(b -> {}).initialized(DATA)) {
            Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
            assertMessage(
                    expectThrows(IllegalStateException.class, () -> gan.step(1)),
                    "GanTrainer",
                    "step 1",
                    "generator's gradient of",
                    "holds NaN",
                    "the discriminator's update of this step stands");
            assertSame(TinyGan.values(gan.g.getBlock()), g);
            // the same discriminator update as a plain generator's step (y + √0 is y exactly)
            reference.step(1);
            assertSame(TinyGan.values(gan.d.getBlock()), TinyGan.values(reference.d.getBlock()));
            assertEquals(gan.trainer.getSteps(), 1);
            assertEquals(gan.trainer.getGeneratorUpdates(), 0);
        }
    }

    @Test
    public void anInfiniteLossIsCaught() {
        GanObjective infinite =
                new GanObjective() {
                    @Override
                    public LossTerms discriminatorLoss(GanUpdate u) {
                        return GanLoss.nonSaturating().discriminatorLoss(u);
                    }

                    @Override
                    public LossTerms generatorLoss(GanUpdate u) {
                        NDArray loss = GanLoss.nonSaturating().generatorLoss(u).getTotal();
                        return LossTerms.of(loss.add(Float.POSITIVE_INFINITY));
                    }
                };
        try (Gan gan =
                new Gan(b -> b.optLoss(infinite).optSchedule(GanSchedule.simultaneous()))
                        .initialized(DATA)) {
            Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
            Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
            assertMessage(
                    expectThrows(IllegalStateException.class, () -> gan.step(1)),
                    "GanTrainer",
                    "step 1",
                    "generator's loss is Infinity",
                    "no parameter was updated");
            assertSame(TinyGan.values(gan.g.getBlock()), g);
            assertSame(TinyGan.values(gan.d.getBlock()), d);
            assertEquals(gan.trainer.getSteps(), 0);
        }
    }

    /**
     * A discriminator whose gradient is NaN under finite losses (TinyGan's, then y + √(0·y)): its
     * check comes first in both schedules, so nothing is updated.
     */
    @Test
    public void aNaNDiscriminatorGradientUpdatesNothing() {
        for (GanSchedule schedule :
                new GanSchedule[] {GanSchedule.alternating(), GanSchedule.simultaneous()}) {
            Block discriminator =
                    new SequentialBlock()
                            .add(TinyGan.discriminator())
                            .add(
                                    new LambdaBlock(
                                            y -> new NDList(y.head().add(y.head().mul(0).sqrt()))));
            try (Gan gan =
                    new Gan(
                                    discriminator,
                                    b ->
                                            b.optSchedule(schedule)
                                                    .optCheckFinite(
                                                            NonFiniteCheck.LOSSES_AND_GRADIENTS))
                            .initialized(DATA)) {
                assertEquals(gan.trainer.getCheckFinite(), NonFiniteCheck.LOSSES_AND_GRADIENTS);
                Map<String, float[]> g = TinyGan.values(gan.g.getBlock());
                Map<String, float[]> d = TinyGan.values(gan.d.getBlock());
                assertMessage(
                        expectThrows(IllegalStateException.class, () -> gan.step(1)),
                        "GanTrainer",
                        "step 1",
                        "discriminator's gradient of 01SequentialBlock_01Linear_weight (8, 2)"
                                + " holds NaN",
                        "no parameter was updated");
                assertSame(TinyGan.values(gan.g.getBlock()), g);
                assertSame(TinyGan.values(gan.d.getBlock()), d);
                assertEquals(gan.trainer.getSteps(), 0);
            }
        }
    }

    /** With the check off a NaN batch trains on, as DJL's own Trainer would. */
    @Test
    public void theCheckCanBeTurnedOff() {
        try (Gan gan = new Gan(b -> b.optCheckFinite(NonFiniteCheck.NONE)).initialized(DATA)) {
            assertEquals(gan.trainer.getCheckFinite(), NonFiniteCheck.NONE);
            GanStepResult r = gan.trainer.step(new NDList(batchWithNaN(manager)));
            assertTrue(Float.isNaN(r.getDiscriminatorLoss()));
            assertTrue(
                    TinyGan.values(gan.d.getBlock()).values().stream()
                            .anyMatch(v -> Float.isNaN(v[0])),
                    "NaN written into the discriminator");
            assertEquals(gan.trainer.getSteps(), 1);
        }
    }

    /** Without configs, both networks train with DCGAN's Adam and report their losses. */
    @Test
    public void theDefaultConfigIsDcganAdam() {
        try (Model g = TinyGan.model("g", TinyGan.generator(), engineName);
                Model d = TinyGan.model("d", TinyGan.discriminator(), engineName);
                GanTrainer trainer =
                        GanTrainer.builder()
                                .setGenerator(g)
                                .setDiscriminator(d)
                                .optLatent(LatentSampler.normal(TinyGan.LATENT))
                                .build()) {
            trainer.initialize(DATA);
            assertTrue(trainer.discriminatorConfig().getOptimizer() instanceof Adam);
            assertTrue(trainer.generatorConfig().getOptimizer() instanceof Adam);
            assertTrue(trainer.getDiscriminatorTrainer().getLoss() instanceof ReportedLoss);
            // before any step: Adam's t counts the optimizer's updates over all parameters
            assertDcganAdam(trainer.discriminatorConfig().getOptimizer(), "discriminator");
            assertDcganAdam(trainer.generatorConfig().getOptimizer(), "generator");
            try (NDManager s = manager.newSubManager()) {
                GanStepResult r = trainer.step(new NDList(TinyGan.real(s, 1, 8)));
                assertTrue(Float.isFinite(r.getGeneratorLoss()));
            }
        }
    }

    /**
     * Two updates of a fresh parameter from w = 0 against Adam written out with DCGAN's constants
     * (lr 2·10⁻⁴, β₁ 0.5, β₂ 0.999, ε 10⁻⁸ added to √v): the first update fixes lr (it moves by lr
     * against the gradient's sign whatever the βs), the second, with another gradient, β₁ and β₂.
     */
    private void assertDcganAdam(Optimizer optimizer, String network) {
        double lr = 2e-4;
        double beta1 = 0.5;
        double beta2 = 0.999;
        double eps = 1e-8;
        double[][] grads = {{0.1, -0.2, 0.3}, {0.4, 0.1, -0.5}};
        double[] w = new double[3];
        double[] m = new double[3];
        double[] v = new double[3];
        NDArray weight = manager.zeros(new Shape(3));
        for (int t = 1; t <= 2; t++) {
            double[] g = grads[t - 1];
            for (int i = 0; i < 3; i++) {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                double step = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
                w[i] -= step * m[i] / (Math.sqrt(v[i]) + eps);
            }
            optimizer.update("dcgan-adam-check", weight, manager.create(toFloats(g)));
            float[] got = weight.toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(got[i], w[i], 1e-4 * Math.abs(w[i]), network + " update " + t);
            }
        }
    }

    private static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }
}
