package io.github.djlgan.examples.soak;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.examples.Main;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * The short soak of the default test run: the {@code soak} command trains the improved-gan MNIST
 * GAN (batch 100) for 200 steps on each engine in a JVM of its own, with the RSS sampled every 20
 * steps, and must show
 *
 * <ul>
 *   <li>the same number of arrays alive in the engine and on the models' managers at every sample
 *       after the first step (nothing accumulates, exactly);
 *   <li>RSS growth of at most {@value #MAX_GROWTH_PERCENT}% from the end of the 100-step warm-up to
 *       step 200 (the full soak, 10,000 steps, allows 5%);
 *   <li>finite losses.
 * </ul>
 *
 * <p>The child JVM has a fixed, pre-touched heap ({@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}),
 * so the JVM heap's pages are resident from the start and RSS growth is native growth. (With a
 * default heap, eden is touched page by page until the first collections, which takes a few hundred
 * steps of this loop.) A separate JVM also keeps other tests' memory out of the figure.
 */
public class ShortSoakTest {

    private static final int STEPS = 200;
    private static final int EVERY = 20;
    private static final int WARMUP = 100;
    private static final double MAX_GROWTH_PERCENT = 10;

    private Path tmp;

    @BeforeClass
    public void createTemporaryDirectory() throws IOException {
        tmp = Files.createTempDirectory("djlgan-soak");
    }

    @AfterClass(alwaysRun = true)
    public void deleteTemporaryDirectory() throws IOException {
        TempDirs.delete(tmp);
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void twoHundredStepsLeakNothing(String engine) throws Exception {
        Path out = tmp.resolve(engine);
        Path log = tmp.resolve(engine + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xms256m");
        command.add("-Xmx256m");
        command.add("-XX:+AlwaysPreTouch");
        // the parent's offline mode: false under -Pgpu, where DJL downloads the CUDA build
        command.add("-Dai.djl.offline=" + System.getProperty("ai.djl.offline", "true"));
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.add("soak");
        command.add("--engine=" + engine);
        command.add("--steps=" + STEPS);
        command.add("--every=" + EVERY);
        command.add("--warmup=" + WARMUP);
        command.add("--max-growth=" + MAX_GROWTH_PERCENT);
        command.add("--out=" + out);
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        // a hang guard, not a timing: on a busy machine 200 MXNet steps can take minutes
        if (!process.waitFor(15, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("soak did not finish in 15 minutes: " + read(log));
        }
        List<String> csv =
                Files.readAllLines(out.resolve("soak-" + engine + ".csv"), StandardCharsets.UTF_8);
        String summary = Files.readString(out.resolve("soak-" + engine + ".txt")).trim();
        System.out.println(summary);
        assertEquals(csv.get(0), SoakRun.Sample.CSV_HEADER);
        assertEquals(csv.size(), 1 + 1 + STEPS / EVERY, read(log));

        String[] first = csv.get(2).split(","); // after step EVERY
        double baseline = Double.NaN;
        double last = Double.NaN;
        for (String line : csv.subList(2, csv.size())) {
            String[] f = line.split(",");
            int step = Integer.parseInt(f[0]);
            assertEquals(f[4], first[4], "arrays alive in the engine changed at step " + step);
            assertEquals(f[5], first[5], "arrays on the models changed at step " + step);
            assertTrue(Double.isFinite(Double.parseDouble(f[7])), "loss_d at step " + step);
            assertTrue(Double.isFinite(Double.parseDouble(f[8])), "loss_g at step " + step);
            if (step == WARMUP) {
                baseline = Double.parseDouble(f[1]);
            }
            last = Double.parseDouble(f[1]);
        }
        double growth = 100 * (last - baseline) / baseline;
        assertTrue(
                growth <= MAX_GROWTH_PERCENT,
                String.format(
                        "RSS grew %.2f%% after warm-up (%.0f -> %.0f MiB): %s",
                        growth, baseline, last, String.join("\n", csv)));
        assertEquals(process.exitValue(), 0, read(log));
    }

    private static String read(Path log) throws IOException {
        return log.toFile().exists() ? Files.readString(log) : "(no output)";
    }
}
