package io.github.djlgan.training;

/**
 * The extension point of {@link GanTrainer}: what each network minimises in its update.
 *
 * <p>The trainer calls {@link #discriminatorLoss} inside the discriminator's update and {@link
 * #generatorLoss} inside the generator's, and differentiates the returned {@link
 * LossTerms#getTotal() total}. The {@link GanUpdate} handed in holds the user's real batch, the
 * generated batch and the discriminator as that update must see it: with live parameters in the
 * discriminator's update (the generated batch is detached), on detached parameters in the
 * generator's update (the generated batch carries the generator's gradient). An objective only
 * reaches the networks through it, so it cannot leak gradient from one network's update into the
 * other's.
 *
 * <p>Every {@link GanLoss} is an objective on the discriminator's logits. An objective that needs
 * more implements this interface directly, for example improved-gan's semi-supervised loss: its
 * real batch is the list (unlabelled images, labelled images, labels), its discriminator loss is
 * the cross-entropy on the labelled images plus the unsupervised terms, and its generator loss
 * matches the mean of the discriminator's hidden features ({@link
 * GanUpdate#forward(ai.djl.nn.Block, ai.djl.ndarray.NDList)} runs a part of the discriminator); the
 * extra terms are reported through {@link LossTerms#with(String, ai.djl.ndarray.NDArray)}.
 */
public interface GanObjective {

    /**
     * The discriminator's loss for one update.
     *
     * @param update the batches and the discriminator with live parameters
     * @return the loss to minimise, with optional named extras
     */
    LossTerms discriminatorLoss(GanUpdate update);

    /**
     * The generator's loss for one update.
     *
     * @param update the batches and the discriminator on detached parameters
     * @return the loss to minimise, with optional named extras
     */
    LossTerms generatorLoss(GanUpdate update);
}
