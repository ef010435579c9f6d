package io.github.djlgan.examples.bench;

import ai.djl.ndarray.NDManager;

/**
 * One benchmark case: what it measures and how to set it up.
 *
 * @param name the case name, e.g. {@code "wn_conv"}
 * @param input the input, as printed in the table
 * @param block the block, as printed in the table
 * @param flops the floating-point operations of one forward + backward step
 * @param setup creates the step on a manager of the engine under test
 * @param maxWarmup at most this many warm-up runs, whatever the command line asks (0: no limit)
 * @param maxIterations at most this many timed runs (0: no limit)
 */
public record BenchCase(
        String name,
        String input,
        String block,
        double flops,
        Setup setup,
        int maxWarmup,
        int maxIterations) {

    /**
     * A case without run limits.
     *
     * @param name the case name
     * @param input the input, as printed in the table
     * @param block the block, as printed in the table
     * @param flops the floating-point operations of one forward + backward step
     * @param setup creates the step
     */
    public BenchCase(String name, String input, String block, double flops, Setup setup) {
        this(name, input, block, flops, setup, 0, 0);
    }

    /**
     * Returns this case with its runs capped, for a case too slow for the usual counts.
     *
     * @param warmup the most warm-up runs
     * @param iterations the most timed runs
     * @return the capped case
     */
    public BenchCase limitedTo(int warmup, int iterations) {
        return new BenchCase(name, input, block, flops, setup, warmup, iterations);
    }

    /**
     * The warm-up runs to do when {@code requested} are asked for.
     *
     * @param requested the warm-up runs asked for
     * @return the warm-up runs
     */
    public int warmup(int requested) {
        return maxWarmup > 0 ? Math.min(requested, maxWarmup) : requested;
    }

    /**
     * The timed runs to do when {@code requested} are asked for.
     *
     * @param requested the timed runs asked for
     * @return the timed runs
     */
    public int iterations(int requested) {
        return maxIterations > 0 ? Math.min(requested, maxIterations) : requested;
    }

    /** Creates a step. */
    @FunctionalInterface
    public interface Setup {
        /**
         * Creates the step: block, parameters and inputs, on {@code manager}.
         *
         * @param manager a manager of the engine under test
         * @return the step
         */
        Step create(NDManager manager);
    }

    /** One timed unit of work (a forward + backward, or a whole GAN step). */
    public interface Step extends AutoCloseable {
        /** Runs the work once and waits until the engine has finished it. */
        void run();

        /** Frees the step's arrays. */
        @Override
        void close();
    }
}
