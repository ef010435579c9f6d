package io.github.djlgan.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.djlgan.examples.gan.ImprovedGan;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;

/**
 * One training step of the improved-gan MNIST networks (a discriminator and a generator Adam
 * update) on fixed random inputs (memory and time do not depend on the values): through {@link
 * ImprovedGan}'s {@code GanTrainer} ({@code gan_step}), or by the hand-written loop it replaced
 * ({@code gan_step_manual}, {@link HandWrittenGanStep}), so the trainer's overhead is measured side
 * by side. Each run's arrays live in a sub-manager closed at the end of the run; the losses are
 * read back, which waits for the engine.
 */
final class GanStep implements BenchCase.Step {

    private final NDManager scope;
    private final ImprovedGan gan;
    private final HandWrittenGanStep manual;
    private final NDArray[] inputs;

    GanStep(NDManager manager, int batch, boolean handWritten) {
        scope = manager.newSubManager();
        String engine = manager.getEngine().getEngineName();
        try (NDManager init = scope.newSubManager()) {
            NDArray initBatch = ImprovedGan.randomImages(init, batch);
            gan =
                    handWritten
                            ? null
                            : new ImprovedGan(
                                    engine,
                                    batch,
                                    ImprovedGan.LEARNING_RATE,
                                    ImprovedGan.BETA1,
                                    initBatch,
                                    1);
            manual = handWritten ? new HandWrittenGanStep(engine, batch, initBatch) : null;
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % ImprovedGanMnist.CLASSES;
        }
        inputs =
                new NDArray[] {
                    ImprovedGan.randomImages(scope, batch),
                    scope.create(labels),
                    ImprovedGan.randomImages(scope, batch),
                    ImprovedGan.randomImages(scope, batch),
                    latent(scope, batch),
                    latent(scope, batch)
                };
    }

    private static NDArray latent(NDManager manager, int n) {
        return ImprovedGan.latent(1).sample(manager, n, DataType.FLOAT32);
    }

    /** {@inheritDoc} */
    @Override
    public void run() {
        try (NDManager iteration = scope.newSubManager()) {
            for (NDArray x : inputs) {
                x.tempAttach(iteration);
            }
            if (manual != null) {
                manual.step(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5]);
            } else {
                gan.step(inputs[0], inputs[1], inputs[2], inputs[3]);
            }
        }
    }

    /**
     * FLOPs of one step with the multiply-accumulates of the dense layers only (2 per MAC forward,
     * 4 per MAC backward when both the input and the weight gradient are needed): the generator's
     * sample for the discriminator's update (forward), the discriminator on three batches (forward
     * + backward), the generator (forward + backward) and the discriminator's feature layers on the
     * generated batch (forward + input gradient) and on the real batch (forward).
     *
     * @param batch the batch size
     * @return the FLOPs
     */
    static double flops(int batch) {
        double g = 100 * 500 + 500 * 500 + 500 * 784;
        double features = 784 * 1000 + 1000 * 500 + 500 * 250 + 250 * 250 + 250 * 250;
        double d = features + 250 * 10;
        return batch * (2 * g + 3 * 6 * d + 6 * g + 4 * features + 2 * features);
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        if (gan != null) {
            gan.close();
        } else {
            manual.close();
        }
        scope.close();
    }
}
