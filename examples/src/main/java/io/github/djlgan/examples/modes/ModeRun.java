package io.github.djlgan.examples.modes;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.examples.Shuffle;
import io.github.djlgan.examples.report.Table;
import io.github.djlgan.training.Adam;
import io.github.djlgan.training.GanSchedule;
import io.github.djlgan.training.GanStepResult;
import io.github.djlgan.training.GanTrainer;
import io.github.djlgan.training.LatentSampler;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * One run of a mode-coverage {@link Protocol}: a generator against a {@link Variant}'s
 * discriminator on a {@link GaussianMixture}, trained by a {@link GanTrainer} (simultaneous
 * updates, non-saturating loss, this project's Adam with the protocol's settings), measured by
 * {@link ModeMetrics} every {@link Settings#evalEvery()} iterations and at the end.
 *
 * <p>Data: {@link Protocol#METZ} draws a fresh batch every iteration; {@link Protocol#PACGAN} draws
 * a training set of 100,000 points once and, as PacGAN's code does, builds the m samples of each
 * pack from m bootstrap resamples of it (drawn with replacement, one per packing slot), shuffled
 * every epoch. A batch holds {@link Protocol#batch()} packs, so a packing discriminator sees as
 * many examples per batch as a plain one and the generator makes m times as many samples. Real
 * points come from a {@code java.util.Random}, latents from the trainer's Java stream, both seeded
 * with the run's seed, so the data are the same on every engine; the weights come from the engine's
 * generator, seeded with the same seed.
 *
 * <p>Evaluation: {@link Protocol#EVAL_SAMPLES} generator samples in inference mode — fresh latents
 * for Metz (GDPP draws new ones), one fixed set of latents for PacGAN (its code's fixed z), after
 * PacGAN's train-monitoring pass has refreshed the generator's batch-norm averages ({@link
 * Settings#monitoringBatches}).
 */
public final class ModeRun {

    /**
     * The generator batches of PacGAN's train-monitoring pass before each evaluation: 5,000
     * examples in batches of 100 ({@code streams.py}, {@code ShuffledScheme(5000, batch_size)}).
     */
    public static final int MONITORING_BATCHES = 50;

    /**
     * The options of a run that the protocol leaves open; build with {@link #builder(Protocol)}.
     *
     * @param iterations training iterations
     * @param evalEvery iterations between measurements (the last iteration is always measured)
     * @param groupSize MinibatchStdDev's group size (0 = the whole batch)
     * @param kernels MinibatchDiscrimination's K
     * @param kernelDim MinibatchDiscrimination's D
     * @param learningRateD the discriminator's learning rate (the protocol's unless overridden)
     * @param learningRateG the generator's learning rate (the protocol's unless overridden)
     * @param jointBatchNorm whether a packed run's generator normalises its whole batch of 100·m as
     *     one batch-norm batch, instead of each packing slot's 100 samples as a batch of their own
     *     (PacGAN's code, the default; see {@link #generatorBatchGroups})
     * @param invStdAverages whether the pacgan generator's batch norm keeps running averages of the
     *     inverse standard deviation (Lasagne) instead of the standard deviation (Blocks, PacGAN's
     *     code, the default); see {@link #generatorAveragesStdDev}
     * @param monitoringBatches the generator batches that update its batch-norm averages, with the
     *     weights frozen, before each evaluation (PacGAN's train-monitoring pass: 50; 0 = none);
     *     the Metz generator has no batch norm
     */
    public record Settings(
            int iterations,
            int evalEvery,
            int groupSize,
            int kernels,
            int kernelDim,
            float learningRateD,
            float learningRateG,
            boolean jointBatchNorm,
            boolean invStdAverages,
            int monitoringBatches) {

        /**
         * Starts settings with the protocol's values and the layers' defaults: MinibatchStdDev in
         * groups of 4 (StyleGAN2), MinibatchDiscrimination K × D = 100 × 5 (improved-gan).
         *
         * @param protocol the protocol
         * @return a builder
         */
        public static Builder builder(Protocol protocol) {
            return new Builder(protocol);
        }
    }

    /** Named construction of {@link Settings}. */
    public static final class Builder {
        private int iterations;
        private int evalEvery;
        private int groupSize = 4;
        private int kernels = 100;
        private int kernelDim = 5;
        private float learningRateD;
        private float learningRateG;
        private boolean jointBatchNorm;
        private boolean invStdAverages;
        private int monitoringBatches;

        Builder(Protocol protocol) {
            iterations = protocol.iterations();
            evalEvery = protocol == Protocol.METZ ? 2500 : 1000;
            monitoringBatches = protocol == Protocol.METZ ? 0 : MONITORING_BATCHES;
            learningRateD = protocol.learningRateD();
            learningRateG = protocol.learningRateG();
        }

        /**
         * Sets the training iterations.
         *
         * @param iterations the iterations, &ge; 1
         * @return this
         */
        public Builder iterations(int iterations) {
            this.iterations = iterations;
            return this;
        }

        /**
         * Sets the iterations between measurements.
         *
         * @param evalEvery the interval, &ge; 1
         * @return this
         */
        public Builder evalEvery(int evalEvery) {
            this.evalEvery = evalEvery;
            return this;
        }

        /**
         * Sets MinibatchStdDev's group size.
         *
         * @param groupSize the size, 0 = the whole batch
         * @return this
         */
        public Builder groupSize(int groupSize) {
            this.groupSize = groupSize;
            return this;
        }

        /**
         * Sets MinibatchDiscrimination's K and D.
         *
         * @param kernels K
         * @param kernelDim D
         * @return this
         */
        public Builder kernels(int kernels, int kernelDim) {
            this.kernels = kernels;
            this.kernelDim = kernelDim;
            return this;
        }

        /**
         * Overrides the protocol's learning rates.
         *
         * @param discriminator the discriminator's
         * @param generator the generator's
         * @return this
         */
        public Builder learningRates(float discriminator, float generator) {
            this.learningRateD = discriminator;
            this.learningRateG = generator;
            return this;
        }

        /**
         * Makes a packed run's generator normalise its whole batch as one batch-norm batch
         * (default: each packing slot's samples as a batch of their own, as PacGAN's code does).
         *
         * @param joint whether the whole batch is one batch-norm batch
         * @return this
         */
        public Builder jointBatchNorm(boolean joint) {
            this.jointBatchNorm = joint;
            return this;
        }

        /**
         * Makes the pacgan generator's batch norm average the inverse standard deviation, as
         * Lasagne does (default: the standard deviation, as the Blocks batch norm of PacGAN's
         * code). Only the evaluation depends on it: the averages are not used in training.
         *
         * @param invStd whether to average the inverse standard deviation
         * @return this
         */
        public Builder invStdAverages(boolean invStd) {
            this.invStdAverages = invStd;
            return this;
        }

        /**
         * Sets the generator batches that refresh its batch-norm averages before each evaluation
         * (default: pacgan 50, as PacGAN's train-monitoring pass; metz 0).
         *
         * @param batches the batches, &ge; 0
         * @return this
         */
        public Builder monitoringBatches(int batches) {
            this.monitoringBatches = batches;
            return this;
        }

        /**
         * Builds the settings.
         *
         * @return the settings
         * @throws IllegalArgumentException if a count is not positive
         */
        public Settings build() {
            if (iterations < 1
                    || evalEvery < 1
                    || groupSize < 0
                    || kernels < 1
                    || kernelDim < 1
                    || monitoringBatches < 0) {
                throw new IllegalArgumentException(
                        "ModeRun: need iterations, evalEvery, kernels, kernelDim >= 1 and"
                                + " groupSize, monitoringBatches >= 0");
            }
            return new Settings(
                    iterations,
                    evalEvery,
                    groupSize,
                    kernels,
                    kernelDim,
                    learningRateD,
                    learningRateG,
                    jointBatchNorm,
                    invStdAverages,
                    monitoringBatches);
        }
    }

    /**
     * One measurement.
     *
     * @param iteration the iterations done
     * @param metrics the mode metrics of the evaluation samples
     * @param lossD the discriminator's loss in the last iteration
     * @param lossG the generator's loss in the last iteration
     */
    public record Point(int iteration, ModeMetrics metrics, float lossD, float lossG) {}

    /**
     * The columns of curves.csv, one row per measurement of a run (read by plot-curves,
     * curves-table).
     */
    public static final List<String> CURVES_COLUMNS =
            List.of(
                    "protocol",
                    "data",
                    "variant",
                    "seed",
                    "iteration",
                    "modes",
                    "of",
                    "hq_pct",
                    "rkl",
                    "loss_d",
                    "loss_g");

    /**
     * A measurement as a row of {@link #CURVES_COLUMNS}: what curves.csv, a checkpoint's curve.csv
     * and a child's log hold.
     *
     * @param protocol the protocol
     * @param mixture the data
     * @param variant the variant
     * @param seed the seed
     * @param p the measurement
     * @return the cells, numbers formatted
     */
    static Object[] curveRow(
            Protocol protocol, GaussianMixture mixture, Variant variant, long seed, Point p) {
        ModeMetrics m = p.metrics();
        return new Object[] {
            protocol.id(),
            mixture.name(),
            variant.id(),
            seed,
            p.iteration(),
            m.modesCaptured(),
            m.numModes(),
            fmt(2, m.highQualityPercent()),
            fmt(4, m.reverseKl()),
            fmt(4, p.lossD()),
            fmt(4, p.lossG())
        };
    }

    /**
     * Formats a number for the tables: {@code decimals} places, a dot as the separator in every
     * locale.
     *
     * @param decimals the number of decimal places
     * @param value the number
     * @return the text
     */
    static String fmt(int decimals, double value) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** What a run tells as it goes ({@link #train}); each method does nothing unless overridden. */
    public interface Listener {

        /** Hears nothing. */
        Listener NONE = new Listener() {};

        /**
         * Called once, before any training, when the run resumes from a checkpoint — also when the
         * checkpoint is at the run's last iteration and nothing is left to train.
         *
         * @param iteration the checkpoint's iteration: the iterations done before this run
         */
        default void resumed(int iteration) {}

        /**
         * Called after each iteration trained.
         *
         * @param iteration the number of iterations finished
         */
        default void iteration(int iteration) {}

        /**
         * Called with each new measurement as soon as it is taken.
         *
         * @param point the measurement
         */
        default void point(Point point) {}
    }

    /**
     * The outcome of a run.
     *
     * @param curve the measurements, in order; the last is the final one
     * @param samples the final evaluation samples, flat x0, y0, x1, y1, …
     * @param seconds wall-clock time of the run
     */
    public record Result(List<Point> curve, float[] samples, double seconds) {

        /**
         * Returns the final measurement.
         *
         * @return the last point of the curve
         */
        public Point last() {
            return curve.get(curve.size() - 1);
        }

        /**
         * Writes the result to a file in this project's binary format (big-endian, floats and
         * doubles bit for bit), for {@link #read(Path)}.
         *
         * @param file the file
         * @throws IOException if it cannot be written
         */
        public void write(Path file) throws IOException {
            try (DataOutputStream out =
                    new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
                writeTo(out);
            }
        }

        /** Writes the result to a stream: magic, time, samples, curve. */
        void writeTo(DataOutputStream out) throws IOException {
            out.writeInt(RESULT_MAGIC);
            out.writeDouble(seconds);
            out.writeInt(samples.length);
            for (float v : samples) {
                out.writeFloat(v);
            }
            out.writeInt(curve.size());
            for (Point p : curve) {
                ModeMetrics m = p.metrics();
                out.writeInt(p.iteration());
                out.writeFloat(p.lossD());
                out.writeFloat(p.lossG());
                out.writeInt(m.numModes());
                out.writeInt(m.numSamples());
                out.writeInt(m.modesCaptured());
                out.writeDouble(m.highQualityPercent());
                out.writeDouble(m.reverseKl());
                int[] histogram = m.histogram();
                out.writeInt(histogram.length);
                for (int h : histogram) {
                    out.writeInt(h);
                }
            }
        }

        /**
         * Reads a result written by {@link #write(Path)}.
         *
         * @param file the file
         * @return the result, equal value for value to the one written
         * @throws IOException if it cannot be read or is not such a file
         */
        public static Result read(Path file) throws IOException {
            try (DataInputStream in =
                    new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                Result r = readFrom(in, file);
                if (in.read() != -1) {
                    throw new IOException("trailing bytes in a ModeRun result: " + file);
                }
                return r;
            }
        }

        /** Reads what {@link #writeTo} wrote; {@code source} names the stream in errors. */
        static Result readFrom(DataInputStream in, Path source) throws IOException {
            if (in.readInt() != RESULT_MAGIC) {
                throw new IOException("not a ModeRun result: " + source);
            }
            double seconds = in.readDouble();
            float[] samples = new float[in.readInt()];
            for (int i = 0; i < samples.length; i++) {
                samples[i] = in.readFloat();
            }
            int points = in.readInt();
            List<Point> curve = new ArrayList<>(points);
            for (int i = 0; i < points; i++) {
                int iteration = in.readInt();
                float lossD = in.readFloat();
                float lossG = in.readFloat();
                int numModes = in.readInt();
                int numSamples = in.readInt();
                int captured = in.readInt();
                double highQuality = in.readDouble();
                double reverseKl = in.readDouble();
                int[] histogram = new int[in.readInt()];
                for (int j = 0; j < histogram.length; j++) {
                    histogram[j] = in.readInt();
                }
                curve.add(
                        new Point(
                                iteration,
                                new ModeMetrics(
                                        numModes,
                                        numSamples,
                                        captured,
                                        highQuality,
                                        reverseKl,
                                        histogram),
                                lossD,
                                lossG));
            }
            return new Result(List.copyOf(curve), samples, seconds);
        }
    }

    /** The first four bytes of a result file, "MR" and format version 1. */
    private static final int RESULT_MAGIC = 0x4d520001;

    private ModeRun() {}

    /**
     * Trains one GAN and measures it along the way, saving checkpoints and resuming from the newest
     * as {@code checkpoints} says. A resumed run continues from its checkpoint's iteration and
     * returns the whole curve and final samples, equal to the uninterrupted run's on the same
     * engine with the same settings, and the time of all its parts. Resumed with other evaluation
     * options ({@link RunCheckpoints#evaluation}), it trains the same but evaluates the points
     * after the checkpoint with the new options (standard error says so).
     *
     * @param engine the engine
     * @param protocol the protocol
     * @param mixture the real distribution
     * @param variant the discriminator variant
     * @param settings the run's options
     * @param seed the seed of the data, the latents and the weights
     * @param checkpoints where and how often to save, and whether to resume
     * @param listener told of a resumption, of each iteration and of each measurement as they
     *     happen
     * @return the curve, the final samples and the time
     * @throws IllegalArgumentException if the checkpoint to resume from is of another run or beyond
     *     {@code settings.iterations()}, or if the run would save over its checkpoints without
     *     resuming
     */
    public static Result train(
            Engine engine,
            Protocol protocol,
            GaussianMixture mixture,
            Variant variant,
            Settings settings,
            long seed,
            RunCheckpoints checkpoints,
            Listener listener) {
        engine.setRandomSeed((int) seed);
        Random random = new Random(seed);
        int m = variant.packing();
        long start = System.nanoTime();
        double before = 0;
        List<Point> curve = new ArrayList<>();
        String identity =
                RunCheckpoints.identity(
                        engine.getEngineName(), protocol, mixture, variant, settings, seed);
        Path runDir = checkpoints.runDir(mixture, variant, seed);
        try (Networks networks = networks(engine, protocol, variant, settings, seed);
                NDManager base = engine.newBaseManager()) {
            GanTrainer gan = networks.trainer();
            int batch = networks.batch();
            RealData data = new RealData(protocol, mixture, random, batch, m);
            NDArray fixedZ =
                    LatentSampler.normal(protocol.latent())
                            .withSeed(seed + 2333)
                            .sample(base, Protocol.EVAL_SAMPLES, DataType.FLOAT32);
            GanStepResult last = null;
            float[] samples = null;
            int done = 0;
            RunCheckpoints.State resumed =
                    checkpoints.resume(
                            runDir,
                            gan,
                            identity,
                            RunCheckpoints.evaluation(protocol, settings),
                            settings.iterations());
            if (resumed != null) {
                done = resumed.iteration();
                before = resumed.seconds();
                data.restore(resumed.random(), resumed.order(), resumed.position());
                if (resumed.sofar() != null) {
                    curve.addAll(resumed.sofar().curve());
                    samples = resumed.sofar().samples();
                }
                listener.resumed(done);
            }
            for (int t = done + 1; t <= settings.iterations(); t++) {
                try (NDManager s = base.newSubManager()) {
                    last = gan.step(new NDList(s.create(data.next(), new Shape(batch, 2))));
                }
                listener.iteration(t);
                if (t % settings.evalEvery() == 0 || t == settings.iterations()) {
                    monitoringPass(networks, protocol, settings.monitoringBatches(), seed, t);
                    try (NDManager s = base.newSubManager()) {
                        NDArray out =
                                protocol == Protocol.METZ
                                        ? gan.sample(s, Protocol.EVAL_SAMPLES)
                                        : gan.sample(new NDList(fixedZ));
                        samples = out.toFloatArray();
                        out.close();
                    }
                    Point point =
                            new Point(
                                    t,
                                    ModeMetrics.of(mixture, samples),
                                    last.getDiscriminatorLoss(),
                                    last.getGeneratorLoss());
                    curve.add(point);
                    listener.point(point);
                }
                if (checkpoints.due(t, settings.iterations())) {
                    double seconds = before + (System.nanoTime() - start) / 1e9;
                    Table rows = new Table(CURVES_COLUMNS.toArray(String[]::new));
                    for (Point p : curve) {
                        rows.add(curveRow(protocol, mixture, variant, seed, p));
                    }
                    checkpoints.save(
                            runDir,
                            gan,
                            new RunCheckpoints.State(
                                    identity,
                                    RunCheckpoints.evaluation(protocol, settings),
                                    t,
                                    seconds,
                                    data.random,
                                    data.order,
                                    data.position,
                                    samples == null
                                            ? null
                                            : new Result(List.copyOf(curve), samples, seconds)),
                            rows);
                }
            }
            return new Result(curve, samples, before + (System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * The batch groups of the generator's batch norm ({@link
     * io.github.djlgan.nn.norm.LasagneBatchNorm.Builder#optBatchGroups}): with packing m on {@link
     * Protocol#PACGAN}, m — each packing slot's samples are normalised as a batch of their own, and
     * the running averages follow the mean of the slots' statistics, as in PacGAN's code, which
     * runs the generator once per slot — unless the settings ask for one joint batch; 1 otherwise
     * (the Metz generator has no batch norm).
     *
     * @param protocol the protocol
     * @param variant the variant
     * @param settings the settings
     * @return the groups g
     */
    public static int generatorBatchGroups(Protocol protocol, Variant variant, Settings settings) {
        return protocol == Protocol.PACGAN && !settings.jointBatchNorm() ? variant.packing() : 1;
    }

    /**
     * Whether the generator's batch norm keeps a running average of the batch standard deviation
     * ({@link io.github.djlgan.nn.norm.LasagneBatchNorm.Builder#optAverageStdDev}): on {@link
     * Protocol#PACGAN}, as PacGAN's code does with the population standard deviation of Blocks'
     * batch norm, unless the settings ask for Lasagne's average of the inverse. The averages serve
     * only the evaluation (inference mode): training normalises with batch statistics, so the
     * trained weights are the same either way, and a checkpoint resumes under either (with the
     * default evaluation every 1,000 iterations and checkpoints at evaluations, the next evaluation
     * comes 1,000 updates of α = 0.05 later, where the averages kept from before weigh
     * 0.95<sup>1000</sup> ≈ 5·10<sup>-23</sup>).
     *
     * @param protocol the protocol
     * @param settings the settings
     * @return whether σ is averaged
     */
    public static boolean generatorAveragesStdDev(Protocol protocol, Settings settings) {
        return protocol == Protocol.PACGAN && !settings.invStdAverages();
    }

    /**
     * PacGAN's train-monitoring pass, which its code runs after every epoch before the metrics: the
     * generator in training mode on {@code batches} batches of fresh latents (the training batch,
     * 100·m), no gradients and no parameter change, so only its batch-norm averages move — towards
     * the statistics of the current weights (α = 0.05: 50 batches leave 0.95<sup>50</sup> ≈ 8 % of
     * the averages from before). The latents come from a stream of their own, seeded by the run's
     * seed and the iteration, so the training and a resumed run are unchanged.
     */
    static void monitoringPass(
            Networks networks, Protocol protocol, int batches, long seed, int iteration) {
        if (batches == 0) {
            return;
        }
        Block generator = networks.generator().getBlock();
        LatentSampler latents =
                LatentSampler.normal(protocol.latent())
                        .withSeed(new Random(seed ^ (0x9E3779B97F4A7C15L * iteration)).nextLong());
        for (int i = 0; i < batches; i++) {
            try (NDManager s = networks.generator().getNDManager().newSubManager()) {
                NDArray z = latents.sample(s, networks.batch(), DataType.FLOAT32);
                generator.forward(new ParameterStore(s, false), new NDList(z), true);
            }
        }
    }

    /**
     * Builds a run's generator, its variant's discriminator and their {@link GanTrainer}
     * (simultaneous updates, packing m, non-saturating loss, Adam with the protocol's β₁ and the
     * settings' learning rates, latents from a stream seeded with {@code seed}), initialized for
     * batches of {@code protocol.batch() · m} points of shape (N, 2) with weights from the engine's
     * generator. {@link #train} trains what this returns; the {@code metz_step} and {@code
     * pacgan_step} benchmark cases time its steps.
     *
     * @param engine the engine
     * @param protocol the protocol
     * @param variant the discriminator variant
     * @param settings the learning rates and the minibatch layers' options
     * @param seed the seed of the latent stream
     * @return the initialized networks and trainer; closing it closes all of them
     */
    public static Networks networks(
            Engine engine, Protocol protocol, Variant variant, Settings settings, long seed) {
        return networks(engine, protocol, variant, settings, seed, b -> {});
    }

    /**
     * {@link #networks(Engine, Protocol, Variant, Settings, long)} with more trainer options (the
     * {@code _grad_check} benchmark cases set {@link GanTrainer.Builder#optCheckFinite}).
     *
     * @param engine the engine
     * @param protocol the protocol
     * @param variant the discriminator variant
     * @param settings the learning rates and the minibatch layers' options
     * @param seed the seed of the latent stream
     * @param options applied to the trainer's builder last
     * @return the initialized networks and trainer; closing it closes all of them
     */
    public static Networks networks(
            Engine engine,
            Protocol protocol,
            Variant variant,
            Settings settings,
            long seed,
            Consumer<GanTrainer.Builder> options) {
        int m = variant.packing();
        int batch = protocol.batch() * m;
        Model gModel = Model.newInstance("generator", engine.getEngineName());
        Model dModel = Model.newInstance("discriminator", engine.getEngineName());
        GanTrainer gan = null;
        try {
            gModel.setBlock(
                    protocol.generator(
                            generatorBatchGroups(protocol, variant, settings),
                            generatorAveragesStdDev(protocol, settings)));
            dModel.setBlock(variant.discriminator(protocol, settings));
            GanTrainer.Builder builder =
                    GanTrainer.builder()
                            .setGenerator(gModel)
                            .setDiscriminator(dModel)
                            .optLatent(LatentSampler.normal(protocol.latent()).withSeed(seed))
                            .optSchedule(GanSchedule.simultaneous())
                            .optPacking(m)
                            .optGeneratorConfig(adam(settings.learningRateG(), protocol.beta1()))
                            .optDiscriminatorConfig(
                                    adam(settings.learningRateD(), protocol.beta1()));
            options.accept(builder);
            gan = builder.build();
            gan.initialize(new Shape(batch, 2));
            return new Networks(gModel, dModel, gan, batch);
        } catch (RuntimeException e) {
            if (gan != null) {
                gan.close();
            }
            dModel.close();
            gModel.close();
            throw e;
        }
    }

    /**
     * A run's two models and their trainer, as {@link #networks} builds them.
     *
     * @param generator the generator's model
     * @param discriminator the discriminator's model
     * @param trainer the trainer of the two, initialized
     * @param batch the points per real batch: the protocol's batch times the packing
     */
    public record Networks(Model generator, Model discriminator, GanTrainer trainer, int batch)
            implements AutoCloseable {

        /** Closes the trainer, then both models. */
        @Override
        public void close() {
            try {
                trainer.close();
            } finally {
                try {
                    discriminator.close();
                } finally {
                    generator.close();
                }
            }
        }
    }

    private static ai.djl.training.DefaultTrainingConfig adam(float learningRate, float beta1) {
        return GanTrainer.config(
                "loss",
                Adam.builder()
                        .optLearningRateTracker(Tracker.fixed(learningRate))
                        .optBeta1(beta1)
                        .optBeta2(0.999f)
                        .optEpsilon(1e-8f)
                        .build());
    }

    /** The real batches of a run, as the protocol draws them. */
    static final class RealData {
        private final GaussianMixture mixture;
        private final int batch;
        private final int packing;
        private final float[] set;
        private final int[][] slots;
        private Random random;
        private int[] order = new int[0];
        private int position;

        RealData(Protocol protocol, GaussianMixture mixture, Random random, int batch, int m) {
            this.mixture = mixture;
            this.random = random;
            this.batch = batch;
            this.packing = m;
            if (protocol.fixedTrainingSet()) {
                set = mixture.sample(random, Protocol.TRAINING_SET);
                // PacGAN's datasets.py: one bootstrap resample of the set per packing slot
                slots = new int[m][Protocol.TRAINING_SET];
                for (int j = 0; j < m; j++) {
                    for (int i = 0; i < Protocol.TRAINING_SET; i++) {
                        slots[j][i] = random.nextInt(Protocol.TRAINING_SET);
                    }
                }
            } else {
                set = null;
                slots = null;
            }
        }

        /**
         * Continues a stream saved in a checkpoint: its generator, permutation and position (the
         * training set and its resamples, drawn first from the seed, are the same).
         */
        void restore(Random savedRandom, int[] savedOrder, int savedPosition) {
            random = savedRandom;
            order = savedOrder;
            position = savedPosition;
        }

        /** The next batch of points, flat; consecutive m points form a pack. */
        float[] next() {
            if (set == null) {
                return mixture.sample(random, batch);
            }
            int rows = batch / packing;
            if (position + rows > order.length) {
                order = Shuffle.permutation(Protocol.TRAINING_SET, random);
                position = 0;
            }
            float[] points = new float[2 * batch];
            for (int r = 0; r < rows; r++) {
                int row = order[position + r];
                for (int j = 0; j < packing; j++) {
                    int point = slots[j][row];
                    int k = 2 * (r * packing + j);
                    points[k] = set[2 * point];
                    points[k + 1] = set[2 * point + 1];
                }
            }
            position += rows;
            return points;
        }
    }
}
