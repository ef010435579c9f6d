package io.github.djlgan.zoo.mnist;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.zoo.TranslatorArguments;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Uses a semi-supervised GAN discriminator as the image classifier it is: a grayscale image in,
 * {@link Classifications} over the K real classes out.
 *
 * <p>Input: an image of width × height (28 × 28 by default; another size is an error, the image is
 * not resized), read as grey levels ({@code Image.Flag.GRAYSCALE}) and scaled to [0, 1] — MNIST's
 * range in improved-gan — then flattened row-major to width·height values. Output: the
 * discriminator's K logits l become p(y = k | x, real) = softmax(l)_k, named by the class names
 * ("0" … "9" by default). improved-gan's discriminator has a (K+1)-th "generated" class whose logit
 * is fixed at 0, so the probability that x is real is Z / (Z + 1) with Z = Σ exp(l_k); for that, or
 * for the raw logits, load the model with types ({@code NDList}, {@code NDList}) instead.
 *
 * <p>Images are batched with DJL's default stacking batchifier, so {@code batchPredict} works. The
 * translator holds no mutable state.
 */
public class DiscriminatorTranslator implements Translator<Image, Classifications> {

    private static final String NAME = "DiscriminatorTranslator";
    private static final int SIDE = 28;

    private final int width;
    private final int height;
    private final List<String> classNames;

    DiscriminatorTranslator(Builder builder) {
        width = builder.width;
        height = builder.height;
        classNames = builder.classNames;
    }

    /**
     * Creates a builder with the defaults of the improved-gan MNIST discriminator (28 × 28 images,
     * classes "0" … "9").
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a builder configured from model arguments ({@code serving.properties} or {@code
     * Criteria.optArgument}): {@code width} and {@code height} (default 28), {@code synset} (the
     * class names, comma-separated, as in DJL's image classification translators; default
     * "0,1,…,9").
     *
     * @param arguments the arguments
     * @return a new builder
     * @throws IllegalArgumentException if a size is not an integer
     */
    public static Builder builder(Map<String, ?> arguments) {
        Builder builder =
                builder()
                        .optWidth(TranslatorArguments.intValue(arguments, "width", SIDE, NAME))
                        .optHeight(TranslatorArguments.intValue(arguments, "height", SIDE, NAME));
        Object synset = arguments.get("synset");
        if (synset != null) {
            builder.optClassNames(Arrays.asList(synset.toString().split(",", -1)));
        }
        return builder;
    }

    /** {@inheritDoc} */
    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
        BlockChecks.checkArgument(
                input.getWidth() == width && input.getHeight() == height,
                NAME,
                "expected a %d×%d image (width × height), got %d×%d",
                width,
                height,
                input.getWidth(),
                input.getHeight());
        NDArray grey = input.toNDArray(ctx.getNDManager(), Image.Flag.GRAYSCALE);
        return new NDList(
                grey.toType(DataType.FLOAT32, false).div(255f).reshape((long) width * height));
    }

    /** {@inheritDoc} */
    @Override
    public Classifications processOutput(TranslatorContext ctx, NDList list) {
        NDArray logits = list.singletonOrThrow();
        BlockChecks.checkState(
                logits.getShape().equals(new Shape(classNames.size())),
                NAME,
                "expected %d logits (one per class name), got shape %s",
                classNames.size(),
                logits.getShape());
        return new Classifications(classNames, logits.toType(DataType.FLOAT32, false).softmax(0));
    }

    /**
     * Returns the class names.
     *
     * @return the class names, in logit order (unmodifiable)
     */
    public List<String> getClassNames() {
        return classNames;
    }

    /** The builder of {@link DiscriminatorTranslator}. */
    public static final class Builder {

        private int width = SIDE;
        private int height = SIDE;
        private List<String> classNames = digits();

        Builder() {}

        private static List<String> digits() {
            List<String> names = new ArrayList<>();
            for (int k = 0; k < ImprovedGanMnist.CLASSES; k++) {
                names.add(Integer.toString(k));
            }
            return names;
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
         * Sets the class names, one per logit (default "0" … "9").
         *
         * @param classNames the class names
         * @return this builder
         */
        public Builder optClassNames(List<String> classNames) {
            this.classNames = classNames;
            return this;
        }

        /**
         * Builds the translator.
         *
         * @return a new translator
         * @throws IllegalArgumentException if a size is below 1 or there are no class names
         */
        public DiscriminatorTranslator build() {
            BlockChecks.checkArgument(
                    width >= 1 && height >= 1,
                    NAME,
                    "width and height must be at least 1, got %d, %d",
                    width,
                    height);
            BlockChecks.checkArgument(
                    classNames != null && !classNames.isEmpty(),
                    NAME,
                    "at least one class name is needed");
            classNames = Collections.unmodifiableList(new ArrayList<>(classNames));
            return new DiscriminatorTranslator(this);
        }
    }
}
