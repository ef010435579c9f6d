package io.github.djlgan.examples.soak;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.djlgan.examples.bench.Memory;
import io.github.djlgan.examples.gan.ImprovedGan;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A memory soak: trains {@link ImprovedGan} (the improved-gan MNIST generator and discriminator,
 * batch {@code batch}, Adam) for a number of steps and samples the process's resident set size
 * (RSS) at regular intervals.
 *
 * <p>Data: random images, uniform on [0, 1) (784 pixels), random labels and uniform latent vectors,
 * drawn afresh for every step by the engine (images, latents) and {@code java.util.Random}
 * (labels). Memory does not depend on the pixel values, and random data keeps the soak free of
 * files.
 *
 * <p>Each step runs in a sub-manager of one base manager, closed after the step, as a training loop
 * should. Every {@code every} steps a {@link Sample} records the RSS, the JVM heap, the number of
 * arrays alive in the engine and on the two models' managers, the mean step time and the losses.
 * The sample after step 0 is taken after data-dependent init, before the first step.
 *
 * <p><b>Warm-up</b> is the first {@code warmup} steps: while it lasts, the engine's allocators
 * (PyTorch's and MXNet's CPU memory pools, glibc's arenas) and the JVM heap grow to the working set
 * of a step, so RSS rises for reasons that are not leaks. The RSS sampled at the end of warm-up is
 * the baseline; {@linkplain Result#growth() growth} is (RSS at the end − baseline) / baseline. A
 * leak shows as growth that continues after warm-up; the arrays-alive counts, which must not change
 * between samples, tell whether the leak is of DJL arrays.
 */
public final class SoakRun {

    private final String engine;
    private final int steps;
    private final int every;
    private final int warmup;
    private final int batch;
    private final long seed;

    /**
     * Configures a soak.
     *
     * @param engine the engine name
     * @param steps the number of training steps, &ge; 1
     * @param every the sampling interval in steps, &ge; 1
     * @param warmup the warm-up in steps, a multiple of {@code every} in [0, steps)
     * @param batch the batch size, &ge; 2
     * @param seed the random seed (engine and labels)
     * @throws IllegalArgumentException if an argument is out of range
     */
    public SoakRun(String engine, int steps, int every, int warmup, int batch, long seed) {
        if (steps < 1 || every < 1 || batch < 2) {
            throw new IllegalArgumentException(
                    "soak: need steps >= 1, every >= 1, batch >= 2; got steps="
                            + steps
                            + ", every="
                            + every
                            + ", batch="
                            + batch);
        }
        if (warmup < 0 || warmup >= steps || warmup % every != 0) {
            throw new IllegalArgumentException(
                    "soak: warm-up must be a multiple of the sampling interval "
                            + every
                            + " in [0, "
                            + steps
                            + "), got "
                            + warmup);
        }
        this.engine = engine;
        this.steps = steps;
        this.every = every;
        this.warmup = warmup;
        this.batch = batch;
        this.seed = seed;
    }

    /**
     * The default warm-up for a number of steps: a tenth of them, rounded down to a multiple of the
     * sampling interval (1,000 steps of 10,000 with samples every 500).
     *
     * @param steps the number of steps
     * @param every the sampling interval, &ge; 1
     * @return the warm-up in steps
     * @throws IllegalArgumentException if every is below 1
     */
    public static int defaultWarmup(int steps, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("soak: need every >= 1, got every=" + every);
        }
        return Math.max(0, steps / 10 / every * every);
    }

    /**
     * Runs the soak.
     *
     * @param onSample called with every sample as it is taken (e.g. to print progress)
     * @return the samples and the summary
     */
    public Result run(Consumer<Sample> onSample) {
        Engine e = Engine.getEngine(engine);
        e.setRandomSeed((int) seed);
        Random random = new Random(seed);
        List<Sample> samples = new ArrayList<>();
        try (NDManager base = e.newBaseManager()) {
            ImprovedGan gan;
            try (NDManager init = base.newSubManager()) {
                gan =
                        new ImprovedGan(
                                engine,
                                batch,
                                ImprovedGan.LEARNING_RATE,
                                ImprovedGan.BETA1,
                                ImprovedGan.randomImages(init, batch),
                                seed);
            }
            try (gan) {
                NDManager all = base.getParentManager(); // the engine's system manager
                long started = System.nanoTime();
                float[] losses = {Float.NaN, Float.NaN};
                samples.add(sample(0, 0, gan, all, losses));
                onSample.accept(samples.get(0));
                for (int t = 1; t <= steps; t++) {
                    try (NDManager s = base.newSubManager()) {
                        int[] labels = new int[batch];
                        for (int i = 0; i < batch; i++) {
                            labels[i] = random.nextInt(ImprovedGanMnist.CLASSES);
                        }
                        NDArray xUnl = ImprovedGan.randomImages(s, batch);
                        float[] l =
                                gan.step(
                                        ImprovedGan.randomImages(s, batch),
                                        s.create(labels),
                                        xUnl,
                                        xUnl);
                        losses = new float[] {l[0] + l[1], l[2]};
                    }
                    if (t % every == 0 || t == steps) {
                        long now = System.nanoTime();
                        int done = t - samples.get(samples.size() - 1).step();
                        Sample sample = sample(t, (now - started) / 1e6 / done, gan, all, losses);
                        samples.add(sample);
                        onSample.accept(sample);
                        started = System.nanoTime();
                    }
                }
            }
        }
        return new Result(engine, warmup, samples);
    }

    private static Sample sample(
            int step, double msPerStep, ImprovedGan gan, NDManager all, float[] losses) {
        Runtime rt = Runtime.getRuntime();
        return new Sample(
                step,
                Memory.rss() / (1024.0 * 1024.0),
                (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0),
                rt.totalMemory() / (1024.0 * 1024.0),
                all.getManagedArrays().size(),
                gan.modelArrays(),
                msPerStep,
                losses[0],
                losses[1]);
    }

    /**
     * One sample of the soak.
     *
     * @param step the steps done
     * @param rssMiB the resident set size in MiB (-1/1024² where /proc is missing)
     * @param heapUsedMiB the JVM heap in use, MiB
     * @param heapCommittedMiB the JVM heap committed, MiB
     * @param engineArrays arrays alive in the engine (its system manager, recursively)
     * @param modelArrays arrays on the two models' managers
     * @param msPerStep the mean time of a step since the previous sample, ms (0 for step 0)
     * @param lossD the discriminator's loss at the last step (NaN for step 0)
     * @param lossG the generator's loss at the last step (NaN for step 0)
     */
    public record Sample(
            int step,
            double rssMiB,
            double heapUsedMiB,
            double heapCommittedMiB,
            int engineArrays,
            int modelArrays,
            double msPerStep,
            float lossD,
            float lossG) {

        /** The CSV header matching {@link #toCsv()}. */
        public static final String CSV_HEADER =
                "step,rss_mib,heap_used_mib,heap_committed_mib,engine_arrays,model_arrays,"
                        + "ms_per_step,loss_d,loss_g";

        /**
         * Formats the sample as a CSV line.
         *
         * @return the line, without a line terminator
         */
        public String toCsv() {
            return String.format(
                    Locale.ROOT,
                    "%d,%.1f,%.1f,%.1f,%d,%d,%.2f,%.5f,%.5f",
                    step,
                    rssMiB,
                    heapUsedMiB,
                    heapCommittedMiB,
                    engineArrays,
                    modelArrays,
                    msPerStep,
                    lossD,
                    lossG);
        }
    }

    /**
     * The samples of a soak and their summary.
     *
     * @param engine the engine name
     * @param warmup the warm-up in steps
     * @param samples the samples, the first at step 0, the last at the final step
     */
    public record Result(String engine, int warmup, List<Sample> samples) {

        /**
         * Creates a result.
         *
         * @param engine the engine name
         * @param warmup the warm-up in steps
         * @param samples the samples
         */
        public Result {
            samples = Collections.unmodifiableList(new ArrayList<>(samples));
        }

        /**
         * Returns the sample at the end of warm-up: the baseline.
         *
         * @return the first sample whose step is at least the warm-up
         */
        public Sample baseline() {
            return samples.stream().filter(s -> s.step() >= warmup).findFirst().orElseThrow();
        }

        /**
         * Returns the last sample.
         *
         * @return the last sample
         */
        public Sample last() {
            return samples.get(samples.size() - 1);
        }

        /**
         * Returns the relative RSS growth from the end of warm-up to the end.
         *
         * @return (RSS at the end − RSS after warm-up) / RSS after warm-up
         */
        public double growth() {
            return (last().rssMiB() - baseline().rssMiB()) / baseline().rssMiB();
        }

        /**
         * Returns the largest RSS sampled after warm-up (including its end).
         *
         * @return the maximum RSS in MiB
         */
        public double maxRssAfterWarmup() {
            return samples.stream()
                    .filter(s -> s.step() >= warmup)
                    .mapToDouble(Sample::rssMiB)
                    .max()
                    .orElseThrow();
        }

        /**
         * Returns the least-squares slope of RSS against steps after warm-up: a leak shows as a
         * steady positive trend, while the JVM heap's saw-tooth (garbage filling and emptying the
         * young generation) only adds scatter around it.
         *
         * @return the trend in MiB per 1,000 steps (0 with fewer than two samples)
         */
        public double trendMiBPer1000Steps() {
            double n = 0;
            double sx = 0;
            double sy = 0;
            double sxx = 0;
            double sxy = 0;
            for (Sample s : samples) {
                if (s.step() >= warmup) {
                    n++;
                    sx += s.step();
                    sy += s.rssMiB();
                    sxx += (double) s.step() * s.step();
                    sxy += s.step() * s.rssMiB();
                }
            }
            double denominator = n * sxx - sx * sx;
            return n < 2 || denominator == 0 ? 0 : 1000 * (n * sxy - sx * sy) / denominator;
        }

        /**
         * Returns the change of the arrays alive in the engine from the end of warm-up to the end.
         *
         * @return arrays at the end − arrays after warm-up
         */
        public int engineArraysGrowth() {
            return last().engineArrays() - baseline().engineArrays();
        }

        /**
         * Returns the change of the arrays on the models' managers from the end of warm-up to the
         * end.
         *
         * @return arrays at the end − arrays after warm-up
         */
        public int modelArraysGrowth() {
            return last().modelArrays() - baseline().modelArrays();
        }

        /**
         * Returns the mean step time after warm-up.
         *
         * @return milliseconds per step
         */
        public double msPerStepAfterWarmup() {
            double total = 0;
            int count = 0;
            Sample previous = null;
            for (Sample s : samples) {
                if (previous != null && previous.step() >= warmup) {
                    total += s.msPerStep() * (s.step() - previous.step());
                    count += s.step() - previous.step();
                }
                previous = s;
            }
            return count == 0 ? last().msPerStep() : total / count;
        }

        /**
         * Returns the one-line summary.
         *
         * @return {@code "soak <engine>: <n> steps; RSS after warm-up (step <b>) <x> MiB, at the
         *     end <y> MiB, growth <g>%, max <z> MiB, trend <t> MiB per 1000 steps; ..."}
         */
        public String summary() {
            Sample b = baseline();
            Sample l = last();
            return String.format(
                    Locale.ROOT,
                    "soak %s: %d steps; RSS after warm-up (step %d) %.0f MiB, at the end %.0f MiB,"
                            + " growth %+.2f%%, max %.0f MiB, trend %+.2f MiB per 1000 steps;"
                            + " arrays alive in the engine %d -> %d,"
                            + " on the models %d -> %d; %.1f ms/step",
                    engine,
                    l.step(),
                    b.step(),
                    b.rssMiB(),
                    l.rssMiB(),
                    100 * growth(),
                    maxRssAfterWarmup(),
                    trendMiBPer1000Steps(),
                    b.engineArrays(),
                    l.engineArrays(),
                    b.modelArrays(),
                    l.modelArrays(),
                    msPerStepAfterWarmup());
        }
    }
}
