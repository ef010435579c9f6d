package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.github.djlgan.nn.gan.Pack;

/**
 * One network's update as a {@link GanObjective} sees it: the real batch, the generated batch, and
 * the discriminator run the way this update must run it.
 *
 * <ul>
 *   <li>In the discriminator's update the discriminator has live parameters and the generated batch
 *       is detached: the loss's gradient reaches the discriminator only.
 *   <li>In the generator's update the discriminator runs on detached parameters and the generated
 *       batch is attached to the generator: the loss's gradient reaches the generator only.
 * </ul>
 *
 * <p>Every forward pass is a training pass, and every array it creates belongs to the step's
 * manager, closed when the step ends.
 */
public final class GanUpdate {

    private final NDList real;
    private final NDArray fake;
    private final Block discriminator;
    private final ParameterStore store;
    private final int packing;
    private final boolean discriminatorUpdate;

    GanUpdate(
            NDList real,
            NDArray fake,
            Block discriminator,
            ParameterStore store,
            int packing,
            boolean discriminatorUpdate) {
        this.real = real;
        this.fake = fake;
        this.discriminator = discriminator;
        this.store = store;
        this.packing = packing;
        this.discriminatorUpdate = discriminatorUpdate;
    }

    /**
     * Returns the real batch as passed to {@link GanTrainer#step(NDList)}; its first array is the
     * discriminator's real input.
     *
     * @return the real batch
     */
    public NDList getReal() {
        return real;
    }

    /**
     * Returns the generated batch, as many samples as the first real array has.
     *
     * @return the generator's output, detached in the discriminator's update
     */
    public NDArray getFake() {
        return fake;
    }

    /**
     * Returns whether this is the discriminator's update (otherwise the generator's).
     *
     * @return true in the discriminator's update
     */
    public boolean isDiscriminatorUpdate() {
        return discriminatorUpdate;
    }

    /**
     * Returns the manager of the step: temporaries created on it are closed with the step.
     *
     * @return the step's manager
     */
    public NDManager getManager() {
        return fake.getManager();
    }

    /**
     * Runs the whole discriminator on a batch of samples, packed first if the trainer packs ({@link
     * GanTrainer.Builder#optPacking(int)}), and returns its first output.
     *
     * @param samples samples shaped like the data, (N, ...)
     * @return the discriminator's output, e.g. logits (N / packing, 1)
     */
    public NDArray discriminate(NDArray samples) {
        NDArray input = packing > 1 ? Pack.pack(samples, packing) : samples;
        return discriminator.forward(store, new NDList(input), true).head();
    }

    /**
     * Runs a part of the discriminator (a block inside it, e.g. its feature layers) with the
     * parameters this update uses. No packing is applied.
     *
     * @param part a block of the discriminator
     * @param inputs its inputs
     * @return its outputs
     */
    public NDList forward(Block part, NDList inputs) {
        return part.forward(store, inputs, true);
    }
}
