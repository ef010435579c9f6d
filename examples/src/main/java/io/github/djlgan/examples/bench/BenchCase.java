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
 */
public record BenchCase(String name, String input, String block, double flops, Setup setup) {

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
