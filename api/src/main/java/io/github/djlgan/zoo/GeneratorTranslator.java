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
import java.util.Map;
import java.util.Random;

/**
 * Turns a GAN generator into a function from {@link GeneratorInput} (count, seed) to that many
 * grayscale images.
 *
 * <p>Input: the latent batch z of shape (count, latentSize), uniform on [0, 1) — the latent
 * distribution of {@link ImprovedGanMnist#generator()} — drawn in Java, not by the engine:
 *
 * <pre>
 *   Random r = new java.util.Random(seed);
 *   z[i][j] = r.nextFloat()     for i = 0 .. count-1, then j = 0 .. latentSize-1 (row-major)
 * </pre>
 *
 * so the same seed gives the same latent batch, and the same images, on every engine and device
 * ({@link #latent(GeneratorInput, int)} returns it).
 *
 * <p>Output: the generator's output (count, ...) with height·width values per sample in [0, 1] —
 * (count, 784) for the improved-gan generator, (count, 1, 28, 28) would do as well — becomes count
 * images of width × height, row-major, grey level round(255·y) (values outside [0, 1] are clamped;
 * a NaN is an error). The images come from {@link ImageFactory#getInstance()} as opaque ARGB pixels
 * with equal red, green and blue, so {@code image.toNDArray(manager, Image.Flag.GRAYSCALE)} returns
 * the grey levels unchanged.
 *
 * <p>The count is the batch: the translator does not batchify ({@code batchPredict} runs each input
 * as its own batch). It holds no mutable state and can be shared by predictors on several threads.
 */
public class GeneratorTranslator implements NoBatchifyTranslator<GeneratorInput, Image[]> {

    private static final String NAME = "GeneratorTranslator";
    private static final int SIDE = 28;

    private final int latentSize;
    private final int width;
    private final int height;

    GeneratorTranslator(Builder builder) {
        latentSize = builder.latentSize;
        width = builder.width;
        height = builder.height;
    }

    /**
     * Creates a builder with the defaults of the improved-gan MNIST generator (latent size 100, 28
     * × 28 images).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a builder configured from model arguments ({@code serving.properties} or {@code
     * Criteria.optArgument}): {@code latentSize} (default 100), {@code width} and {@code height}
     * (default 28).
     *
     * @param arguments the arguments
     * @return a new builder
     * @throws IllegalArgumentException if a value is not a positive integer
     */
    public static Builder builder(Map<String, ?> arguments) {
        return builder()
                .optLatentSize(
                        Arguments.intValue(arguments, "latentSize", ImprovedGanMnist.LATENT, NAME))
                .optWidth(Arguments.intValue(arguments, "width", SIDE, NAME))
                .optHeight(Arguments.intValue(arguments, "height", SIDE, NAME));
    }

    /**
     * Returns the latent batch for an input, (count, latentSize) row-major, as described in the
     * class documentation.
     *
     * @param input the count and seed
     * @param latentSize the latent size
     * @return count·latentSize floats uniform on [0, 1)
     */
    public static float[] latent(GeneratorInput input, int latentSize) {
        Random random = new Random(input.seed());
        float[] z = new float[Math.multiplyExact(input.count(), latentSize)];
        for (int i = 0; i < z.length; i++) {
            z[i] = random.nextFloat();
        }
        return z;
    }

    /** {@inheritDoc} */
    @Override
    public NDList processInput(TranslatorContext ctx, GeneratorInput input) {
        Shape shape = new Shape(input.count(), latentSize);
        return new NDList(ctx.getNDManager().create(latent(input, latentSize), shape));
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

    private static int grey(float y) {
        BlockChecks.checkState(!Float.isNaN(y), NAME, "the generator output holds NaN");
        return Math.round(255 * Math.min(1f, Math.max(0f, y)));
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

        private int latentSize = ImprovedGanMnist.LATENT;
        private int width = SIDE;
        private int height = SIDE;

        Builder() {}

        /**
         * Sets the latent size (default 100).
         *
         * @param latentSize the number of latent values per image, at least 1
         * @return this builder
         */
        public Builder optLatentSize(int latentSize) {
            this.latentSize = latentSize;
            return this;
        }

        /**
         * Sets the image width (default 28).
         *
         * @param width the width in pixels, at least 1
         * @return this builder
         */
        public Builder optWidth(int width) {
            this.width = width;
            return this;
        }

        /**
         * Sets the image height (default 28).
         *
         * @param height the height in pixels, at least 1
         * @return this builder
         */
        public Builder optHeight(int height) {
            this.height = height;
            return this;
        }

        /**
         * Builds the translator.
         *
         * @return a new translator
         * @throws IllegalArgumentException if a size is below 1
         */
        public GeneratorTranslator build() {
            BlockChecks.checkArgument(
                    latentSize >= 1 && width >= 1 && height >= 1,
                    NAME,
                    "latentSize, width and height must be at least 1, got %d, %d, %d",
                    latentSize,
                    width,
                    height);
            return new GeneratorTranslator(this);
        }
    }
}
