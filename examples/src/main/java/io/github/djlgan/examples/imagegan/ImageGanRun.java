package io.github.djlgan.examples.imagegan;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.examples.Shuffle;
import io.github.djlgan.examples.fashion.FashionMnistData;
import io.github.djlgan.examples.plot.Plots;
import io.github.djlgan.training.Adam;
import io.github.djlgan.training.GanSchedule;
import io.github.djlgan.training.GanStepResult;
import io.github.djlgan.training.GanTrainer;
import io.github.djlgan.training.LatentSampler;
import io.github.djlgan.training.Progress;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.LongConsumer;

/**
 * One variant's run: a {@link GanTrainer} over Fashion-MNIST for a number of epochs, measured by
 * {@link ImageGanEval} and drawn as a sample grid after every epoch, then saved and packaged
 * ({@link GeneratorPackage}).
 */
final class ImageGanRun {

    private ImageGanRun() {}

    /**
     * The options every variant is run with.
     *
     * @param epochs passes over the training images
     * @param batch real images per step
     * @param stepsPerEpoch steps per epoch (the training images / batch unless set smaller)
     * @param emaDecay the generator's moving-average decay, 0 = off
     * @param criticSteps discriminator steps per generator step, 0 = the variant's
     * @param gridSide the sample grid is gridSide × gridSide images
     * @param liveFd whether, when the moving average is on, the trained generator itself is also
     *     measured (its FD only; the time counts in the measurement's)
     */
    record Settings(
            int epochs,
            int batch,
            int stepsPerEpoch,
            float emaDecay,
            int criticSteps,
            int gridSide,
            boolean liveFd) {}

    /**
     * One epoch's measurement.
     *
     * @param epoch the epoch, from 1
     * @param fd the Fréchet distance of the generated images (of the moving average when it is on)
     * @param fdLive the Fréchet distance of the trained generator's own images (= fd without a
     *     moving average; NaN if not measured)
     * @param coverage their predicted classes (null if the images were not finite)
     * @param lossD the discriminator's mean loss over the epoch
     * @param lossG the generator's mean loss over its updates in the epoch
     * @param trainSeconds the epoch's training time (wall clock)
     * @param trainCpuSeconds the CPU time the process used for it (all threads)
     * @param evalSeconds the measurement's time (wall clock, the live generator's FD included)
     */
    record Point(
            int epoch,
            double fd,
            double fdLive,
            ClassCoverage coverage,
            double lossD,
            double lossG,
            double trainSeconds,
            double trainCpuSeconds,
            double evalSeconds) {

        int covered() {
            return coverage == null ? 0 : coverage.covered();
        }

        double kl() {
            return coverage == null ? Double.NaN : coverage.klToUniform();
        }
    }

    /**
     * A variant's outcome.
     *
     * @param variant the variant
     * @param criticSteps the discriminator steps per generator step it ran with
     * @param curve one point per epoch
     * @param packaged what the packaged generator's check found
     */
    record Result(
            ImageGanVariant variant,
            int criticSteps,
            List<Point> curve,
            GeneratorPackage.Check packaged) {

        Point last() {
            return curve.get(curve.size() - 1);
        }

        double meanTrainSeconds() {
            return curve.stream().mapToDouble(Point::trainSeconds).average().orElse(Double.NaN);
        }

        double meanTrainCpuSeconds() {
            return curve.stream().mapToDouble(Point::trainCpuSeconds).average().orElse(Double.NaN);
        }

        double meanEvalSeconds() {
            return curve.stream().mapToDouble(Point::evalSeconds).average().orElse(Double.NaN);
        }

        /**
         * Writes the result to a file in this project's binary format (doubles bit for bit), for
         * {@link #read(Path)}.
         *
         * @param file the file
         * @throws IOException if it cannot be written
         */
        void write(Path file) throws IOException {
            try (DataOutputStream out =
                    new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
                out.writeInt(RESULT_MAGIC);
                out.writeUTF(variant.id());
                out.writeInt(criticSteps);
                out.writeInt(curve.size());
                for (Point p : curve) {
                    out.writeInt(p.epoch());
                    out.writeDouble(p.fd());
                    out.writeDouble(p.fdLive());
                    out.writeBoolean(p.coverage() != null);
                    if (p.coverage() != null) {
                        int[] counts = p.coverage().counts();
                        out.writeInt(counts.length);
                        for (int c : counts) {
                            out.writeInt(c);
                        }
                        out.writeLong(p.coverage().total());
                    }
                    out.writeDouble(p.lossD());
                    out.writeDouble(p.lossG());
                    out.writeDouble(p.trainSeconds());
                    out.writeDouble(p.trainCpuSeconds());
                    out.writeDouble(p.evalSeconds());
                }
                out.writeUTF(packaged.zip().toString());
                out.writeInt(packaged.maxAbsDiff().size());
                for (Map.Entry<String, Double> e : packaged.maxAbsDiff().entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeDouble(e.getValue());
                }
                out.writeBoolean(packaged.imagesOk());
            }
        }

        /**
         * Reads a result written by {@link #write(Path)}.
         *
         * @param file the file
         * @return the result, equal value for value to the one written
         * @throws IOException if it cannot be read or is not such a file
         */
        static Result read(Path file) throws IOException {
            try (DataInputStream in =
                    new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                if (in.readInt() != RESULT_MAGIC) {
                    throw new IOException("not an ImageGanRun result: " + file);
                }
                ImageGanVariant variant = ImageGanVariant.of(in.readUTF());
                int criticSteps = in.readInt();
                int points = in.readInt();
                List<Point> curve = new ArrayList<>(points);
                for (int i = 0; i < points; i++) {
                    int epoch = in.readInt();
                    double fd = in.readDouble();
                    double fdLive = in.readDouble();
                    ClassCoverage coverage = null;
                    if (in.readBoolean()) {
                        int[] counts = new int[in.readInt()];
                        for (int j = 0; j < counts.length; j++) {
                            counts[j] = in.readInt();
                        }
                        coverage = new ClassCoverage(counts, in.readLong());
                    }
                    curve.add(
                            new Point(
                                    epoch,
                                    fd,
                                    fdLive,
                                    coverage,
                                    in.readDouble(),
                                    in.readDouble(),
                                    in.readDouble(),
                                    in.readDouble(),
                                    in.readDouble()));
                }
                Path zip = Path.of(in.readUTF());
                int engines = in.readInt();
                Map<String, Double> diffs = new LinkedHashMap<>();
                for (int i = 0; i < engines; i++) {
                    diffs.put(in.readUTF(), in.readDouble());
                }
                boolean imagesOk = in.readBoolean();
                if (in.read() != -1) {
                    throw new IOException("trailing bytes in an ImageGanRun result: " + file);
                }
                return new Result(
                        variant,
                        criticSteps,
                        List.copyOf(curve),
                        new GeneratorPackage.Check(zip, diffs, imagesOk));
            }
        }
    }

    /** The first four bytes of a result file, "IG" and format version 1. */
    private static final int RESULT_MAGIC = 0x49470001;

    /**
     * Trains and measures one variant.
     *
     * @param engine the engine
     * @param variant the variant
     * @param settings the run's options
     * @param train the training images
     * @param trainImages how many of them are used (the first ones)
     * @param eval the measurement
     * @param out the output directory
     * @param seed the seed of the weights, the data order and the latents
     * @param onStep called with the steps done after each one instead of drawing a progress bar;
     *     null = draw one
     * @return the curve and the packaging check
     * @throws IOException if an output cannot be written
     */
    static Result train(
            Engine engine,
            ImageGanVariant variant,
            Settings settings,
            FashionMnistData train,
            int trainImages,
            ImageGanEval eval,
            Path out,
            long seed,
            LongConsumer onStep)
            throws IOException {
        engine.setRandomSeed((int) seed);
        Random random = new Random(seed);
        int k = settings.criticSteps() > 0 ? settings.criticSteps() : variant.criticSteps();
        int steps = settings.stepsPerEpoch();
        List<Point> curve = new ArrayList<>();
        try (Model gModel = Model.newInstance("generator", engine.getEngineName());
                Model dModel = Model.newInstance("discriminator", engine.getEngineName())) {
            gModel.setBlock(variant.generator());
            dModel.setBlock(variant.discriminator());
            GanTrainer.Builder builder =
                    GanTrainer.builder()
                            .setGenerator(gModel)
                            .setDiscriminator(dModel)
                            .optLoss(variant.loss().objective())
                            .optSchedule(GanSchedule.nCritic(k))
                            .optLatent(LatentSampler.normal(ImageGanNetworks.LATENT).withSeed(seed))
                            .optGeneratorConfig(adam(variant, "generator_loss"))
                            .optDiscriminatorConfig(adam(variant, "discriminator_loss"))
                            .optGeneratorDataInit(false);
            if (settings.emaDecay() > 0) {
                builder.optGeneratorEma(settings.emaDecay());
            }
            try (GanTrainer gan = builder.build();
                    NDManager base = engine.newBaseManager();
                    Progress progress =
                            onStep != null
                                    ? null
                                    : new Progress(
                                            variant.id(), (long) settings.epochs() * steps)) {
                gan.initialize(
                        new ai.djl.ndarray.types.Shape(settings.batch())
                                .addAll(ImageBatches.IMAGE));
                if (variant.dataInit()) {
                    // Salimans & Kingma 2016: one pass of real images sets the discriminator's
                    // weight-norm scales and biases; improved-gan used 500
                    int[] idx = Shuffle.permutation(trainImages, new Random(seed + 1));
                    int n = Math.min(500, trainImages);
                    int[] first = new int[n];
                    System.arraycopy(idx, 0, first, 0, n);
                    try (NDManager s = base.newSubManager()) {
                        gan.dataInit(new NDList(ImageBatches.images(s, train, first)));
                    }
                }
                for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                    int[] order = Shuffle.permutation(trainImages, random);
                    double sumD = 0;
                    double sumG = 0;
                    int updatesG = 0;
                    long started = System.nanoTime();
                    long cpuStarted = processCpuNanos();
                    for (int t = 0; t < steps; t++) {
                        int[] idx = FashionMnistData.batch(order, t, settings.batch());
                        GanStepResult r;
                        try (NDManager s = base.newSubManager()) {
                            r = gan.step(new NDList(ImageBatches.images(s, train, idx)));
                        }
                        sumD += r.getDiscriminatorLoss();
                        if (r.isGeneratorUpdated()) {
                            sumG += r.getGeneratorLoss();
                            updatesG++;
                        }
                        long done = (long) (epoch - 1) * steps + t + 1;
                        if (onStep != null) {
                            onStep.accept(done);
                        } else {
                            progress.update(
                                    done,
                                    String.format(
                                            Locale.ROOT,
                                            "epoch %d/%d  D %.3f  G %.3f",
                                            epoch,
                                            settings.epochs(),
                                            r.getDiscriminatorLoss(),
                                            r.isGeneratorUpdated()
                                                    ? r.getGeneratorLoss()
                                                    : Float.NaN));
                        }
                    }
                    double trainSeconds = (System.nanoTime() - started) / 1e9;
                    double trainCpuSeconds = cpuSecondsSince(cpuStarted);
                    long evalStarted = System.nanoTime();
                    int gridImages = settings.gridSide() * settings.gridSide();
                    ImageGanEval.Measurement m = eval.measure(gan::sample, gridImages);
                    double fdLive = settings.emaDecay() > 0 ? Double.NaN : m.fd();
                    if (settings.emaDecay() > 0 && settings.liveFd()) {
                        Block g = gModel.getBlock();
                        fdLive = eval.measure(z -> infer(g, z), 0).fd();
                    }
                    double evalSeconds = (System.nanoTime() - evalStarted) / 1e9;
                    Point p =
                            new Point(
                                    epoch,
                                    m.fd(),
                                    fdLive,
                                    m.coverage(),
                                    sumD / steps,
                                    updatesG > 0 ? sumG / updatesG : Double.NaN,
                                    trainSeconds,
                                    trainCpuSeconds,
                                    evalSeconds);
                    curve.add(p);
                    writeGrid(m.grid(), settings.gridSide(), variant, p, engine, out);
                }
                GeneratorPackage.Check check =
                        GeneratorPackage.saveAndPackage(gan, variant, out, eval, engine);
                return new Result(variant, k, curve, check);
            }
        }
    }

    /** The CPU time of the whole process (every thread, the engine's too); −1 if unknown. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The process's CPU seconds since a {@link #processCpuNanos} reading; NaN if unknown. */
    private static double cpuSecondsSince(long started) {
        long now = processCpuNanos();
        return started < 0 || now < 0 ? Double.NaN : (now - started) / 1e9;
    }

    /** The trained generator's own output, in inference mode. */
    private static NDArray infer(Block generator, NDList latents) {
        ParameterStore store = new ParameterStore(latents.head().getManager(), false);
        return generator.forward(store, latents, false).head();
    }

    private static DefaultTrainingConfig adam(ImageGanVariant variant, String lossName) {
        return GanTrainer.config(
                lossName,
                Adam.builder()
                        .optLearningRateTracker(Tracker.fixed(variant.learningRate()))
                        .optBeta1(variant.beta1())
                        .optBeta2(variant.beta2())
                        .optEpsilon(1e-8f)
                        .build());
    }

    private static void writeGrid(
            float[] grid, int side, ImageGanVariant variant, Point p, Engine engine, Path out) {
        int count = grid.length / FashionMnistData.PIXELS;
        String title =
                String.format(
                        Locale.ROOT,
                        "%s, epoch %d (%s): FD %.2f, %d classes, KL %.3f",
                        variant.id(),
                        p.epoch(),
                        engine.getEngineName(),
                        p.fd(),
                        p.covered(),
                        p.kl());
        Plots.write(
                Plots.imageGrid(
                        ImageBatches.toUnit(grid.clone()),
                        count,
                        FashionMnistData.SIDE,
                        FashionMnistData.SIDE,
                        side,
                        2,
                        title),
                out.resolve(
                        String.format(
                                Locale.ROOT,
                                "samples-%s-epoch-%02d.png",
                                variant.fileId(),
                                p.epoch())));
    }
}
