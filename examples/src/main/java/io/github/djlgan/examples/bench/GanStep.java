package io.github.djlgan.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.djlgan.examples.gan.ImprovedGan;
import io.github.djlgan.zoo.ImprovedGanMnist;

/**
 * One {@link ImprovedGan#step}: a discriminator and a generator Adam update of the improved-gan
 * MNIST networks, on fixed random inputs (memory and time do not depend on the values). Each run's
 * arrays live in a sub-manager closed at the end of the run; the losses are read back, which waits
 * for the engine.
 */
final class GanStep implements BenchCase.Step {

    private final NDManager scope;
    private final ImprovedGan gan;
    private final NDArray[] inputs;

    GanStep(NDManager manager, int batch) {
        scope = manager.newSubManager();
        try (NDManager init = scope.newSubManager()) {
            gan =
                    new ImprovedGan(
                            manager.getEngine().getEngineName(),
                            batch,
                            ImprovedGan.LEARNING_RATE,
                            ImprovedGan.BETA1,
                            ImprovedGan.randomImages(init, batch));
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
                    ImprovedGan.randomLatent(scope, batch),
                    ImprovedGan.randomLatent(scope, batch)
                };
    }

    /** {@inheritDoc} */
    @Override
    public void run() {
        try (NDManager iteration = scope.newSubManager()) {
            for (NDArray x : inputs) {
                x.tempAttach(iteration);
            }
            gan.step(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5]);
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
        gan.close();
        scope.close();
    }
}
