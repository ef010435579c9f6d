package io.github.djlgan.examples.modes;

import ai.djl.engine.Engine;
import ai.djl.training.util.ProgressBar;
import io.github.djlgan.examples.CommonOptions;
import io.github.djlgan.examples.plot.Plots;
import io.github.djlgan.examples.report.Stats;
import io.github.djlgan.examples.report.Table;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The mode-coverage experiment: GANs whose discriminators differ only by a minibatch layer (or
 * weight normalization) are trained on the 25-Gaussian grid and/or the 8-Gaussian ring, several
 * seeds each, and compared by {@link ModeMetrics} on generated samples.
 *
 * <p>Writes to {@code --out}: {@code <data>-<variant>.png} (one panel per seed), {@code <data>.png}
 * (every variant side by side, one row per seed), {@code runs.csv} (one row per run), {@code
 * summary.md} and {@code summary.csv} (mean ± sd over seeds); the summary is also printed.
 */
@Command(
        name = "mode-coverage",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Mode-coverage experiment: vanilla vs minibatch-feature discriminators on mixtures"
                    + " of 2D Gaussians (25-mode grid, 8-mode ring).",
            "Metrics on generated samples: modes captured, %% high-quality samples (within 3"
                    + " sigma of the nearest mode), reverse KL of the mode histogram to uniform."
        })
public final class ModeCoverage implements Callable<Integer> {

    @Mixin CommonOptions common;

    @Spec CommandSpec spec;

    @Option(
            names = "--data",
            split = ",",
            defaultValue = "grid",
            description = "Data sets, comma-separated: grid, ring (default: ${DEFAULT-VALUE}).")
    List<String> data;

    @Option(
            names = "--variants",
            split = ",",
            defaultValue = "vanilla,mbd,mbstd,wn",
            description = "Discriminator variants, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> variants;

    @Option(
            names = "--seeds",
            defaultValue = "3",
            description =
                    "Runs per variant, with seeds --seed, --seed+1, ... (default:"
                            + " ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--steps",
            defaultValue = "3000",
            description = "Training steps per run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--batch",
            defaultValue = "64",
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--hidden",
            defaultValue = "128",
            description = "Units per hidden layer (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(
            names = "--layers",
            defaultValue = "2",
            description = "Hidden layers of G and D (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(
            names = "--latent",
            defaultValue = "2",
            description = "Latent dimension (default: ${DEFAULT-VALUE}).")
    int latent;

    @Option(
            names = "--lr-d",
            defaultValue = "2e-3",
            description = "Discriminator learning rate (default: ${DEFAULT-VALUE}).")
    float learningRateD;

    @Option(
            names = "--lr-g",
            defaultValue = "2e-3",
            description = "Generator learning rate (default: ${DEFAULT-VALUE}).")
    float learningRateG;

    @Option(
            names = "--beta1",
            defaultValue = "0.5",
            description = "Adam beta1 (default: ${DEFAULT-VALUE}).")
    float beta1;

    @Option(
            names = "--lr-decay",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Decay both learning rates linearly to 0 (default: ${DEFAULT-VALUE}).")
    boolean decay;

    @Option(
            names = "--data-init",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Data-dependent init of the discriminator (WeightNorm, MinibatchDiscrimination)"
                            + " on a real batch (default: ${DEFAULT-VALUE}).")
    boolean dataInit;

    @Option(
            names = "--kernels",
            defaultValue = "16",
            description = "Minibatch discrimination kernels (default: ${DEFAULT-VALUE}).")
    int kernels;

    @Option(
            names = "--kernel-dim",
            defaultValue = "4",
            description =
                    "Minibatch discrimination dimension per kernel (default: ${DEFAULT-VALUE}).")
    int kernelDim;

    @Option(
            names = "--group-size",
            defaultValue = "0",
            description =
                    "MinibatchStdDev group size, 0 = whole batch (default: ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(
            names = "--samples",
            defaultValue = "2500",
            description = "Generated samples for the metrics (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(
            names = "--plot-size",
            defaultValue = "240",
            description = "Width of one scatter plot in pixels (default: ${DEFAULT-VALUE}).")
    int plotSize;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        if (seeds < 1
                || steps < 1
                || batch < 2
                || hidden < 1
                || layers < 1
                || latent < 1
                || samples < 1
                || plotSize < 50) {
            throw new ParameterException(
                    spec.commandLine(),
                    "need --seeds, --steps, --hidden, --layers, --latent, --samples >= 1,"
                            + " --batch >= 2 and --plot-size >= 50");
        }
        List<GaussianMixture> mixtures;
        List<Variant> chosen;
        Engine engine;
        try {
            mixtures = data.stream().map(GaussianMixture::named).toList();
            chosen = variants.stream().map(Variant::of).toList();
            engine = common.engine(1); // small matrices: one thread is faster than two
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ToyGan.Settings settings =
                new ToyGan.Settings(
                        hidden,
                        layers,
                        latent,
                        batch,
                        steps,
                        learningRateD,
                        learningRateG,
                        beta1,
                        decay,
                        dataInit,
                        kernels,
                        kernelDim,
                        groupSize,
                        samples);
        Path out = common.out;
        Files.createDirectories(out);

        System.out.printf(
                Locale.ROOT,
                "mode-coverage on %s %s: %s x %s x %d seeds, %d steps of batch %d, G and D %dx%d"
                        + " MLPs, latent %d, Adam lr D %s G %s beta1 %s%n",
                engine.getEngineName(),
                engine.getVersion(),
                data,
                chosen.stream().map(Variant::id).toList(),
                seeds,
                steps,
                batch,
                layers,
                hidden,
                latent,
                learningRateD,
                learningRateG,
                beta1);

        long runs = (long) mixtures.size() * chosen.size() * seeds;
        ProgressBar progress = new ProgressBar("Training", runs * steps);
        Table perRun =
                new Table(
                        "data",
                        "variant",
                        "seed",
                        "modes",
                        "of",
                        "high_quality_pct",
                        "reverse_kl",
                        "loss_d",
                        "loss_g",
                        "seconds");
        Table summary =
                new Table(
                        "data",
                        "variant",
                        "modes captured",
                        "high-quality samples (%)",
                        "reverse KL (nats)",
                        "s / run");
        long rssBefore = Stats.rssMiB();
        long rssAfterFirst = -1;
        long started = System.nanoTime();
        long done = 0;
        for (GaussianMixture mixture : mixtures) {
            List<BufferedImage> figure = new ArrayList<>();
            List<List<BufferedImage>> panelsByVariant = new ArrayList<>();
            for (Variant variant : chosen) {
                List<BufferedImage> panels = new ArrayList<>();
                double[] modes = new double[seeds];
                double[] quality = new double[seeds];
                double[] kl = new double[seeds];
                double[] seconds = new double[seeds];
                for (int k = 0; k < seeds; k++) {
                    long seed = common.seed + k;
                    long offset = done;
                    ToyGan.Result result =
                            ToyGan.train(
                                    engine,
                                    mixture,
                                    variant,
                                    settings,
                                    seed,
                                    step ->
                                            progress.update(
                                                    offset + step,
                                                    mixture.name()
                                                            + " "
                                                            + variant.id()
                                                            + " seed "
                                                            + seed));
                    done += steps;
                    if (rssAfterFirst < 0) {
                        rssAfterFirst = Stats.rssMiB();
                    }
                    ModeMetrics m = ModeMetrics.of(mixture, result.samples());
                    modes[k] = m.modesCaptured();
                    quality[k] = m.highQualityPercent();
                    kl[k] = m.reverseKl();
                    seconds[k] = result.seconds();
                    perRun.add(
                            mixture.name(),
                            variant.id(),
                            seed,
                            m.modesCaptured(),
                            m.numModes(),
                            fmt(2, m.highQualityPercent()),
                            fmt(4, m.reverseKl()),
                            fmt(4, result.lossD()),
                            fmt(4, result.lossG()),
                            fmt(1, result.seconds()));
                    panels.add(
                            Plots.scatter(
                                    result.samples(),
                                    mixture.means(),
                                    mixture.sigma(),
                                    mixture.extent(),
                                    plotSize,
                                    variant.id() + ", seed " + seed,
                                    String.format(
                                            Locale.ROOT,
                                            "modes %d/%d  HQ %.1f%%  rKL %.3f",
                                            m.modesCaptured(),
                                            m.numModes(),
                                            m.highQualityPercent(),
                                            m.reverseKl())));
                }
                summary.add(
                        mixture.name(),
                        variant.id(),
                        Stats.meanSd(1, modes) + " / " + mixture.numModes(),
                        Stats.meanSd(1, quality),
                        Stats.meanSd(3, kl),
                        fmt(1, Stats.mean(seconds)));
                Plots.write(
                        Plots.panels(
                                panels,
                                panels.size(),
                                mixture.name()
                                        + ": "
                                        + variant.id()
                                        + " ("
                                        + variant.description()
                                        + ")"),
                        out.resolve(mixture.name() + "-" + variant.id() + ".png"));
                panelsByVariant.add(panels);
            }
            // one row per seed, one column per variant
            for (int k = 0; k < seeds; k++) {
                for (List<BufferedImage> panels : panelsByVariant) {
                    figure.add(panels.get(k));
                }
            }
            Plots.write(
                    Plots.panels(
                            figure,
                            chosen.size(),
                            String.format(
                                    Locale.ROOT,
                                    "%s: %d modes, sigma %s; %d steps, %s %s",
                                    mixture.name(),
                                    mixture.numModes(),
                                    mixture.sigma(),
                                    steps,
                                    engine.getEngineName(),
                                    engine.getVersion())),
                    out.resolve(mixture.name() + ".png"));
        }
        double total = (System.nanoTime() - started) / 1e9;
        long rssAfter = Stats.rssMiB();
        perRun.write(null, out.resolve("runs.csv"));
        summary.write(out.resolve("summary.md"), out.resolve("summary.csv"));

        System.out.println();
        System.out.print(summary.toText());
        System.out.printf(
                Locale.ROOT,
                "%nMean ± sd over %d seeds; metrics on %d generated samples. Total %.1f s."
                        + " RSS %d MiB before, %d MiB after the first run, %d MiB at the end.%n"
                        + "Wrote %s (plots, runs.csv, summary.md, summary.csv).%n",
                seeds,
                samples,
                total,
                rssBefore,
                rssAfterFirst,
                rssAfter,
                out.toAbsolutePath().normalize());
        return 0;
    }

    private static String fmt(int decimals, double value) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
