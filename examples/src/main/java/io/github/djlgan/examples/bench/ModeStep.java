package io.github.djlgan.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.examples.modes.ModeRun;
import io.github.djlgan.examples.modes.Protocol;
import io.github.djlgan.examples.modes.Variant;
import io.github.djlgan.training.GanTrainer;
import io.github.djlgan.training.NonFiniteCheck;

/**
 * One training iteration of a mode-coverage protocol's networks with the plain discriminator
 * ({@link Variant#GAN}), exactly as {@code mode-coverage} trains them: the networks and the {@link
 * GanTrainer} come from {@link ModeRun#networks} (simultaneous updates, Adam), the real batch is a
 * fixed random (N, 2) array (time does not depend on the values). The trainer checks the losses for
 * NaN and infinity, as in a run; the {@code _grad_check} cases check the gradients as well ({@link
 * NonFiniteCheck#LOSSES_AND_GRADIENTS}), to measure that check's cost. Each run's arrays live in a
 * sub-manager closed at the end of the run; the step reads both losses back, which waits for the
 * engine.
 */
final class ModeStep implements BenchCase.Step {

    private final NDManager scope;
    private final ModeRun.Networks networks;
    private final NDArray real;

    ModeStep(NDManager manager, Protocol protocol, NonFiniteCheck check) {
        networks =
                ModeRun.networks(
                        manager.getEngine(),
                        protocol,
                        Variant.GAN,
                        ModeRun.Settings.builder(protocol).build(),
                        1,
                        b -> b.optCheckFinite(check));
        scope = manager.newSubManager();
        real = scope.randomNormal(new Shape(networks.batch(), 2));
    }

    /** {@inheritDoc} */
    @Override
    public void run() {
        try (NDManager iteration = scope.newSubManager()) {
            real.tempAttach(iteration);
            networks.trainer().step(new NDList(real));
        }
    }

    /**
     * The multiply-accumulates per sample of each matrix product of a protocol's generator, input
     * to output (its dense layers, weight (out, in): out · in each).
     *
     * @param protocol the protocol
     * @return the MACs per sample, layer by layer
     */
    static long[] generatorMacs(Protocol protocol) {
        return protocol == Protocol.METZ
                ? new long[] {256 * 128, 128 * 128, 128 * 2}
                : new long[] {2 * 400, 400 * 400, 400 * 400, 400 * 400, 400 * 2};
    }

    /**
     * The multiply-accumulates per sample of each matrix product of a protocol's plain
     * discriminator, input to output (a Maxout layer of 200 units × 5 pieces is one product with
     * 1000 outputs).
     *
     * @param protocol the protocol
     * @return the MACs per sample, layer by layer
     */
    static long[] discriminatorMacs(Protocol protocol) {
        return protocol == Protocol.METZ
                ? new long[] {2 * 128, 128 * 128, 128}
                : new long[] {2 * 1000, 200 * 1000, 200 * 1000, 200};
    }

    /**
     * FLOPs of one simultaneous step with the matrix products only, 2 per MAC forward and 2 per MAC
     * for each gradient the backward pass computes (a weight gradient where the network is updated,
     * an input gradient where the gradient must flow further back). With a generator of G MACs per
     * sample (first layer G₁) and a discriminator of D (first layer D₁):
     *
     * <ul>
     *   <li>the generator, forward and backward: weight gradients, and input gradients except the
     *       latent's: 6G − 2G₁;
     *   <li>the discriminator on the real batch and on the generated batch detached from the
     *       generator (its update), forward and backward: 2 × (6D − 2D₁);
     *   <li>the discriminator on the generated batch with detached parameters (the generator's
     *       loss), forward and the input gradients only: 4D.
     * </ul>
     *
     * @param protocol the protocol
     * @return the FLOPs of one step on a batch of {@link Protocol#batch()}
     */
    static double flops(Protocol protocol) {
        long[] g = generatorMacs(protocol);
        long[] d = discriminatorMacs(protocol);
        double perSample = 6.0 * sum(g) - 2.0 * g[0] + 16.0 * sum(d) - 4.0 * d[0];
        return protocol.batch() * perSample;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        try {
            scope.close();
        } finally {
            networks.close();
        }
    }
}
