package io.github.djlgan.examples.soak;

import ai.djl.engine.Engine;
import io.github.djlgan.examples.UsageErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code soak} command: trains the improved-gan MNIST GAN for many steps on one engine and
 * records the process's RSS every {@code --every} steps ({@link SoakRun}). Writes {@code
 * soak-<engine>.csv} (one line per sample) and {@code soak-<engine>.txt} (the summary line) to
 * {@code --out}, prints both, and exits with 1 if RSS grew by more than {@code --max-growth}
 * percent after warm-up.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Memory soak: train the improved-gan MNIST GAN (batch 100, Adam, random uniform images)"
                    + " for --steps steps and record the RSS every --every steps.",
            "Warm-up = the first --warmup steps (default: a tenth of the steps); growth = RSS at"
                    + " the end vs RSS at the end of warm-up."
        })
public final class Soak implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--engine",
            defaultValue = "PyTorch",
            description = "DJL engine: PyTorch or MXNet (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(
            names = "--steps",
            defaultValue = "10000",
            description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--every",
            defaultValue = "500",
            description = "Sample the RSS every this many steps (default: ${DEFAULT-VALUE}).")
    int every;

    @Option(
            names = "--warmup",
            defaultValue = "-1",
            description =
                    "Warm-up in steps, a multiple of --every (default: a tenth of --steps rounded"
                            + " down to a multiple of --every).")
    int warmup;

    @Option(
            names = "--batch",
            defaultValue = "100",
            description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--max-growth",
            defaultValue = "5",
            description =
                    "Exit with status 1 if RSS grows by more than this many percent after warm-up"
                            + " (default: ${DEFAULT-VALUE}).")
    double maxGrowth;

    @Option(
            names = "--out",
            defaultValue = "out/soak",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        if (!Engine.getAllEngines().contains(engine)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "unknown engine " + engine + "; available: " + Engine.getAllEngines());
        }
        int warm =
                UsageErrors.checked(
                        spec, () -> warmup < 0 ? SoakRun.defaultWarmup(steps, every) : warmup);
        SoakRun soak =
                UsageErrors.checked(
                        spec, () -> new SoakRun(engine, steps, every, warm, batch, seed));
        Files.createDirectories(out);
        Path csv = out.resolve("soak-" + engine + ".csv");
        System.out.printf(
                Locale.ROOT,
                "soak on %s %s: %d steps, batch %d, RSS every %d steps, warm-up %d steps%n%s%n",
                engine,
                Engine.getEngine(engine).getVersion(),
                steps,
                batch,
                every,
                warm,
                SoakRun.Sample.CSV_HEADER);
        SoakRun.Result result;
        try (PrintWriter w =
                new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8))) {
            w.println(SoakRun.Sample.CSV_HEADER);
            result =
                    soak.run(
                            sample -> {
                                String line = sample.toCsv();
                                w.println(line);
                                w.flush();
                                System.out.println(line);
                            });
        }
        String summary = result.summary();
        Files.writeString(out.resolve("soak-" + engine + ".txt"), summary + "\n");
        System.out.println(summary);
        System.out.println("Wrote " + csv.toAbsolutePath().normalize());
        return 100 * result.growth() > maxGrowth ? 1 : 0;
    }
}
