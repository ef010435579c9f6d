package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.translate.TranslateException;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.TempDirs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** {@link GanTrainer}'s data-dependent init, checkpoints, {@code fit} and listeners. */
public class GanTrainerLifecycleTest extends EngineTest {

    private static final Shape DATA = new Shape(8, TinyGan.DATA);

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GanTrainerLifecycleTest(String engine) {
        super(engine);
    }

    private GanTrainer trainer(Model g, Model d, Consumer<GanTrainer.Builder> options) {
        GanTrainer.Builder b =
                GanTrainer.builder()
                        .setGenerator(g)
                        .setDiscriminator(d)
                        .optLatent(LatentSampler.normal(TinyGan.LATENT));
        options.accept(b);
        return b.build();
    }

    private static Block wnGenerator() {
        return new SequentialBlock()
                .add(WeightNorm.wrap(Linear.builder().setUnits(8).build()))
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(TinyGan.DATA).build());
    }

    private static Block wnDiscriminator() {
        return new SequentialBlock()
                .add(WeightNorm.wrap(Linear.builder().setUnits(8).build()))
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(1).build());
    }

    /** Mean 0 and standard deviation 1 per channel of the first layer's output on a batch. */
    private void assertNormalisedFirstLayer(Block net, NDArray x) {
        Block first = net.getChildren().get(0).getValue();
        NDArray y = first.forward(new ParameterStore(manager, false), new NDList(x), false).head();
        NDArray mean = y.mean(new int[] {0});
        NDArray std = y.sub(mean).square().mean(new int[] {0}).sqrt();
        NDAssert.assertAllClose(mean, 0, 0, 1e-4);
        NDAssert.assertAllClose(std, 1, 1e-3, 1e-3);
    }

    @Test
    public void dataInitInitializesBothNetworksOnTheirOwnInputs() {
        try (Model g = TinyGan.model("g", wnGenerator(), engineName);
                Model d = TinyGan.model("d", wnDiscriminator(), engineName);
                GanTrainer gan = trainer(g, d, b -> {})) {
            gan.initialize(DATA);
            NDArray x = TinyGan.real(manager, 4, 8).mul(3).add(2);
            gan.dataInit(new NDList(x));
            assertNormalisedFirstLayer(d.getBlock(), x);
            // the generator was initialized on the first latent batch of the training stream
            NDArray z =
                    LatentSampler.normal(TinyGan.LATENT)
                            .sample(manager, 8, ai.djl.ndarray.types.DataType.FLOAT32);
            assertNormalisedFirstLayer(g.getBlock(), z);
            try (NDManager s = manager.newSubManager()) {
                assertTrue(Float.isFinite(gan.step(new NDList(x)).getGeneratorLoss()));
            }
            IllegalStateException e =
                    expectThrows(IllegalStateException.class, () -> gan.dataInit(new NDList(x)));
            assertMessage(e, "GanTrainer", "before the first step");
        }
    }

    /** The discriminator initializes, the generator cannot: neither changes. */
    @Test
    public void dataInitIsAllOrNothing() {
        Block brokenGenerator =
                new SequentialBlock()
                        .add(new LambdaBlock(in -> new NDList(in.head().mul(Float.NaN))))
                        .add(WeightNorm.wrap(Linear.builder().setUnits(TinyGan.DATA).build()));
        try (Model g = TinyGan.model("g", brokenGenerator, engineName);
                Model d = TinyGan.model("d", wnDiscriminator(), engineName);
                GanTrainer gan = trainer(g, d, b -> {})) {
            gan.initialize(DATA);
            Map<String, float[]> gBefore = TinyGan.values(g.getBlock());
            Map<String, float[]> dBefore = TinyGan.values(d.getBlock());
            NDArray x = TinyGan.real(manager, 4, 8);
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> gan.dataInit(new NDList(x)));
            assertMessage(e, "WeightNorm");
            assertEqualValues(TinyGan.values(g.getBlock()), gBefore);
            assertEqualValues(TinyGan.values(d.getBlock()), dBefore);
        }
    }

    private static void assertEqualValues(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : b.keySet()) {
            assertEquals(a.get(k), b.get(k), k);
        }
    }

    private static DefaultTrainingConfig adam(String name) {
        return GanTrainer.config(name, GanTrainer.dcganAdam());
    }

    private GanTrainer adamTrainer(Model g, Model d, Consumer<GanTrainer.Builder> more) {
        return trainer(
                g,
                d,
                b -> {
                    b.optGeneratorConfig(adam("g"))
                            .optDiscriminatorConfig(adam("d"))
                            .optGeneratorEma(0.9f)
                            .optSchedule(GanSchedule.nCritic(2));
                    more.accept(b);
                });
    }

    /** A TinyGan generator and discriminator and their trainer, closed together. */
    private record TinyRun(Model g, Model d, GanTrainer gan) implements AutoCloseable {
        @Override
        public void close() {
            try {
                gan.close();
            } finally {
                d.close();
                g.close();
            }
        }
    }

    /** A TinyRun whose trainer has these options. */
    private TinyRun run(Consumer<GanTrainer.Builder> options) {
        Model g = TinyGan.model("g", TinyGan.generator(), engineName);
        Model d = TinyGan.model("d", TinyGan.discriminator(), engineName);
        return new TinyRun(g, d, trainer(g, d, options));
    }

    /** A TinyRun with this project's Adam on both networks, EMA and nCritic(2), then options. */
    private TinyRun adamRun(Consumer<GanTrainer.Builder> options) {
        Model g = TinyGan.model("g", TinyGan.generator(), engineName);
        Model d = TinyGan.model("d", TinyGan.discriminator(), engineName);
        return new TinyRun(g, d, adamTrainer(g, d, options));
    }

    private GanStepResult step(GanTrainer gan, long seed) {
        try (NDManager s = manager.newSubManager()) {
            return gan.step(new NDList(TinyGan.real(s, seed, 8)));
        }
    }

    /** Initializes, takes 3 steps, draws 3 samples (moving their stream on), saves as "run". */
    private void threeStepsSampledAndSaved(GanTrainer gan, Path dir) throws IOException {
        gan.initialize(DATA);
        for (int i = 0; i < 3; i++) {
            step(gan, i);
        }
        gan.sample(manager, 3).close();
        gan.save(dir, "run");
    }

    /**
     * A run resumed from a checkpoint takes the same next steps as the uninterrupted run, bit for
     * bit: parameters, the generator's average, the counters (nCritic's phase), the latent stream,
     * the sampling stream and Adam's moments all come back.
     */
    @Test
    public void aResumedRunContinuesBitForBit() throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("gan-checkpoint");
        try (TinyRun saved = adamRun(b -> {});
                TinyRun loading = adamRun(b -> {})) {
            threeStepsSampledAndSaved(saved.gan(), dir);
            loading.gan().initialize(DATA);
            loading.gan().load(dir, "run");
            assertEquals(loading.gan().getSteps(), 3);
            NDAssert.assertEqual(loading.gan().sample(manager, 4), saved.gan().sample(manager, 4));
            for (int i = 3; i < 6; i++) {
                GanStepResult a = step(saved.gan(), i);
                GanStepResult b = step(loading.gan(), i);
                assertEquals(b.getDiscriminatorLoss(), a.getDiscriminatorLoss(), "step " + i);
                assertEquals(b.isGeneratorUpdated(), a.isGeneratorUpdated(), "step " + i);
                assertEquals(b.getGeneratorLoss(), a.getGeneratorLoss(), "step " + i);
            }
            assertEqualValues(
                    TinyGan.values(loading.g().getBlock()), TinyGan.values(saved.g().getBlock()));
            assertEqualValues(
                    TinyGan.values(loading.d().getBlock()), TinyGan.values(saved.d().getBlock()));
            NDArray z =
                    LatentSampler.normal(TinyGan.LATENT)
                            .withSeed(5)
                            .sample(manager, 4, saved.g().getDataType());
            NDAssert.assertEqual(
                    loading.gan().sample(new NDList(z)), saved.gan().sample(new NDList(z)));
            // the EMA file is a plain generator's parameter file
            try (Model plain = TinyGan.model("g", TinyGan.generator(), engineName)) {
                plain.load(dir, "run-generator-ema");
                assertEquals(plain.getBlock().getParameters().size(), 4);
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /**
     * A state file of format version 1 (before the sampling stream was saved; made here from a
     * version 2 file by dropping that stream's state) still loads: training resumes bit for bit and
     * the sampling stream stays where the loading trainer's was.
     */
    @Test
    public void aVersionOneCheckpointStillLoads() throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("gan-checkpoint");
        try (TinyRun saved = adamRun(b -> {});
                TinyRun loading = adamRun(b -> {})) {
            threeStepsSampledAndSaved(saved.gan(), dir);
            toVersionOne(dir.resolve("run-trainer-0003.state"));
            loading.gan().initialize(DATA);
            loading.gan()
                    .sample(manager, 3)
                    .close(); // its own sampling stream, as far as the saved one
            loading.gan().load(dir, "run");
            GanStepResult a = step(saved.gan(), 3);
            GanStepResult b = step(loading.gan(), 3);
            assertEquals(b.getDiscriminatorLoss(), a.getDiscriminatorLoss());
            assertEqualValues(
                    TinyGan.values(loading.d().getBlock()), TinyGan.values(saved.d().getBlock()));
            // the file has no sampling stream: the loading trainer's stays where it was, here
            // where the saved run's is
            NDAssert.assertEqual(loading.gan().sample(manager, 4), saved.gan().sample(manager, 4));
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** Rewrites a version 2 trainer state file as version 1: without the sampling stream. */
    private static void toVersionOne(Path file) throws IOException {
        DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeUTF(in.readUTF());
            assertEquals(in.readInt(), 2, "the files are written as version 2");
            out.writeInt(1);
            out.writeUTF(in.readUTF());
            out.writeLong(in.readLong());
            out.writeLong(in.readLong());
            int n = in.readInt();
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeLong(in.readLong());
            }
            int m = in.readInt(); // the sampling stream's state: dropped
            for (int i = 0; i < m; i++) {
                in.readLong();
            }
            in.transferTo(out);
        }
        Files.write(file, bytes.toByteArray());
    }

    /** DJL's own Adam cannot be saved: a resumed run restarts its moments and differs. */
    @Test
    public void djlsAdamRestartsItsMomentsOnResume() throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("gan-checkpoint");
        Consumer<GanTrainer.Builder> djlAdam =
                b ->
                        b.optGeneratorConfig(
                                        GanTrainer.config(
                                                "g",
                                                ai.djl.training.optimizer.Optimizer.adam().build()))
                                .optDiscriminatorConfig(
                                        GanTrainer.config(
                                                "d",
                                                ai.djl.training.optimizer.Optimizer.adam()
                                                        .build()));
        try (TinyRun saved = run(djlAdam);
                TinyRun loading = run(djlAdam)) {
            saved.gan().initialize(DATA);
            for (int i = 0; i < 3; i++) {
                step(saved.gan(), i);
            }
            saved.gan().save(dir, "run");
            loading.gan().initialize(DATA);
            loading.gan().load(dir, "run");
            assertEqualValues(
                    TinyGan.values(loading.d().getBlock()), TinyGan.values(saved.d().getBlock()));
            step(saved.gan(), 3);
            step(loading.gan(), 3);
            assertFalse(
                    equalValues(
                            TinyGan.values(loading.d().getBlock()),
                            TinyGan.values(saved.d().getBlock())),
                    "the moments restarted, so the step differs");
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static boolean equalValues(Map<String, float[]> a, Map<String, float[]> b) {
        for (String k : b.keySet()) {
            if (!Arrays.equals(a.get(k), b.get(k))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The generator's optimizer state is read after the discriminator's: when it does not fit, the
     * discriminator's optimizer keeps the state it had (here that of an earlier checkpoint loaded
     * before), not the damaged checkpoint's.
     */
    @Test
    public void aGeneratorOptimizerStateThatDoesNotFitChangesNothing()
            throws IOException, MalformedModelException {
        Path first = Files.createTempDirectory("gan-checkpoint");
        Path damaged = Files.createTempDirectory("gan-checkpoint");
        try (TinyRun saved = adamRun(b -> {});
                TinyRun loading = adamRun(b -> {})) {
            saved.gan().initialize(DATA);
            step(saved.gan(), 1);
            saved.gan().save(first, "run");
            step(saved.gan(), 2);
            step(saved.gan(), 3);
            saved.gan().save(damaged, "run");
            Path state = damaged.resolve("run-trainer-0003.state");
            byte[] savedD =
                    GanCheckpoint.optimizerState(saved.gan().discriminatorConfig(), saved.d());
            breakGeneratorOptimizerState(state);
            loading.gan().initialize(DATA);
            loading.gan().load(first, "run");
            byte[] dBefore =
                    GanCheckpoint.optimizerState(loading.gan().discriminatorConfig(), loading.d());
            byte[] gBefore =
                    GanCheckpoint.optimizerState(loading.gan().generatorConfig(), loading.g());
            assertFalse(Arrays.equals(dBefore, savedD), "the two states differ");
            Map<String, float[]> dValues = TinyGan.values(loading.d().getBlock());
            MalformedModelException e =
                    expectThrows(
                            MalformedModelException.class,
                            () -> loading.gan().load(damaged, "run"));
            assertMessage(
                    e,
                    "GanTrainer",
                    "generator optimizer state",
                    "does not fit",
                    "state version 99");
            assertEquals(
                    GanCheckpoint.optimizerState(loading.gan().discriminatorConfig(), loading.d()),
                    dBefore);
            assertEquals(
                    GanCheckpoint.optimizerState(loading.gan().generatorConfig(), loading.g()),
                    gBefore);
            assertEqualValues(TinyGan.values(loading.d().getBlock()), dValues);
            assertEquals(loading.gan().getSteps(), 1);
        } finally {
            TempDirs.delete(first);
            TempDirs.delete(damaged);
        }
    }

    /** Writes 99 over the version of the generator's optimizer state, the file's last field. */
    private static void breakGeneratorOptimizerState(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        in.readUTF();
        in.readInt();
        in.readUTF();
        in.readLong();
        in.readLong();
        for (int stream = 0; stream < 2; stream++) {
            int n = in.readInt();
            in.skipNBytes(8L * Math.max(n, 0));
        }
        in.skipNBytes(in.readInt()); // the discriminator's optimizer state
        int gLength = in.readInt();
        assertEquals(in.available(), gLength, "the generator's state is the last field");
        ByteBuffer.wrap(bytes).putInt(bytes.length - gLength, 99);
        Files.write(file, bytes);
    }

    @Test
    public void aDamagedCheckpointChangesNothing() throws IOException {
        Path dir = Files.createTempDirectory("gan-checkpoint");
        try (TinyRun saved = adamRun(b -> {});
                TinyRun loading = adamRun(b -> {})) {
            saved.gan().initialize(DATA);
            step(saved.gan(), 1);
            saved.gan().save(dir, "run");
            // cut the discriminator's file short: the generator and its average load first
            Path dFile = dir.resolve("run-discriminator-0001.params");
            try (RandomAccessFile f = new RandomAccessFile(dFile.toFile(), "rw")) {
                f.setLength(f.length() - 10);
            }
            loading.gan().initialize(DATA);
            Map<String, float[]> gBefore = TinyGan.values(loading.g().getBlock());
            Map<String, float[]> dBefore = TinyGan.values(loading.d().getBlock());
            NDArray z =
                    LatentSampler.normal(TinyGan.LATENT)
                            .withSeed(5)
                            .sample(manager, 4, saved.g().getDataType());
            float[] samplesBefore = loading.gan().sample(new NDList(z)).toFloatArray();
            MalformedModelException e =
                    expectThrows(
                            MalformedModelException.class, () -> loading.gan().load(dir, "run"));
            assertMessage(e, "Checkpoints", "discriminator", "bytes left in the file");
            assertEqualValues(TinyGan.values(loading.g().getBlock()), gBefore);
            assertEqualValues(TinyGan.values(loading.d().getBlock()), dBefore);
            assertEquals(
                    loading.gan().sample(new NDList(z)).toFloatArray(),
                    samplesBefore,
                    "EMA unchanged");
            assertEquals(loading.gan().getSteps(), 0);
            // and the untouched trainer still trains
            assertTrue(Float.isFinite(step(loading.gan(), 2).getDiscriminatorLoss()));
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    public void aCheckpointOfOtherOptionsIsRefused() throws IOException {
        Path dir = Files.createTempDirectory("gan-checkpoint");
        try (TinyRun saved = adamRun(b -> {});
                TinyRun loading = adamRun(b -> b.optSchedule(GanSchedule.nCritic(5)))) {
            saved.gan().initialize(DATA);
            saved.gan().save(dir, "run");
            loading.gan().initialize(DATA);
            MalformedModelException e =
                    expectThrows(
                            MalformedModelException.class, () -> loading.gan().load(dir, "run"));
            assertMessage(e, "GanTrainer", "nCritic 2", "nCritic 5");
            assertMessage(
                    expectThrows(
                            java.io.FileNotFoundException.class,
                            () -> loading.gan().load(dir, "nothing")),
                    "GanTrainer",
                    "nothing-trainer-NNNN.state");
            step(loading.gan(), 1);
            assertMessage(
                    expectThrows(IllegalStateException.class, () -> loading.gan().load(dir, "run")),
                    "GanTrainer",
                    "before the first step");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    public void fitCallsEachNetworksListeners() throws IOException, TranslateException {
        int[] batches = new int[2];
        int[] epochs = new int[2];
        DefaultTrainingConfig dConfig =
                TinyGan.sgd(0.05f)
                        .addTrainingListeners(
                                new EvaluatorTrainingListener(), counter(batches, epochs, 0));
        DefaultTrainingConfig gConfig =
                TinyGan.sgd(0.05f).addTrainingListeners(counter(batches, epochs, 1));
        try (Model g = TinyGan.model("g", TinyGan.generator(), engineName);
                Model d = TinyGan.model("d", TinyGan.discriminator(), engineName);
                GanTrainer gan =
                        trainer(
                                g,
                                d,
                                b ->
                                        b.optDiscriminatorConfig(dConfig)
                                                .optGeneratorConfig(gConfig)
                                                .optSchedule(GanSchedule.nCritic(2)))) {
            gan.initialize(DATA);
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(TinyGan.real(manager, 1, 32))
                            .setSampling(8, false)
                            .build();
            gan.fit(data, 3);
            assertEquals(gan.getSteps(), 12);
            assertEquals(batches[0], 12, "discriminator: every step");
            assertEquals(batches[1], 6, "generator: every second step");
            assertEquals(epochs[0], 3);
            assertEquals(epochs[1], 3);
            Trainer dTrainer = gan.getDiscriminatorTrainer();
            float loss = dTrainer.getTrainingResult().getTrainLoss();
            assertTrue(loss > 0 && Float.isFinite(loss), "reported loss " + loss);
        }
    }

    /**
     * A step that fails its NaN check leaves {@code fit} with the exception, after the listeners
     * heard only the steps before it; closing the GanTrainer still ends every listener ({@code
     * onTrainingEnd}, through DJL's {@code Trainer.close}), so a checkpoint listener saves the
     * parameters the failed step left unchanged.
     */
    @Test
    public void aFailedStepEndsFitAndClosingStillEndsEveryListener() {
        int[] batches = new int[2];
        int[] epochs = new int[2];
        int[] ends = new int[2];
        DefaultTrainingConfig dConfig =
                TinyGan.sgd(0.05f).addTrainingListeners(counter(batches, epochs, ends, 0));
        DefaultTrainingConfig gConfig =
                TinyGan.sgd(0.05f).addTrainingListeners(counter(batches, epochs, ends, 1));
        float[] x = TinyGan.real(manager, 1, 32).toFloatArray();
        x[2 * 8 * 2 + 3] = Float.NaN; // in the third batch of 8 rows of 2
        try (Model g = TinyGan.model("g", TinyGan.generator(), engineName);
                Model d = TinyGan.model("d", TinyGan.discriminator(), engineName)) {
            GanTrainer gan =
                    trainer(
                            g,
                            d,
                            b -> b.optDiscriminatorConfig(dConfig).optGeneratorConfig(gConfig));
            try (gan) {
                gan.initialize(DATA);
                ArrayDataset data =
                        new ArrayDataset.Builder()
                                .setData(manager.create(x, new Shape(32, 2)))
                                .setSampling(8, false)
                                .build();
                assertMessage(
                        expectThrows(IllegalStateException.class, () -> gan.fit(data, 1)),
                        "GanTrainer",
                        "step 3",
                        "discriminator's loss is NaN");
                assertEquals(gan.getSteps(), 2);
                assertEquals(batches, new int[] {2, 2}, "the steps before the failed one");
                assertEquals(epochs, new int[] {0, 0});
                assertEquals(ends, new int[] {0, 0}, "not before the trainer is closed");
            }
            assertEquals(ends, new int[] {1, 1}, "closing ends both networks' listeners");
        }
    }

    private static TrainingListenerAdapter counter(int[] batches, int[] epochs, int i) {
        return counter(batches, epochs, new int[2], i);
    }

    private static TrainingListenerAdapter counter(int[] batches, int[] epochs, int[] ends, int i) {
        return new TrainingListenerAdapter() {
            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                batches[i]++;
            }

            @Override
            public void onEpoch(Trainer trainer) {
                epochs[i]++;
            }

            @Override
            public void onTrainingEnd(Trainer trainer) {
                ends[i]++;
            }
        };
    }
}
