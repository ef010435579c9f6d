package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.SkipException;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * 2,000 steps of a small GAN with every trainer option that allocates (packing, the generator's
 * average, Adam's moments, sampling): the arrays alive stay the same from step to step, and the
 * process's resident memory stays flat over the second half of the run. (The first half is warm-up:
 * the engines' memory pools and the Java heap, whose pages the collector touches for the first time
 * over the first few hundred steps, grow to their working size — measured on MXNet: 216 MiB at step
 * 250, 410 MiB from step 1,000 on, with 380 MiB of heap committed.)
 */
public class GanTrainerSoakTest extends EngineTest {

    private static final int STEPS = 2000;

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
    public void twoThousandStepsHoldMemoryConstant() throws IOException {
        try (Model g = TinyGan.model("g", TinyGan.generator(), engineName);
                Model d = TinyGan.model("d", TinyGan.discriminator(), engineName);
                GanTrainer gan =
                        GanTrainer.builder()
                                .setGenerator(g)
                                .setDiscriminator(d)
                                .optLatent(LatentSampler.normal(TinyGan.LATENT))
                                .optPacking(2)
                                .optGeneratorEma(0.99f)
                                .build()) {
            NDManager engineManager = g.getNDManager().getParentManager();
            gan.initialize(new Shape(16, TinyGan.DATA));
            int[] alive = new int[STEPS + 1];
            long rssAtWarmup = 0;
            long rssMax = 0;
            for (int step = 1; step <= STEPS; step++) {
                try (NDManager s = manager.newSubManager()) {
                    GanStepResult r = gan.step(new NDList(TinyGan.real(s, step, 16)));
                    assertTrue(Float.isFinite(r.getDiscriminatorLoss()), r.toString());
                    if (step % 100 == 0) {
                        gan.sample(s, 4);
                    }
                }
                alive[step] = engineManager.getManagedArrays().size();
                if (step == STEPS / 2) {
                    rssAtWarmup = rss();
                } else if (step > STEPS / 2 && step % 100 == 0) {
                    rssMax = Math.max(rssMax, rss());
                }
            }
            for (int step = 2; step <= STEPS; step++) {
                assertEquals(alive[step], alive[1], "arrays alive after step " + step);
            }
            long rssAtEnd = rss();
            double growth = (rssAtEnd - rssAtWarmup) / (double) rssAtWarmup;
            assertTrue(
                    growth < 0.05,
                    String.format(
                            "RSS grew %.1f%% from step %d (%d MiB) to step %d (%d MiB)",
                            100 * growth, STEPS / 4, rssAtWarmup >> 20, STEPS, rssAtEnd >> 20));
        }
    }

    /** VmRSS of this process in bytes, from /proc/self/status. */
    private static long rss() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            throw new SkipException("no /proc/self/status on this system");
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
            }
        }
        throw new SkipException("no VmRSS in /proc/self/status");
    }
}
