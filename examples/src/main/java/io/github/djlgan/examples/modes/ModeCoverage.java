package io.github.djlgan.examples.modes;

import ai.djl.engine.Engine;
import io.github.djlgan.examples.ChildJobs;
import io.github.djlgan.examples.CommonOptions;
import io.github.djlgan.examples.UsageErrors;
import io.github.djlgan.examples.plot.Charts;
import io.github.djlgan.examples.plot.Plots;
import io.github.djlgan.examples.report.Stats;
import io.github.djlgan.examples.report.Table;
import io.github.djlgan.training.Progress;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The mode-coverage experiment on the published 2-D benchmarks: GANs whose discriminators differ
 * only by a {@link Variant} (packing or a minibatch layer) are trained with a {@link Protocol}'s
 * settings on the 8-Gaussian ring and the 25-Gaussian grid, several seeds each, and measured by
 * {@link ModeMetrics} along the way; the tables put the published rows ({@link Published}) beside
 * ours. One default departs from a protocol: on {@link Protocol#METZ} the generator learns at the
 * discriminator's rate, 1e-4; {@code --lr-g 1e-3} runs it as published.
 *
 * <p>Writes to {@code --out}: {@code <data>.png} (final samples: one column per variant, one row
 * per seed), {@code <data>-curves.png} (modes, high-quality samples and reverse KL against
 * iterations, mean over seeds per variant), {@code curves.csv} (every measurement of every run),
 * {@code runs.csv} (the final measurement of every run), {@code summary.csv} (machine-readable,
 * numbers only) and {@code summary.md} (ours beside the published rows); the summary is also
 * printed.
 */
@Command(
        name = "mode-coverage",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Mode collapse on the published 2-D benchmarks (8-Gaussian ring, 25-Gaussian grid):"
                    + " the protocol's GAN against the same GAN with packing (PacGAN) or a"
                    + " minibatch layer in the discriminator, next to the published numbers.",
            "Protocols: metz (Metz et al. 2017 as run by VEEGAN and GDPP) and pacgan (PacGAN,"
                    + " Table 1). Metrics on 2,500 samples: modes captured, %% high-quality samples"
                    + " (within 3 sigma of the nearest mode), reverse KL of the mode histogram."
        })
public final class ModeCoverage implements Callable<Integer> {

    /**
     * The start of the line a child JVM prints to its log for every measurement, followed by the
     * curves.csv row: an interrupted run's curve so far stays in its log.
     */
    static final String CURVE_LINE = "curve: ";

    /**
     * The generator's learning rate on {@link Protocol#METZ} unless {@code --lr-g} says otherwise:
     * the discriminator's. At the published 1e-3 (ten times the discriminator's) the discriminator
     * stays at chance and no variant's samples get sharp, so nothing can be compared
     * (docs/protocols.md).
     */
    static final float METZ_LEARNING_RATE_G = 1e-4f;

    @Mixin CommonOptions common;

    @Spec CommandSpec spec;

    @Option(
            names = "--protocol",
            defaultValue = "metz",
            description = "metz or pacgan (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(
            names = "--data",
            split = ",",
            defaultValue = "ring",
            description = "Data sets, comma-separated: ring, grid (default: ${DEFAULT-VALUE}).")
    List<String> data;

    @Option(
            names = "--variants",
            split = ",",
            defaultValue = "gan,pac2",
            description =
                    "Discriminator variants, comma-separated: gan, pac2, pac4, mbstd, mbd"
                            + " (default: ${DEFAULT-VALUE}).")
    List<String> variants;

    @Option(
            names = "--seeds",
            defaultValue = "1",
            description =
                    "Runs per variant, with seeds --seed, --seed+1, ... (default:"
                            + " ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--iterations",
            description =
                    "Training iterations per run (default: the protocol's: metz 25000, pacgan"
                            + " 400000).")
    Integer iterations;

    @Option(
            names = "--eval-every",
            description =
                    "Iterations between measurements (default: metz 2500, pacgan 1000 = an"
                            + " epoch).")
    Integer evalEvery;

    @Option(
            names = "--group-size",
            defaultValue = "4",
            description =
                    "MinibatchStdDev group size, 0 = whole batch (default: ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(
            names = "--kernels",
            defaultValue = "100",
            description = "MinibatchDiscrimination kernels K (default: ${DEFAULT-VALUE}).")
    int kernels;

    @Option(
            names = "--kernel-dim",
            defaultValue = "5",
            description = "MinibatchDiscrimination kernel dimension D (default: ${DEFAULT-VALUE}).")
    int kernelDim;

    @Option(
            names = "--lr-d",
            description = "Override the discriminator's learning rate (departs from the protocol).")
    Float learningRateD;

    @Option(
            names = "--lr-g",
            description =
                    "The generator's learning rate (default: metz 1e-4, the discriminator's, where"
                            + " the published 1e-3 leaves the discriminator at chance and every"
                            + " sample blurred, docs/protocols.md; --lr-g 1e-3 runs metz as"
                            + " published. pacgan: 1e-4 as published).")
    Float learningRateG;

    @Option(
            names = "--generator-batch-norm",
            defaultValue = "per-slot",
            description =
                    "pacgan with packing m: per-slot normalises each packing slot's 100 samples as"
                            + " a batch of their own, as PacGAN's code (one generator pass per"
                            + " slot); joint normalises all 100*m as one batch"
                            + " (checkpoints written with it resume only with it) (default:"
                            + " ${DEFAULT-VALUE}).")
    String generatorBatchNorm;

    @Option(
            names = "--generator-bn-average",
            defaultValue = "stdev",
            description =
                    "pacgan: the running average the generator's batch norm keeps for evaluation:"
                            + " stdev averages the batch standard deviation, as the Blocks batch"
                            + " norm of PacGAN's code; invstd its inverse, as Lasagne's batch"
                            + " norm. Training is the same either way, so a"
                            + " checkpoint resumes under either (default: ${DEFAULT-VALUE}).")
    String generatorBnAverage;

    @Option(
            names = "--monitoring-batches",
            description =
                    "pacgan: generator batches that update its batch-norm averages, weights frozen,"
                        + " before each evaluation, as PacGAN's train-monitoring pass (default:"
                        + " pacgan 50, as published; metz 0; 0 = none). Training is the same either"
                        + " way.")
    Integer monitoringBatches;

    @Option(
            names = "--jobs",
            description =
                    "Runs trained at a time, each in a child JVM (default: the number of"
                            + " processors, at most the number of runs; 1 = all in this JVM). The"
                            + " results are the same bit for bit.")
    Integer jobs;

    @Option(
            names = "--checkpoint-every",
            defaultValue = "0",
            description =
                    "Save each run every N iterations and at its end, in <out>/checkpoints/"
                            + "<data>-<variant>-seed-<seed>/ (only the newest is kept, unless"
                            + " --keep-checkpoints-every; default: 0 = none).")
    int checkpointEvery;

    @Option(
            names = "--keep-checkpoints-every",
            defaultValue = "0",
            description =
                    "Keep the checkpoints at multiples of N iterations, a multiple of"
                        + " --checkpoint-every, when newer ones are saved, so a stretch of a run"
                        + " can be replayed: copy one into <other"
                        + " out>/checkpoints/<data>-<variant>-seed-<seed>/ and resume there."
                        + " Resuming a run with an N that would delete the ones kept so far is"
                        + " refused (default: 0 = keep only the newest).")
    int keepCheckpointsEvery;

    @Option(
            names = "--resume",
            description =
                    "Continue each run from its newest checkpoint in <out>/checkpoints, if it has"
                        + " one (the same command, or a larger --iterations to extend the runs);"
                        + " the result is the uninterrupted run's, bit for bit on the same engine"
                        + " with the same --generator-bn-average and --monitoring-batches (others"
                        + " resume too: training is the same, the later evaluations differ).")
    boolean resume;

    /** Set in a child JVM: the one run to train, "data,variant,seed". */
    @Option(names = "--run-one", hidden = true)
    String runOne;

    /** Set in a child JVM: where to write the run's {@link ModeRun.Result}. */
    @Option(names = "--result", hidden = true)
    Path result;

    @Option(
            names = "--plot-size",
            defaultValue = "260",
            description = "Width of one scatter plot in pixels (default: ${DEFAULT-VALUE}).")
    int plotSize;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        Plan plan = plan();
        if (runOne != null) {
            return trainChild(plan);
        }
        Path out = common.out;
        Files.createDirectories(out);
        announce(plan);
        Tables tables = Tables.create();
        long started = System.nanoTime();
        train(plan, tables, out);
        System.out.println();
        System.out.print(tables.summaryMd().toText());
        System.out.printf(
                Locale.ROOT,
                "%nOurs: mean ± sd over %d seed(s); metrics on %d generated samples. Total %.1f"
                        + " min.%nWrote %s (<data>.png, <data>-curves.png, curves.csv, runs.csv,"
                        + " summary.csv, summary.md).%n",
                seeds,
                Protocol.EVAL_SAMPLES,
                (System.nanoTime() - started) / 60e9,
                out.toAbsolutePath().normalize());
        return 0;
    }

    /** What the options chose, checked. */
    private record Plan(
            Protocol protocol,
            List<GaussianMixture> mixtures,
            List<Variant> variants,
            ModeRun.Settings settings,
            RunCheckpoints checkpoints,
            Engine engine) {}

    /** The four tables the command fills and writes. */
    private record Tables(Table curves, Table runs, Table summaryCsv, Table summaryMd) {

        static Tables create() {
            return new Tables(
                    new Table(ModeRun.CURVES_COLUMNS.toArray(String[]::new)),
                    new Table(
                            "protocol",
                            "data",
                            "variant",
                            "seed",
                            "iterations",
                            "modes",
                            "of",
                            "hq_pct",
                            "rkl",
                            "loss_d",
                            "loss_g",
                            "seconds"),
                    new Table(
                            "protocol",
                            "data",
                            "variant",
                            "runs",
                            "iterations",
                            "modes_mean",
                            "modes_sd",
                            "modes_of",
                            "hq_pct_mean",
                            "hq_pct_sd",
                            "rkl_mean",
                            "rkl_sd",
                            "seconds_per_run"),
                    new Table(
                            "data",
                            "method",
                            "modes",
                            "high-quality samples (%)",
                            "reverse KL",
                            "runs",
                            "source"));
        }
    }

    /** Parses and checks the options; a bad one is reported as a usage error. */
    private Plan plan() {
        return UsageErrors.checked(spec, this::readPlan);
    }

    /**
     * Parses and checks the options.
     *
     * @return what to run
     * @throws IllegalArgumentException naming the first bad option
     */
    private Plan readPlan() {
        Protocol chosenProtocol = Protocol.of(protocol);
        List<GaussianMixture> mixtures = data.stream().map(GaussianMixture::named).toList();
        List<Variant> chosen = variants.stream().map(Variant::of).toList();
        ModeRun.Builder b =
                ModeRun.Settings.builder(chosenProtocol)
                        .groupSize(groupSize)
                        .kernels(kernels, kernelDim);
        if (iterations != null) {
            b.iterations(iterations);
        }
        if (evalEvery != null) {
            b.evalEvery(evalEvery);
        }
        float lrG =
                learningRateG != null
                        ? learningRateG
                        : chosenProtocol == Protocol.METZ
                                ? METZ_LEARNING_RATE_G
                                : chosenProtocol.learningRateG();
        b.learningRates(
                learningRateD != null ? learningRateD : chosenProtocol.learningRateD(), lrG);
        if (!List.of("per-slot", "joint").contains(generatorBatchNorm)) {
            throw new IllegalArgumentException(
                    "--generator-batch-norm: expected per-slot or joint, got "
                            + generatorBatchNorm);
        }
        b.jointBatchNorm(generatorBatchNorm.equals("joint"));
        if (!List.of("stdev", "invstd").contains(generatorBnAverage)) {
            throw new IllegalArgumentException(
                    "--generator-bn-average: expected stdev or invstd, got " + generatorBnAverage);
        }
        b.invStdAverages(generatorBnAverage.equals("invstd"));
        if (monitoringBatches != null) {
            if (monitoringBatches < 0
                    || (monitoringBatches > 0 && chosenProtocol == Protocol.METZ)) {
                throw new IllegalArgumentException(
                        "--monitoring-batches: expected >= 0 (0 on metz, whose generator has"
                                + " no batch norm), got "
                                + monitoringBatches);
            }
            b.monitoringBatches(monitoringBatches);
        }
        ModeRun.Settings settings = b.build();
        if (seeds < 1 || plotSize < 50 || (jobs != null && jobs < 1) || checkpointEvery < 0) {
            throw new IllegalArgumentException(
                    "need --seeds >= 1, --plot-size >= 50, --jobs >= 1 and"
                            + " --checkpoint-every >= 0");
        }
        if (runOne != null && result == null) {
            throw new IllegalArgumentException("--run-one needs --result");
        }
        RunCheckpoints checkpoints;
        try {
            checkpoints =
                    RunCheckpoints.in(common.out.resolve("checkpoints"), checkpointEvery, resume)
                            .keepingEvery(keepCheckpointsEvery);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--keep-checkpoints-every "
                            + keepCheckpointsEvery
                            + " with --checkpoint-every "
                            + checkpointEvery
                            + ": "
                            + e.getMessage(),
                    e);
        }
        // one intra-op thread per run: the networks' matrices are small, and runs go side by side
        Engine engine = common.engine(1);
        return new Plan(chosenProtocol, mixtures, chosen, settings, checkpoints, engine);
    }

    /** Prints the settings, and how they depart from the published protocol if they do. */
    private void announce(Plan plan) {
        Protocol chosenProtocol = plan.protocol();
        ModeRun.Settings settings = plan.settings();
        System.out.printf(
                Locale.ROOT,
                "mode-coverage, protocol %s on %s %s: %s x %s x %d seeds, %d iterations (batch %d,"
                        + " D lr %s, G lr %s, beta1 %s)%n",
                chosenProtocol.id(),
                plan.engine().getEngineName(),
                plan.engine().getVersion(),
                data,
                plan.variants().stream().map(Variant::id).toList(),
                seeds,
                settings.iterations(),
                chosenProtocol.batch(),
                settings.learningRateD(),
                settings.learningRateG(),
                chosenProtocol.beta1());
        if (settings.learningRateD() != chosenProtocol.learningRateD()
                || settings.learningRateG() != chosenProtocol.learningRateG()) {
            System.out.printf(
                    Locale.ROOT,
                    "Departs from the published protocol: D lr %s, G lr %s published%s.%n",
                    chosenProtocol.learningRateD(),
                    chosenProtocol.learningRateG(),
                    learningRateG == null
                            ? " (--lr-g "
                                    + chosenProtocol.learningRateG()
                                    + " runs it as published)"
                            : "");
        }
        if (settings.jointBatchNorm()
                && chosenProtocol == Protocol.PACGAN
                && plan.variants().stream().anyMatch(v -> v.packing() > 1)) {
            System.out.println(
                    "Departs from the published protocol: the packed generator's batch norm"
                            + " normalises all 100*m samples as one batch (PacGAN: one batch per"
                            + " packing slot).");
        }
        if (settings.monitoringBatches() != ModeRun.MONITORING_BATCHES
                && chosenProtocol == Protocol.PACGAN) {
            System.out.printf(
                    Locale.ROOT,
                    "Departs from the published protocol: %d generator batches refresh its"
                            + " batch-norm averages before each evaluation (PacGAN: %d).%n",
                    settings.monitoringBatches(),
                    ModeRun.MONITORING_BATCHES);
        }
        if (settings.invStdAverages() && chosenProtocol == Protocol.PACGAN) {
            System.out.println(
                    "Departs from the published protocol: the generator's batch norm averages the"
                            + " inverse standard deviation for evaluation (PacGAN: the standard"
                            + " deviation).");
        }
    }

    /**
     * Trains every data set × variant × seed in turn, or first all of them in child JVMs when
     * {@code --jobs} allows more than one at a time; then, in the same order either way, writes
     * curves.csv and runs.csv after every run, and a data set's figures, summary.csv and summary.md
     * once its runs are done.
     */
    private void train(Plan plan, Tables tables, Path out) throws IOException {
        int iterationsPerRun = plan.settings().iterations();
        int runCount = plan.mixtures().size() * plan.variants().size() * seeds;
        long total = (long) runCount * iterationsPerRun;
        int parallel = jobs != null ? Math.min(jobs, runCount) : Math.min(processors(), runCount);
        List<ModeRun.Result> trained = null;
        if (parallel > 1) {
            trained = trainInChildren(plan, parallel, total);
        }
        int runsDone = 0;
        try (Progress progress = trained == null ? new Progress("Training", total) : null) {
            for (GaussianMixture mixture : plan.mixtures()) {
                Map<Variant, List<ModeRun.Result>> results = new LinkedHashMap<>();
                for (Variant variant : plan.variants()) {
                    List<ModeRun.Result> byVariantSeeds = new ArrayList<>();
                    for (int k = 0; k < seeds; k++) {
                        long offset = (long) runsDone * iterationsPerRun;
                        byVariantSeeds.add(
                                trainOne(
                                        plan,
                                        mixture,
                                        variant,
                                        common.seed + k,
                                        trained == null ? null : trained.get(runsDone),
                                        progress,
                                        offset,
                                        tables,
                                        out));
                        runsDone++;
                    }
                    results.put(variant, byVariantSeeds);
                    summarize(
                            plan.protocol(),
                            mixture,
                            variant,
                            byVariantSeeds,
                            plan.settings(),
                            tables.summaryCsv(),
                            tables.summaryMd());
                }
                writeMixture(plan, mixture, results, tables, out);
            }
        }
    }

    /**
     * One run: trains it unless a child JVM did, adds its measurements to the tables and writes
     * curves.csv and runs.csv.
     */
    private static ModeRun.Result trainOne(
            Plan plan,
            GaussianMixture mixture,
            Variant variant,
            long seed,
            ModeRun.Result trained,
            Progress progress,
            long offset,
            Tables tables,
            Path out) {
        String label = mixture.name() + " " + variant.id() + " seed " + seed;
        ModeRun.Result r =
                trained != null
                        ? trained
                        : ModeRun.train(
                                plan.engine(),
                                plan.protocol(),
                                mixture,
                                variant,
                                plan.settings(),
                                seed,
                                plan.checkpoints(),
                                new ModeRun.Listener() {
                                    @Override
                                    public void resumed(int iteration) {
                                        progress.skip(iteration);
                                        progress.update(offset + iteration, label);
                                    }

                                    @Override
                                    public void iteration(int t) {
                                        progress.update(offset + t, label);
                                    }
                                });
        for (ModeRun.Point p : r.curve()) {
            tables.curves().add(ModeRun.curveRow(plan.protocol(), mixture, variant, seed, p));
        }
        List<Object> last =
                new ArrayList<>(
                        List.of(
                                ModeRun.curveRow(
                                        plan.protocol(), mixture, variant, seed, r.last())));
        last.add(ModeRun.fmt(1, r.seconds()));
        tables.runs().add(last.toArray());
        tables.curves().write(null, out.resolve("curves.csv"));
        tables.runs().write(null, out.resolve("runs.csv"));
        return r;
    }

    /**
     * Trains every run in a child JVM, {@code parallel} at a time, in the order of {@link #train};
     * returns their results in that order.
     */
    private List<ModeRun.Result> trainInChildren(Plan plan, int parallel, long total)
            throws IOException {
        List<ChildJobs.Run> runs = new ArrayList<>();
        for (GaussianMixture mixture : plan.mixtures()) {
            for (Variant variant : plan.variants()) {
                for (int k = 0; k < seeds; k++) {
                    long seed = common.seed + k;
                    runs.add(
                            new ChildJobs.Run(
                                    mixture.name() + " " + variant.id() + " seed " + seed,
                                    mixture.name() + "," + variant.id() + "," + seed));
                }
            }
        }
        return ChildJobs.runAll(spec, runs, "runs", parallel, total, ModeRun.Result::read);
    }

    /** In a child JVM: trains the run of {@code --run-one} and writes it to {@code --result}. */
    private int trainChild(Plan plan) throws IOException {
        String[] parts = runOne.split(",");
        if (parts.length != 3) {
            throw new ParameterException(
                    spec.commandLine(), "--run-one: expected data,variant,seed, got " + runOne);
        }
        GaussianMixture mixture = GaussianMixture.named(parts[0]);
        Variant variant = Variant.of(parts[1]);
        long seed = Long.parseLong(parts[2]);
        int iterationsPerRun = plan.settings().iterations();
        int every = Math.max(1, iterationsPerRun / 100);
        ModeRun.Result r =
                ModeRun.train(
                        plan.engine(),
                        plan.protocol(),
                        mixture,
                        variant,
                        plan.settings(),
                        seed,
                        plan.checkpoints(),
                        new ModeRun.Listener() {
                            @Override
                            public void resumed(int iteration) {
                                ChildJobs.reportSkipped(iteration);
                                ChildJobs.reportProgress(iteration);
                            }

                            @Override
                            public void iteration(int t) {
                                if (t % every == 0 || t == iterationsPerRun) {
                                    ChildJobs.reportProgress(t);
                                }
                            }

                            @Override
                            public void point(ModeRun.Point p) {
                                // to the child's log: the curve so far survives an interrupted run
                                System.out.println(
                                        curveLine(plan.protocol(), mixture, variant, seed, p));
                            }
                        });
        r.write(result);
        System.out.printf(
                Locale.ROOT,
                "%s %s seed %d: %d iterations in %.1f s%n",
                mixture.name(),
                variant.id(),
                seed,
                iterationsPerRun,
                r.seconds());
        return 0;
    }

    private static int processors() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** A data set's published rows, figures, summary.csv and summary.md, after its runs. */
    private void writeMixture(
            Plan plan,
            GaussianMixture mixture,
            Map<Variant, List<ModeRun.Result>> results,
            Tables tables,
            Path out) {
        for (Published p : Published.of(plan.protocol(), mixture.name())) {
            tables.summaryMd()
                    .add(
                            mixture.name(),
                            p.method() + " (published)",
                            p.modes() + " / " + mixture.numModes(),
                            p.highQuality(),
                            p.reverseKl(),
                            "",
                            p.source());
        }
        writeScatter(out, mixture, plan.protocol(), plan.settings(), results, plan.engine());
        writeCurves(out, mixture, plan.protocol(), results);
        tables.summaryCsv().write(null, out.resolve("summary.csv"));
        tables.summaryMd().write(out.resolve("summary.md"), null);
    }

    /**
     * A measurement as a child JVM prints it to its log: {@value #CURVE_LINE} and the row that
     * curves.csv will hold.
     */
    static String curveLine(
            Protocol protocol,
            GaussianMixture mixture,
            Variant variant,
            long seed,
            ModeRun.Point p) {
        return Arrays.stream(ModeRun.curveRow(protocol, mixture, variant, seed, p))
                .map(String::valueOf)
                .collect(Collectors.joining(",", CURVE_LINE, ""));
    }

    private static void summarize(
            Protocol protocol,
            GaussianMixture mixture,
            Variant variant,
            List<ModeRun.Result> results,
            ModeRun.Settings settings,
            Table csv,
            Table md) {
        double[] modes = finals(results, m -> m.modesCaptured());
        double[] hq = finals(results, ModeMetrics::highQualityPercent);
        double[] rkl = finals(results, ModeMetrics::reverseKl);
        double seconds =
                Stats.mean(results.stream().mapToDouble(ModeRun.Result::seconds).toArray());
        csv.add(
                protocol.id(),
                mixture.name(),
                variant.id(),
                results.size(),
                settings.iterations(),
                ModeRun.fmt(2, Stats.mean(modes)),
                ModeRun.fmt(2, Stats.sd(modes)),
                mixture.numModes(),
                ModeRun.fmt(2, Stats.mean(hq)),
                ModeRun.fmt(2, Stats.sd(hq)),
                ModeRun.fmt(4, Stats.mean(rkl)),
                ModeRun.fmt(4, Stats.sd(rkl)),
                ModeRun.fmt(1, seconds));
        md.add(
                mixture.name(),
                variant.id() + " (ours)",
                Stats.meanSd(1, modes) + " / " + mixture.numModes(),
                Stats.meanSd(1, hq),
                Stats.meanSd(2, rkl),
                results.size() + " × " + settings.iterations() + " it.",
                "this run");
    }

    private static double[] finals(
            List<ModeRun.Result> results, ToDoubleFunction<ModeMetrics> metric) {
        return results.stream()
                .mapToDouble(r -> metric.applyAsDouble(r.last().metrics()))
                .toArray();
    }

    private void writeScatter(
            Path out,
            GaussianMixture mixture,
            Protocol protocol,
            ModeRun.Settings settings,
            Map<Variant, List<ModeRun.Result>> results,
            Engine engine) {
        List<BufferedImage> panels = new ArrayList<>();
        for (int k = 0; k < seeds; k++) {
            for (Map.Entry<Variant, List<ModeRun.Result>> e : results.entrySet()) {
                ModeRun.Result r = e.getValue().get(k);
                ModeMetrics m = r.last().metrics();
                panels.add(
                        Charts.scatter(
                                String.format(
                                        Locale.ROOT,
                                        "%s s%d: %d/%d, HQ %.1f%%",
                                        e.getKey().id(),
                                        common.seed + k,
                                        m.modesCaptured(),
                                        m.numModes(),
                                        m.highQualityPercent()),
                                r.samples(),
                                mixture.means(),
                                3 * mixture.sigma(),
                                mixture.extent(),
                                plotSize));
            }
        }
        Plots.write(
                Charts.grid(
                        panels,
                        results.size(),
                        String.format(
                                Locale.ROOT,
                                "%s protocol, %s (%d modes, sigma %s): %d samples after %d"
                                        + " iterations; %s %s",
                                protocol.id(),
                                mixture.name(),
                                mixture.numModes(),
                                mixture.sigma(),
                                Protocol.EVAL_SAMPLES,
                                settings.iterations(),
                                engine.getEngineName(),
                                engine.getVersion())),
                out.resolve(mixture.name() + ".png"));
    }

    /** Curves with more evaluations than this are drawn as lines only, without a marker each. */
    private static final int MOST_MARKERS = 50;

    private static void writeCurves(
            Path out,
            GaussianMixture mixture,
            Protocol protocol,
            Map<Variant, List<ModeRun.Result>> results) {
        List<BufferedImage> panels = new ArrayList<>();
        String[] titles = {"modes captured", "high-quality samples (%)", "reverse KL (nats)"};
        List<ToDoubleFunction<ModeMetrics>> metrics =
                List.of(
                        m -> m.modesCaptured(),
                        ModeMetrics::highQualityPercent,
                        ModeMetrics::reverseKl);
        // Iterations from 0, the legend beside the plot (not over the last points).
        int points = results.values().iterator().next().get(0).curve().size();
        Charts.LineOptions options =
                new Charts.LineOptions(
                        0.0,
                        "#,###",
                        null,
                        null,
                        Map.of(),
                        points <= MOST_MARKERS,
                        Styler.LegendPosition.OutsideE);
        for (int i = 0; i < titles.length; i++) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            for (Map.Entry<Variant, List<ModeRun.Result>> e : results.entrySet()) {
                series.put(e.getKey().id(), meanCurve(e.getValue(), metrics.get(i)));
            }
            panels.add(
                    Charts.lines(
                            titles[i] + ", mean over seeds",
                            "iteration",
                            titles[i],
                            series,
                            options,
                            480,
                            320));
        }
        Plots.write(
                Charts.grid(
                        panels,
                        panels.size(),
                        protocol.id() + " protocol, " + mixture.name() + ": training curves"),
                out.resolve(mixture.name() + "-curves.png"));
    }

    /** {iterations, mean over the runs of the metric} at each measurement. */
    private static double[][] meanCurve(
            List<ModeRun.Result> runs, ToDoubleFunction<ModeMetrics> metric) {
        int points = runs.get(0).curve().size();
        double[] x = new double[points];
        double[] y = new double[points];
        for (int i = 0; i < points; i++) {
            x[i] = runs.get(0).curve().get(i).iteration();
            double sum = 0;
            for (ModeRun.Result r : runs) {
                sum += metric.applyAsDouble(r.curve().get(i).metrics());
            }
            y[i] = sum / runs.size();
        }
        return new double[][] {x, y};
    }
}
