package io.github.djlgan.examples.imagegan;

import ai.djl.engine.Engine;
import io.github.djlgan.examples.ChildJobs;
import io.github.djlgan.examples.CommonOptions;
import io.github.djlgan.examples.Shuffle;
import io.github.djlgan.examples.UsageErrors;
import io.github.djlgan.examples.fashion.FashionMnistData;
import io.github.djlgan.examples.plot.Charts;
import io.github.djlgan.examples.plot.Plots;
import io.github.djlgan.examples.report.Stats;
import io.github.djlgan.examples.report.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A convolutional GAN on Fashion-MNIST with this project's blocks — {@code Deconv2d} in the
 * generator, {@code SpectralNorm}/{@code WeightNorm}/{@code EqualizedLearningRate} around every
 * discriminator layer, {@code MinibatchStdDev}, {@code PixelNorm} — trained by {@code GanTrainer}
 * and measured after every epoch by the Fréchet distance of a Fashion-MNIST classifier's features
 * and by class coverage.
 *
 * <p>Writes to {@code --out}: {@code samples-<variant>-epoch-NN.png} (the same latents every
 * epoch), {@code fd.png} and {@code kl.png} (curves), {@code curves.csv}, {@code summary.md},
 * {@code summary.csv}, {@code generator-<variant>.zip} (the generator average as a DJL model),
 * {@code models/} and {@code checkpoints/}. The classifier is cached in {@code --classifier-dir}.
 * With {@code --jobs N > 1} the variants are trained N at a time in child JVMs ({@link
 * io.github.djlgan.examples.ChildJobs}) that load the cached classifier; the outputs are the same.
 */
@Command(
        name = "image-gan",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Convolutional GANs on Fashion-MNIST: a DCGAN generator (Deconv2d, batch norm; or"
                    + " ProGAN's PixelNorm + equalized learning rate) against discriminators that"
                    + " differ in their normalisation (none, SpectralNorm, WeightNorm,"
                    + " SpectralNorm + MinibatchStdDev, equalized learning rate), measured every"
                    + " epoch by the Frechet distance of a Fashion-MNIST classifier's features"
                    + " and by class coverage.",
            "Data: Debian package dataset-fashion-mnist (or --data DIR with the four"
                    + " *-ubyte.gz files)."
        })
public final class ImageGan implements Callable<Integer> {

    private static final int THREADS = 0;

    @Mixin CommonOptions common;

    @Spec CommandSpec spec;

    @Option(
            names = "--data",
            description = "Directory of the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
    Path data = FashionMnistData.DEFAULT_DIR;

    @Option(
            names = "--variants",
            split = ",",
            defaultValue = "dcgan,sn,wn,sn+mbstd,progan",
            description = "Variants to train (default: ${DEFAULT-VALUE}).")
    List<String> variants;

    @Option(
            names = "--epochs",
            defaultValue = "3",
            description = "Epochs per variant (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--batch",
            defaultValue = "64",
            description = "Real images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--steps-per-epoch",
            defaultValue = "0",
            description =
                    "Steps per epoch; 0 = one pass over the training images (default:"
                            + " ${DEFAULT-VALUE}).")
    int stepsPerEpoch;

    @Option(
            names = "--train-images",
            defaultValue = "0",
            description = "Training images used; 0 = all (default: ${DEFAULT-VALUE}).")
    int trainImages;

    @Option(
            names = "--eval-samples",
            defaultValue = "10000",
            description =
                    "Generated and test images compared after every epoch (default:"
                            + " ${DEFAULT-VALUE}).")
    int evalSamples;

    @Option(
            names = "--ema",
            defaultValue = "0.995",
            description =
                    "Decay of the generator's moving average (per generator update), used for"
                            + " every sample; 0 = off (default: ${DEFAULT-VALUE}, a half-life of"
                            + " ln 0.5 / ln 0.995 = 138 updates, about StyleGAN2's 10,000 images"
                            + " (156 updates at batch 64)).")
    float ema;

    @Option(
            names = "--n-critic",
            defaultValue = "0",
            description =
                    "Discriminator steps per generator step for every variant; 0 = each"
                            + " variant's own (default: ${DEFAULT-VALUE}).")
    int criticSteps;

    @Option(
            names = "--classifier-dir",
            defaultValue = "out/fashion-classifier",
            description =
                    "Where the FD classifier is cached; trained there once (default:"
                            + " ${DEFAULT-VALUE}).")
    Path classifierDir;

    @Option(
            names = "--classifier-epochs",
            defaultValue = "5",
            description = "Epochs of the FD classifier's training (default: ${DEFAULT-VALUE}).")
    int classifierEpochs;

    @Option(
            names = "--live-fd",
            description =
                    "Also measure the FD of the trained generator itself (not its moving average)"
                            + " every epoch: curves.csv's fd_live.")
    boolean liveFd;

    @Option(
            names = "--jobs",
            defaultValue = "1",
            description =
                    "Variants trained at a time, each in a child JVM that loads the cached"
                        + " classifier; 1 = all in this JVM (default: ${DEFAULT-VALUE}: each run"
                        + " already uses every core unless --threads says otherwise). The results"
                        + " are the same bit for bit.")
    int jobs;

    /** Set in a child JVM: the one variant to train. */
    @Option(names = "--run-one", hidden = true)
    String runOne;

    /** Set in a child JVM: where to write the variant's {@link ImageGanRun.Result}. */
    @Option(names = "--result", hidden = true)
    Path result;

    @Option(
            names = "--grid",
            defaultValue = "10",
            description = "Sample grids are N × N images (default: ${DEFAULT-VALUE}).")
    int grid;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        if (epochs < 1
                || batch < 4
                || batch % 4 != 0
                || stepsPerEpoch < 0
                || trainImages < 0
                || evalSamples < 2
                || ema < 0
                || ema >= 1
                || criticSteps < 0
                || classifierEpochs < 1
                || grid < 1
                || jobs < 1
                || (runOne != null && result == null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "need --epochs >= 1, --batch a positive multiple of 4 (MinibatchStdDev's"
                            + " groups), --steps-per-epoch >= 0, --train-images >= 0,"
                            + " --eval-samples >= 2, 0 <= --ema < 1, --n-critic >= 0,"
                            + " --classifier-epochs >= 1, --grid >= 1, --jobs >= 1 (and --run-one"
                            + " needs --result)");
        }
        List<ImageGanVariant> chosen =
                UsageErrors.checked(
                        spec,
                        () ->
                                (runOne != null ? List.of(runOne) : variants)
                                        .stream().map(ImageGanVariant::of).toList());
        FashionMnistData train;
        FashionMnistData test;
        try {
            train = FashionMnistData.read(data, true);
            test = FashionMnistData.read(data, false);
        } catch (IOException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Engine engine = UsageErrors.checked(spec, () -> common.engine(THREADS));
        int used = trainImages > 0 ? Math.min(trainImages, train.size()) : train.size();
        int steps = stepsPerEpoch > 0 ? stepsPerEpoch : Math.max(1, used / batch);
        int samples = Math.min(evalSamples, Math.min(test.size(), used));
        Path out = common.out;
        Files.createDirectories(out);
        long started = System.nanoTime();
        System.out.printf(
                Locale.ROOT,
                "image-gan on %s %s: variants %s; %d epochs of %d steps (batch %d) over %d"
                        + " training images; FD and classes on %d generated vs %d test images;"
                        + " seed %d%n",
                engine.getEngineName(),
                engine.getVersion(),
                chosen.stream().map(ImageGanVariant::id).toList(),
                epochs,
                steps,
                batch,
                used,
                samples,
                samples,
                common.seed);

        List<ImageGanRun.Result> results = new ArrayList<>();
        ImageGanEval.Measurement floor;
        ImageGanEval.Measurement testSet;
        double accuracy;
        try (FashionClassifier classifier =
                FashionClassifier.loadOrTrain(
                        engine,
                        classifierDir,
                        new FashionClassifier.Settings(classifierEpochs, used, common.seed),
                        train,
                        test,
                        System.out)) {
            accuracy = classifier.testAccuracy();
            System.out.printf(
                    Locale.ROOT,
                    "Classifier test accuracy: %.2f %% on %d test images%s%n",
                    accuracy,
                    test.size(),
                    accuracy < 90
                            ? " — below the 90 % the FD needs to mean much (more"
                                    + " --classifier-epochs or --train-images?)"
                            : "");
            ImageGanEval eval = new ImageGanEval(classifier, test, samples, common.seed + 7);
            ImageGanRun.Settings settings =
                    new ImageGanRun.Settings(epochs, batch, steps, ema, criticSteps, grid, liveFd);
            if (runOne != null) {
                ImageGanRun.train(
                                engine,
                                chosen.get(0),
                                settings,
                                train,
                                used,
                                eval,
                                out,
                                common.seed,
                                ChildJobs::reportProgress)
                        .write(result);
                return 0;
            }
            int[] trainIdx = Shuffle.permutation(used, new Random(common.seed + 3));
            int[] floorIdx = new int[samples];
            System.arraycopy(trainIdx, 0, floorIdx, 0, samples);
            floor = eval.measureReal(train, floorIdx);
            testSet = eval.measureReal(test, ImageBatches.range(0, samples));
            System.out.printf(
                    Locale.ROOT,
                    "Floor: FD of %d training images vs the test images %.3f (%d classes, KL %.4f);"
                            + " the test images' own predictions: %d classes, KL %.4f%n",
                    samples,
                    floor.fd(),
                    floor.coverage().covered(),
                    floor.coverage().klToUniform(),
                    testSet.coverage().covered(),
                    testSet.coverage().klToUniform());
            int parallel = Math.min(jobs, chosen.size());
            List<ImageGanRun.Result> trained =
                    parallel > 1 ? trainInChildren(chosen, parallel, (long) epochs * steps) : null;
            for (ImageGanVariant v : chosen) {
                ImageGanRun.Result r =
                        trained != null
                                ? trained.get(results.size())
                                : ImageGanRun.train(
                                        engine,
                                        v,
                                        settings,
                                        train,
                                        used,
                                        eval,
                                        out,
                                        common.seed,
                                        null);
                results.add(r);
                ImageGanRun.Point p = r.last();
                System.out.printf(
                        Locale.ROOT,
                        "%n%s after %d epochs: FD %.3f, %d classes, KL %.4f; %.1f s per epoch"
                                + " (+ %.1f s measuring); package %s: %s%n",
                        v.id(),
                        epochs,
                        p.fd(),
                        p.covered(),
                        p.kl(),
                        r.meanTrainSeconds(),
                        r.meanEvalSeconds(),
                        out.relativize(r.packaged().zip()),
                        r.packaged().describe());
                writeOutputs(out, results, floor, testSet, accuracy, engine);
            }
        }
        Table table = summary(results, floor, testSet);
        System.out.println();
        System.out.print(table.toText());
        System.out.printf(
                Locale.ROOT,
                "%nTotal %.1f min on %s. RSS %d MiB at the end. Wrote %s (samples-*-epoch-NN.png,"
                    + " fd.png, kl.png, curves.csv, summary.md, summary.csv, generator-*.zip).%n",
                (System.nanoTime() - started) / 60e9,
                engine.getEngineName(),
                Stats.rssMiB(),
                out.toAbsolutePath().normalize());
        return 0;
    }

    /**
     * Trains every variant in a child JVM, {@code parallel} at a time, each loading the classifier
     * this JVM has cached; returns their results in the order of the variants.
     */
    private List<ImageGanRun.Result> trainInChildren(
            List<ImageGanVariant> chosen, int parallel, long stepsPerRun) throws IOException {
        List<ChildJobs.Run> runs =
                chosen.stream().map(v -> new ChildJobs.Run(v.id(), v.id())).toList();
        return ChildJobs.runAll(
                spec,
                runs,
                "variants",
                parallel,
                stepsPerRun * runs.size(),
                ImageGanRun.Result::read);
    }

    private void writeOutputs(
            Path out,
            List<ImageGanRun.Result> results,
            ImageGanEval.Measurement floor,
            ImageGanEval.Measurement testSet,
            double accuracy,
            Engine engine)
            throws IOException {
        Table table = summary(results, floor, testSet);
        Files.writeString(
                out.resolve("summary.md"),
                String.format(
                                Locale.ROOT,
                                "%s, %s %s, seed %d. FD: Fréchet distance between the penultimate"
                                    + " features (128) of a Fashion-MNIST CNN (test accuracy %.2f"
                                    + " %%) of %d generated and %d test images; classes: covered by"
                                    + " at least 1 %% of the generated images; KL: of the predicted"
                                    + " classes to uniform (nats).%n%n",
                                "image-gan",
                                engine.getEngineName(),
                                engine.getVersion(),
                                common.seed,
                                accuracy,
                                floor.coverage().total(),
                                floor.coverage().total())
                        + table.toMarkdown(),
                StandardCharsets.UTF_8);
        table.write(null, out.resolve("summary.csv"));
        Table curves =
                new Table(
                        "variant",
                        "epoch",
                        "fd",
                        "fd_live",
                        "classes_covered",
                        "kl",
                        "loss_d",
                        "loss_g",
                        "train_seconds",
                        "train_cpu_seconds",
                        "eval_seconds");
        for (ImageGanRun.Result r : results) {
            for (ImageGanRun.Point p : r.curve()) {
                curves.add(
                        r.variant().id(),
                        p.epoch(),
                        num(p.fd(), 4),
                        num(p.fdLive(), 4),
                        p.covered(),
                        num(p.kl(), 5),
                        num(p.lossD(), 4),
                        num(p.lossG(), 4),
                        num(p.trainSeconds(), 1),
                        num(p.trainCpuSeconds(), 1),
                        num(p.evalSeconds(), 1));
            }
        }
        curves.write(null, out.resolve("curves.csv"));
        Table packages = new Table("variant", "zip", "engine", "max_abs_diff", "images_ok");
        for (ImageGanRun.Result r : results) {
            GeneratorPackage.Check c = r.packaged();
            c.maxAbsDiff()
                    .forEach(
                            (name, diff) ->
                                    packages.add(
                                            r.variant().id(),
                                            out.relativize(c.zip()),
                                            name,
                                            String.format(Locale.ROOT, "%.3e", diff),
                                            c.imagesOk()));
        }
        packages.write(null, out.resolve("packages.csv"));
        Plots.write(
                Charts.lines(
                        "Fréchet distance to the test images (classifier features)",
                        "epoch",
                        "FD",
                        series(results, ImageGanRun.Point::fd),
                        Charts.LineOptions.DEFAULT.withReferences(
                                Map.of("train vs test", floor.fd())),
                        720,
                        440),
                out.resolve("fd.png"));
        Plots.write(
                Charts.lines(
                        "KL of the predicted classes to uniform",
                        "epoch",
                        "KL (nats)",
                        series(results, ImageGanRun.Point::kl),
                        Charts.LineOptions.DEFAULT.withReferences(
                                Map.of("test images", testSet.coverage().klToUniform())),
                        720,
                        440),
                out.resolve("kl.png"));
    }

    private Map<String, double[][]> series(
            List<ImageGanRun.Result> results, ToDoubleFunction<ImageGanRun.Point> value) {
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (ImageGanRun.Result r : results) {
            List<ImageGanRun.Point> curve = r.curve();
            double[] x = new double[curve.size()];
            double[] y = new double[curve.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = curve.get(i).epoch();
                double v = value.applyAsDouble(curve.get(i));
                y[i] = Double.isFinite(v) ? v : Double.NaN;
            }
            series.put(r.variant().id(), new double[][] {x, y});
        }
        return series;
    }

    private Table summary(
            List<ImageGanRun.Result> results,
            ImageGanEval.Measurement floor,
            ImageGanEval.Measurement testSet) {
        Table table =
                new Table(
                        "variant",
                        "generator",
                        "D normalisation",
                        "loss",
                        "n_critic",
                        "epochs",
                        "FD",
                        "classes covered",
                        "KL",
                        "s / epoch",
                        "CPU s / epoch",
                        "s / measurement");
        for (ImageGanRun.Result r : results) {
            ImageGanVariant v = r.variant();
            ImageGanRun.Point p = r.last();
            table.add(
                    v.id(),
                    v.generatorKind().id(),
                    v.norm().name().toLowerCase(Locale.ROOT)
                            + (v.minibatchStdDev() ? " + mbstd" : ""),
                    v.loss().label(),
                    r.criticSteps(),
                    p.epoch(),
                    num(p.fd(), 2),
                    p.covered() + " / 10",
                    num(p.kl(), 4),
                    num(r.meanTrainSeconds(), 1),
                    num(r.meanTrainCpuSeconds(), 1),
                    num(r.meanEvalSeconds(), 1));
        }
        table.add(
                "train vs test images",
                "",
                "",
                "",
                "",
                "",
                num(floor.fd(), 2),
                floor.coverage().covered() + " / 10",
                num(floor.coverage().klToUniform(), 4),
                "",
                "",
                "");
        table.add(
                "test images",
                "",
                "",
                "",
                "",
                "",
                "0",
                testSet.coverage().covered() + " / 10",
                num(testSet.coverage().klToUniform(), 4),
                "",
                "",
                "");
        return table;
    }

    private static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "NaN";
    }
}
