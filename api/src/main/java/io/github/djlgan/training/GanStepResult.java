package io.github.djlgan.training;

import java.util.Collections;
import java.util.Map;

/**
 * What one {@link GanTrainer#step} did: the losses of the updates it made and the named extras the
 * objective reported, as Java numbers (the step's arrays are closed).
 */
public final class GanStepResult {

    private final long step;
    private final float discriminatorLoss;
    private final float generatorLoss;
    private final boolean generatorUpdated;
    private final Map<String, Float> discriminatorExtras;
    private final Map<String, Float> generatorExtras;

    GanStepResult(
            long step,
            float discriminatorLoss,
            float generatorLoss,
            boolean generatorUpdated,
            Map<String, Float> discriminatorExtras,
            Map<String, Float> generatorExtras) {
        this.step = step;
        this.discriminatorLoss = discriminatorLoss;
        this.generatorLoss = generatorLoss;
        this.generatorUpdated = generatorUpdated;
        this.discriminatorExtras = Collections.unmodifiableMap(discriminatorExtras);
        this.generatorExtras = Collections.unmodifiableMap(generatorExtras);
    }

    /**
     * Returns the number of steps taken, this one included.
     *
     * @return the step count
     */
    public long getStep() {
        return step;
    }

    /**
     * Returns the discriminator's loss in this step's update.
     *
     * @return the loss
     */
    public float getDiscriminatorLoss() {
        return discriminatorLoss;
    }

    /**
     * Returns the generator's loss, or NaN if this step did not update the generator (see {@link
     * GanSchedule#nCritic(int)}).
     *
     * @return the loss or NaN
     */
    public float getGeneratorLoss() {
        return generatorLoss;
    }

    /**
     * Returns whether this step updated the generator.
     *
     * @return whether the generator was updated
     */
    public boolean isGeneratorUpdated() {
        return generatorUpdated;
    }

    /**
     * Returns the extras the objective reported in the discriminator's update.
     *
     * @return name → value, in the order they were added
     */
    public Map<String, Float> getDiscriminatorExtras() {
        return discriminatorExtras;
    }

    /**
     * Returns the extras the objective reported in the generator's update (empty if the generator
     * was not updated).
     *
     * @return name → value, in the order they were added
     */
    public Map<String, Float> getGeneratorExtras() {
        return generatorExtras;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "step "
                + step
                + ": D "
                + discriminatorLoss
                + discriminatorExtras
                + (generatorUpdated ? ", G " + generatorLoss + generatorExtras : "");
    }
}
