package io.github.djlgan.examples.fashion;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.util.ProgressBar;
import io.github.djlgan.examples.CommonOptions;
import io.github.djlgan.examples.Shuffle;
import io.github.djlgan.examples.UsageErrors;
import io.github.djlgan.examples.gan.ImprovedGan;
import io.github.djlgan.examples.plot.Plots;
import io.github.djlgan.examples.report.Stats;
import io.github.djlgan.examples.report.Table;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Semi-supervised Fashion-MNIST with improved-gan's feature-matching GAN ({@link
 * SemiSupervisedGan}) against a supervised-only baseline on the same labelled examples.
 *
 * <p>An epoch is one pass over the 60,000 training images as unlabelled data (600 steps of 100);
 * the labelled examples are cycled to fill the same number of batches. After every epoch both
 * classifiers are evaluated on the 10,000 test images, and a grid of generated samples (the same
 * latent vectors every epoch) is written. Writes to {@code --out}: {@code samples-epoch-NN.png},
 * {@code accuracy.md}, {@code accuracy.csv}.
 */
@Command(
        name = "fashion-mnist",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Semi-supervised Fashion-MNIST: improved-gan's feature-matching GAN (GaussianNoise +"
                    + " WeightNorm discriminator, batch-norm generator) vs a supervised-only"
                    + " baseline on the same labelled examples.",
            "Data: Debian package dataset-fashion-mnist (or --data DIR with the four"
                    + " *-ubyte.gz files)."
        })
public final class FashionMnistGan implements Callable<Integer> {

    @Mixin CommonOptions common;

    @Spec CommandSpec spec;

    @Option(
            names = "--data",
            description = "Directory of the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
    Path data = FashionMnistData.DEFAULT_DIR;

    @Option(
            names = "--labels",
            defaultValue = "100",
            description =
                    "Labelled training examples, balanced over the 10 classes (default:"
                            + " ${DEFAULT-VALUE}).")
    int labels;

    @Option(
            names = "--epochs",
            defaultValue = "10",
            description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--steps-per-epoch",
            defaultValue = "0",
            description =
                    "Steps per epoch; 0 = one pass over the unlabelled training images (default:"
                            + " ${DEFAULT-VALUE}).")
    int stepsPerEpoch;

    @Option(
            names = "--batch",
            defaultValue = "100",
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--lr",
            defaultValue = "" + ImprovedGan.LEARNING_RATE,
            description = "Adam learning rate (default: ${DEFAULT-VALUE}, improved-gan's).")
    float learningRate;

    @Option(
            names = "--beta1",
            defaultValue = "0.5",
            description = "Adam beta1 (default: ${DEFAULT-VALUE}).")
    float beta1;

    @Option(
            names = "--test-size",
            defaultValue = "10000",
            description = "Test images evaluated after each epoch (default: ${DEFAULT-VALUE}).")
    int testSize;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        if (epochs < 1 || batch < 2 || stepsPerEpoch < 0 || testSize < 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "need --epochs >= 1, --batch >= 2, --steps-per-epoch >= 0, --test-size >= 1");
        }
        FashionMnistData train;
        FashionMnistData test;
        try {
            train = FashionMnistData.read(data, true);
            test = FashionMnistData.read(data, false);
        } catch (IOException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Engine engine = UsageErrors.checked(spec, common::engine);
        Random random = new Random(common.seed);
        int[] labelled = UsageErrors.checked(spec, () -> train.balancedSubset(labels, random));
        int steps = stepsPerEpoch > 0 ? stepsPerEpoch : train.size() / batch;
        int evaluated = Math.min(testSize, test.size());
        Path out = common.out;
        Files.createDirectories(out);
        System.out.printf(
                Locale.ROOT,
                "fashion-mnist on %s %s: %d labelled examples, %d unlabelled, %d epochs of %d"
                        + " steps (batch %d), Adam lr %s beta1 %s; test on %d images%n",
                engine.getEngineName(),
                engine.getVersion(),
                labelled.length,
                train.size(),
                epochs,
                steps,
                batch,
                learningRate,
                beta1,
                evaluated);

        Table table =
                new Table(
                        "epoch",
                        "GAN test accuracy (%)",
                        "baseline test accuracy (%)",
                        "L_lab",
                        "L_unl",
                        "L_G (feature matching)",
                        "baseline L_lab",
                        "minutes");
        long started = System.nanoTime();
        try (NDManager base = engine.newBaseManager()) {
            float[] fixedZ = uniform(random, 100 * ImprovedGanMnist.LATENT);
            SemiSupervisedGan gan;
            try (NDManager init = base.newSubManager()) {
                // improved-gan initializes on 500 training images
                int[] initIdx =
                        Arrays.copyOf(
                                Shuffle.permutation(train.size(), random),
                                Math.min(500, train.size()));
                NDArray initBatch = images(init, train, initIdx);
                gan =
                        new SemiSupervisedGan(
                                engine, batch, learningRate, beta1, initBatch, common.seed);
            }
            try (gan) {
                ProgressBar progress = new ProgressBar("Training", (long) epochs * steps);
                int[] labOrder = new int[0];
                int labPos = 0;
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    int[] unl = Shuffle.permutation(train.size(), random);
                    int[] unl2 = Shuffle.permutation(train.size(), random);
                    double[] sums = new double[4];
                    for (int t = 0; t < steps; t++) {
                        int[] labIdx = new int[batch];
                        for (int k = 0; k < batch; k++) {
                            if (labPos == labOrder.length) {
                                labOrder = Shuffle.shuffled(labelled, random);
                                labPos = 0;
                            }
                            labIdx[k] = labOrder[labPos++];
                        }
                        try (NDManager s = base.newSubManager()) {
                            NDArray xLab = images(s, train, labIdx);
                            NDArray yLab = s.create(train.labels(labIdx));
                            NDArray xUnl = images(s, train, FashionMnistData.batch(unl, t, batch));
                            NDArray xUnl2 =
                                    images(s, train, FashionMnistData.batch(unl2, t, batch));
                            float[] losses = gan.step(xLab, yLab, xUnl, xUnl2);
                            float base1 = gan.baselineStep(xLab, yLab);

                            sums[0] += losses[0];
                            sums[1] += losses[1];
                            sums[2] += losses[2];
                            sums[3] += base1;
                        }
                        progress.update(
                                (long) (epoch - 1) * steps + t + 1,
                                String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs));
                    }
                    long[] correct = new long[2];
                    for (int from = 0; from < evaluated; from += 1000) {
                        int n = Math.min(1000, evaluated - from);
                        int[] idx = new int[n];
                        for (int k = 0; k < n; k++) {
                            idx[k] = from + k;
                        }
                        try (NDManager s = base.newSubManager()) {
                            long[] c =
                                    gan.correct(images(s, test, idx), s.create(test.labels(idx)));
                            correct[0] += c[0];
                            correct[1] += c[1];
                        }
                    }
                    try (NDManager s = base.newSubManager()) {
                        NDArray z = s.create(fixedZ, new Shape(100, ImprovedGanMnist.LATENT));
                        float[] pixels = gan.generate(z).toFloatArray();
                        Plots.write(
                                Plots.imageGrid(
                                        pixels,
                                        100,
                                        FashionMnistData.SIDE,
                                        FashionMnistData.SIDE,
                                        10,
                                        2,
                                        String.format(
                                                Locale.ROOT,
                                                "epoch %d, %d labels, %s",
                                                epoch,
                                                labelled.length,
                                                engine.getEngineName())),
                                out.resolve(
                                        String.format(
                                                Locale.ROOT, "samples-epoch-%02d.png", epoch)));
                    }
                    table.add(
                            epoch,
                            pct(correct[0], evaluated),
                            pct(correct[1], evaluated),
                            fmt(sums[0] / steps),
                            fmt(sums[1] / steps),
                            fmt(sums[2] / steps),
                            fmt(sums[3] / steps),
                            String.format(
                                    Locale.ROOT, "%.1f", (System.nanoTime() - started) / 60e9));
                    // after every epoch, so that a long run can be watched and interrupted
                    table.write(out.resolve("accuracy.md"), out.resolve("accuracy.csv"));
                    System.out.printf(
                            Locale.ROOT,
                            "%nepoch %d: test accuracy GAN %s%%, baseline %s%%%n",
                            epoch,
                            pct(correct[0], evaluated),
                            pct(correct[1], evaluated));
                }
            }
        }
        System.out.println();
        System.out.print(table.toText());
        System.out.printf(
                Locale.ROOT,
                "%nTest accuracy on %d test images; %d labelled training examples (seed %d)."
                        + " Total %.1f min. RSS %d MiB at the end.%nWrote %s (samples-epoch-NN.png,"
                        + " accuracy.md, accuracy.csv).%n",
                evaluated,
                labelled.length,
                common.seed,
                (System.nanoTime() - started) / 60e9,
                Stats.rssMiB(),
                out.toAbsolutePath().normalize());
        return 0;
    }

    private static NDArray images(NDManager m, FashionMnistData data, int[] idx) {
        return m.create(data.pixels(idx), new Shape(idx.length, FashionMnistData.PIXELS));
    }

    private static float[] uniform(Random random, int n) {
        float[] z = new float[n];
        for (int i = 0; i < n; i++) {
            z[i] = random.nextFloat();
        }
        return z;
    }

    private static String pct(long correct, int total) {
        return String.format(Locale.ROOT, "%.2f", 100.0 * correct / total);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
