package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The loss of a {@link GanTrainer}-trained network's {@code TrainingConfig}: it reports the loss
 * the GAN step computed, so that DJL's evaluator and logging listeners show it.
 *
 * <p>A GAN's losses are not functions of (labels, predictions), so {@link GanTrainer#fit} hands
 * each network's listeners the step's loss as both the label and the prediction; this loss returns
 * it. ({@link GanTrainer#config} uses it.) Any other {@code Loss} in a GAN network's configuration
 * is never used for training, and DJL's listeners would show that loss evaluated on the step's loss
 * value instead.
 */
public final class ReportedLoss extends Loss {

    /**
     * Creates the loss.
     *
     * @param name the name under which listeners report it, e.g. {@code "discriminator_loss"}
     */
    public ReportedLoss(String name) {
        super(name);
    }

    /** {@inheritDoc} */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return labels.head();
    }
}
