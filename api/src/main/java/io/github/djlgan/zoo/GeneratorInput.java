package io.github.djlgan.zoo;

import io.github.djlgan.util.BlockChecks;

/**
 * The input of a {@link GeneratorTranslator}: how many images to generate and the seed of the
 * latent noise.
 *
 * <p>The same seed gives the same latent vectors — drawn in Java with {@link java.util.Random}, not
 * by the engine — and so the same images on every engine and device.
 *
 * @param count the number of images, at least 1
 * @param seed the seed of the latent noise
 */
public record GeneratorInput(int count, long seed) {

    /**
     * Checks the values.
     *
     * @param count the number of images, at least 1
     * @param seed the seed of the latent noise
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public GeneratorInput {
        BlockChecks.checkArgument(
                count >= 1, "GeneratorInput", "count must be at least 1, got %d", count);
    }

    /**
     * Returns the input for {@code count} images from {@code seed}.
     *
     * @param count the number of images, at least 1
     * @param seed the seed of the latent noise
     * @return the input
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public static GeneratorInput of(int count, long seed) {
        return new GeneratorInput(count, seed);
    }
}
