package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Draws the generator's latent input z.
 *
 * <p>{@link #normal(long...)} and {@link #uniform(float, float, long...)} build the standard
 * samplers ({@link RandomLatentSampler}); implement this interface for anything else (a
 * class-conditional input, a truncated normal).
 */
public interface LatentSampler {

    /**
     * Returns the shape of one latent sample, without the batch axis, e.g. (128) or (128, 1, 1).
     *
     * @return the per-sample shape
     */
    Shape getShape();

    /**
     * Draws n latent samples.
     *
     * @param manager the manager (and device) of the result
     * @param n the number of samples
     * @param dataType the data type of the result (the generator's)
     * @return an array of shape (n, {@link #getShape()}...)
     */
    NDArray sample(NDManager manager, long n, DataType dataType);

    /**
     * Returns a sampler of the same distribution that draws an independent stream from {@code
     * seed}; {@link GanTrainer} uses it for {@link GanTrainer#sample(NDManager, int)}, so that
     * drawing samples for a look does not change the training run.
     *
     * @param seed the seed of the new stream
     * @return the new sampler
     */
    LatentSampler withSeed(long seed);

    /**
     * Returns the state of the random stream, to save with a checkpoint, or {@code null} if it
     * cannot be saved (then a resumed run draws other latents than the uninterrupted one).
     *
     * @return the state, or null
     */
    default long[] getState() {
        return null;
    }

    /**
     * Restores a state returned by {@link #getState()}.
     *
     * @param state the state
     * @throws IllegalArgumentException if the state is not one this sampler wrote
     */
    default void setState(long[] state) {
        throw new IllegalArgumentException(
                getClass().getSimpleName() + ": this sampler's state cannot be restored");
    }

    /**
     * Standard normal latents, N(0, I), drawn in Java from seed 0: the same numbers on every engine
     * and device.
     *
     * @param shape the per-sample shape, e.g. 128
     * @return the sampler
     */
    static RandomLatentSampler normal(long... shape) {
        return RandomLatentSampler.builder().setShape(shape).build();
    }

    /**
     * Latents uniform on [low, high) per coordinate, drawn in Java from seed 0.
     *
     * @param low the lower bound
     * @param high the upper bound, &gt; low
     * @param shape the per-sample shape
     * @return the sampler
     */
    static RandomLatentSampler uniform(float low, float high, long... shape) {
        return RandomLatentSampler.builder()
                .setShape(shape)
                .optDistribution(RandomLatentSampler.Distribution.UNIFORM)
                .optRange(low, high)
                .build();
    }
}
