package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.ForkedJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * 2,000 steps of a small GAN with every trainer option that allocates (packing, the generator's
 * average, Adam's moments, sampling): the arrays alive stay the same from step to step, and the
 * process's resident memory stays flat over the second half of the run.
 *
 * <p>The run has a JVM of its own with a fixed, pre-touched heap ({@code -Xms256m -Xmx256m
 * -XX:+AlwaysPreTouch}), so RSS growth is native growth: inside the suite's JVM the Java heap's
 * first-touched pages and the other tests' leftovers would dominate it.
 */
public class GanTrainerSoakTest extends EngineTest {

    static final int STEPS = 2000;

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GanTrainerSoakTest(String engine) {
        super(engine);
    }

    @Test
    public void twoThousandStepsHoldMemoryConstant() throws IOException, InterruptedException {
        ForkedJvm.Result r =
                ForkedJvm.runWithProperties(
                        Soak.class,
                        List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"),
                        engineName);
        assertEquals(r.exitCode, 0, r.output);
    }

    /** The soak itself, in the forked JVM; exits 1 with a message when a bound is broken. */
    public static final class Soak {

        private Soak() {}

        /**
         * Runs the soak.
         *
         * @param args the engine name
         * @throws IOException if /proc cannot be read
         */
        public static void main(String[] args) throws IOException {
            String engine = args[0];
            try (Model g = TinyGan.model("g", TinyGan.generator(), engine);
                    Model d = TinyGan.model("d", TinyGan.discriminator(), engine);
                    GanTrainer gan =
                            GanTrainer.builder()
                                    .setGenerator(g)
                                    .setDiscriminator(d)
                                    .optLatent(LatentSampler.normal(TinyGan.LATENT))
                                    .optPacking(2)
                                    .optGeneratorEma(0.99f)
                                    .build();
                    NDManager base = Engine.getEngine(engine).newBaseManager()) {
                NDManager engineManager = g.getNDManager().getParentManager();
                gan.initialize(new Shape(16, TinyGan.DATA));
                int alive = -1;
                long rssAtHalf = 0;
                long rssMax = 0;
                for (int step = 1; step <= STEPS; step++) {
                    try (NDManager s = base.newSubManager()) {
                        GanStepResult r = gan.step(new NDList(TinyGan.real(s, step, 16)));
                        check(Float.isFinite(r.getDiscriminatorLoss()), r.toString());
                        if (step % 100 == 0) {
                            gan.sample(s, 4);
                        }
                    }
                    int now = engineManager.getManagedArrays().size();
                    if (step == 1) {
                        alive = now;
                    }
                    check(
                            now == alive,
                            "arrays alive after step " + step + ": " + now + " vs " + alive);
                    if (step == STEPS / 2) {
                        rssAtHalf = rss();
                    } else if (step > STEPS / 2 && step % 100 == 0) {
                        rssMax = Math.max(rssMax, rss());
                    }
                }
                double growth = (rssMax - rssAtHalf) / (double) rssAtHalf;
                String report =
                        String.format(
                                "%s: RSS %d MiB at step %d, at most %d MiB up to step %d (%+.1f%%);"
                                        + " %d arrays alive at every step",
                                engine,
                                rssAtHalf >> 20,
                                STEPS / 2,
                                rssMax >> 20,
                                STEPS,
                                100 * growth,
                                alive);
                check(growth < 0.05, "RSS grew: " + report);
                System.out.println(report);
            }
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                System.out.println(message);
                System.exit(1);
            }
        }

        private static long rss() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
            throw new IOException("no VmRSS in /proc/self/status");
        }
    }
}
