package io.github.djlgan.training;

/**
 * The order of the two networks' updates in {@link GanTrainer#step}.
 *
 * <ul>
 *   <li>{@link #alternating()} (the default): each step updates the discriminator on the real batch
 *       and a generated one, then the generator on freshly generated samples, through the updated
 *       discriminator (Goodfellow et al. 2014, Algorithm 1 with k = 1; DCGAN).
 *   <li>{@link #nCritic(int) nCritic(k)}: each step updates the discriminator; every k-th step also
 *       updates the generator afterwards (WGAN's n<sub>critic</sub> = 5; SN-GAN). A step is one
 *       discriminator update on one real batch, so k steps use k real batches per generator update.
 *   <li>{@link #simultaneous()}: both gradients come from one forward pass of each network, from
 *       the parameters before either update: the generator makes one batch, the discriminator's
 *       loss is computed on it detached and the generator's loss on it attached, and both networks
 *       step (the training loops of PacGAN's and ALI's code, TensorFlow's {@code sess.run([d_opt,
 *       g_opt])}). The discriminator runs once more on the generated batch, on detached parameters,
 *       for the generator's loss; for a discriminator without randomness both runs give the same
 *       values.
 * </ul>
 */
public final class GanSchedule {

    private static final GanSchedule ALTERNATING = new GanSchedule(1, false);
    private static final GanSchedule SIMULTANEOUS = new GanSchedule(1, true);

    private final int criticSteps;
    private final boolean simultaneous;

    private GanSchedule(int criticSteps, boolean simultaneous) {
        this.criticSteps = criticSteps;
        this.simultaneous = simultaneous;
    }

    /**
     * One discriminator update, then one generator update, per step.
     *
     * @return the schedule
     */
    public static GanSchedule alternating() {
        return ALTERNATING;
    }

    /**
     * k discriminator updates per generator update: the generator is updated after every k-th step.
     *
     * @param k discriminator updates per generator update, &ge; 1
     * @return the schedule
     * @throws IllegalArgumentException if k &lt; 1
     */
    public static GanSchedule nCritic(int k) {
        if (k < 1) {
            throw new IllegalArgumentException(
                    "GanSchedule: nCritic needs k >= 1 discriminator steps per generator step, got "
                            + k);
        }
        return k == 1 ? ALTERNATING : new GanSchedule(k, false);
    }

    /**
     * Both networks updated in every step from the same forward passes.
     *
     * @return the schedule
     */
    public static GanSchedule simultaneous() {
        return SIMULTANEOUS;
    }

    /**
     * Returns the number of discriminator updates per generator update.
     *
     * @return k, 1 unless {@link #nCritic(int)} set more
     */
    public int getCriticSteps() {
        return criticSteps;
    }

    /**
     * Returns whether both networks are updated from the same forward passes.
     *
     * @return true for {@link #simultaneous()}
     */
    public boolean isSimultaneous() {
        return simultaneous;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        if (simultaneous) {
            return "simultaneous";
        }
        return criticSteps == 1 ? "alternating" : "alternating, nCritic " + criticSteps;
    }
}
