package io.github.djlgan.zoo;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.github.djlgan.util.BlockChecks;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Turns an image GAN generator into a function from {@link GeneratorInput} (count, seed) to that
 * many grayscale images.
 *
 * <p>Input: the latent batch z of shape (count, latentSize), drawn in Java, not by the engine, from
 * the distribution the generator was trained with ({@link Latent}):
 *
 * <pre>
 *   Random r = new java.util.Random(seed);
 *   z[i][j] = r.nextFloat()                  UNIFORM: U[0, 1)
 *   z[i][j] = (float) r.nextGaussian()       NORMAL:  N(0, 1)
 *   for i = 0 .. count-1, then j = 0 .. latentSize-1 (row-major)
 * </pre>
 *
 * so the same seed gives the same latent batch, and the same images, on every engine and device
 * ({@link #latent(GeneratorInput, int, Latent)} returns it).
 *
 * <p>Output: the generator's output (count, ...) with height·width values per sample — (count, 784)
 * and (count, 1, 28, 28) alike — becomes count images of width × height, row-major, with grey level
 * round(255 · (y − low)/(high − low)) for the output range [low, high] ([0, 1] for a sigmoid
 * output, [−1, 1] for tanh); values outside the range are clamped, a NaN is an error. The images
 * come from {@link ImageFactory#getInstance()} as opaque ARGB pixels with equal red, green and
 * blue, so {@code image.toNDArray(manager, Image.Flag.GRAYSCALE)} returns the grey levels
 * unchanged.
 *
 * <p>The count is the batch: the translator does not batchify ({@code batchPredict} runs each input
 * as its own batch). It holds no mutable state and can be shared by predictors on several threads.
 */
public class GeneratorTranslator implements NoBatchifyTranslator<GeneratorInput, Image[]> {

    private static final String NAME = "GeneratorTranslator";

    /** The distribution of each latent coordinate. */
    public enum Latent {
        /** U[0, 1): {@code java.util.Random.nextFloat()}; the argument value "uniform". */
        UNIFORM,
        /** N(0, 1): {@code java.util.Random.nextGaussian()}; the argument value "normal". */
        NORMAL;

        /**
         * Parses an argument value, "uniform" or "normal" (any case).
         *
         * @param value the value
         * @return the distribution
         * @throws IllegalArgumentException for any other value
         */
        public static Latent of(String value) {
            for (Latent l : values()) {
                if (l.name().equalsIgnoreCase(value)) {
                    return l;
                }
            }
            throw new IllegalArgumentException(
                    NAME + ": argument latent must be uniform or normal, got " + value);
        }

        /**
         * Returns the argument value of this distribution.
         *
         * @return "uniform" or "normal"
         */
        public String argument() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final int latentSize;
    private final int width;
    private final int height;
    private final Latent latent;
    private final float low;
    private final float high;

    GeneratorTranslator(Builder builder) {
        latentSize = builder.latentSize;
        width = builder.width;
        height = builder.height;
        latent = builder.latent;
        low = builder.low;
        high = builder.high;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a builder configured from model arguments ({@code serving.properties} or {@code
     * Criteria.optArgument}): {@code latentSize}, {@code width} and {@code height} (required),
     * {@code latent} ("uniform", the default, or "normal"), {@code outputLow} and {@code
     * outputHigh} (default 0 and 1).
     *
     * @param arguments the arguments
     * @return a new builder
     * @throws IllegalArgumentException if a required argument is missing or a value is malformed
     */
    public static Builder builder(Map<String, ?> arguments) {
        return builder()
                .setLatentSize(TranslatorArguments.requiredInt(arguments, "latentSize", NAME))
                .setImageSize(
                        TranslatorArguments.requiredInt(arguments, "width", NAME),
                        TranslatorArguments.requiredInt(arguments, "height", NAME))
                .optLatent(
                        Latent.of(TranslatorArguments.stringValue(arguments, "latent", "uniform")))
                .optOutputRange(
                        TranslatorArguments.floatValue(arguments, "outputLow", 0f, NAME),
                        TranslatorArguments.floatValue(arguments, "outputHigh", 1f, NAME));
    }

    /**
     * Returns the latent batch for an input, (count, latentSize) row-major, as described in the
     * class documentation.
     *
     * @param input the count and seed
     * @param latentSize the latent size
     * @param latent the distribution
     * @return count·latentSize floats
     */
    public static float[] latent(GeneratorInput input, int latentSize, Latent latent) {
        Random random = new Random(input.seed());
        float[] z = new float[Math.multiplyExact(input.count(), latentSize)];
        for (int i = 0; i < z.length; i++) {
            z[i] = latent == Latent.NORMAL ? (float) random.nextGaussian() : random.nextFloat();
        }
        return z;
    }

    /** {@inheritDoc} */
    @Override
    public NDList processInput(TranslatorContext ctx, GeneratorInput input) {
        Shape shape = new Shape(input.count(), latentSize);
        return new NDList(ctx.getNDManager().create(latent(input, latentSize, latent), shape));
    }

    /** {@inheritDoc} */
    @Override
    public Image[] processOutput(TranslatorContext ctx, NDList list) {
        NDArray y = list.singletonOrThrow();
        Shape shape = y.getShape();
        int pixels = width * height;
        BlockChecks.checkState(
                shape.dimension() >= 2 && shape.size() == shape.get(0) * pixels,
                NAME,
                "expected generator output (N, %d) for %d×%d images, got shape %s",
                pixels,
                width,
                height,
                shape);
        float[] values = y.toType(DataType.FLOAT32, false).toFloatArray();
        ImageFactory factory = ImageFactory.getInstance();
        Image[] images = new Image[(int) shape.get(0)];
        for (int n = 0; n < images.length; n++) {
            int[] argb = new int[pixels];
            for (int p = 0; p < pixels; p++) {
                int grey = grey(values[n * pixels + p]);
                argb[p] = 0xFF000000 | grey << 16 | grey << 8 | grey;
            }
            images[n] = factory.fromPixels(argb, width, height);
        }
        return images;
    }

    private int grey(float y) {
        BlockChecks.checkState(!Float.isNaN(y), NAME, "the generator output holds NaN");
        float unit = (y - low) / (high - low);
        return Math.round(255 * Math.min(1f, Math.max(0f, unit)));
    }

    /**
     * Returns the latent size.
     *
     * @return the number of latent values per image
     */
    public int getLatentSize() {
        return latentSize;
    }

    /**
     * Returns the latent distribution.
     *
     * @return the distribution of each latent coordinate
     */
    public Latent getLatent() {
        return latent;
    }

    /**
     * Returns the image width.
     *
     * @return the width in pixels
     */
    public int getWidth() {
        return width;
    }

    /**
     * Returns the image height.
     *
     * @return the height in pixels
     */
    public int getHeight() {
        return height;
    }

    /** The builder of {@link GeneratorTranslator}. */
    public static final class Builder {

        private int latentSize;
        private int width;
        private int height;
        private Latent latent = Latent.UNIFORM;
        private float low;
        private float high = 1f;

        Builder() {}

        /**
         * Sets the latent size (required).
         *
         * @param latentSize the number of latent values per image, at least 1
         * @return this builder
         */
        public Builder setLatentSize(int latentSize) {
            this.latentSize = latentSize;
            return this;
        }

        /**
         * Sets the image size (required).
         *
         * @param width the width in pixels, at least 1
         * @param height the height in pixels, at least 1
         * @return this builder
         */
        public Builder setImageSize(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * Sets the latent distribution (default {@link Latent#UNIFORM}).
         *
         * @param latent the distribution the generator was trained with
         * @return this builder
         */
        public Builder optLatent(Latent latent) {
            this.latent = latent;
            return this;
        }

        /**
         * Sets the range of the generator's output that maps to black … white (default [0, 1]).
         *
         * @param low the output value shown black
         * @param high the output value shown white, &gt; low
         * @return this builder
         */
        public Builder optOutputRange(float low, float high) {
            this.low = low;
            this.high = high;
            return this;
        }

        /**
         * Builds the translator.
         *
         * @return a new translator
         * @throws IllegalArgumentException if a size is below 1 (or was not set), or the output
         *     range is empty or not finite
         */
        public GeneratorTranslator build() {
            BlockChecks.checkArgument(
                    latentSize >= 1 && width >= 1 && height >= 1,
                    NAME,
                    "latentSize, width and height must be set and at least 1, got %d, %d, %d",
                    latentSize,
                    width,
                    height);
            BlockChecks.checkArgument(
                    Float.isFinite(low) && Float.isFinite(high) && low < high,
                    NAME,
                    "the output range needs finite low < high, got [%s, %s]",
                    low,
                    high);
            BlockChecks.checkArgument(latent != null, NAME, "the latent distribution is null");
            return new GeneratorTranslator(this);
        }
    }
}
