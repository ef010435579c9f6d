package io.github.djlgan.zoo.mnist;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.norm.GaussianNoise;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.WeightNorm;

/**
 * The generator and discriminator of improved-gan's semi-supervised MNIST model with feature
 * matching (Salimans et al., "Improved Techniques for Training GANs", NIPS 2016; {@code
 * train_mnist_feature_matching.py}), built from this project's blocks.
 *
 * <p>Generator, latent (N, 100) uniform on [0, 1) → images (N, 784) in (0, 1):
 *
 * <pre>
 *   Linear 500 (no bias) → LasagneBatchNorm (β only) → softplus
 *   Linear 500 (no bias) → LasagneBatchNorm (β only) → softplus
 *   WeightNorm(Linear 784) → sigmoid
 * </pre>
 *
 * <p>Discriminator, images (N, 784) → logits (N, 10) (the K+1-th class logit is fixed at 0):
 *
 * <pre>
 *   features: GaussianNoise σ=0.3,
 *             [WeightNorm(Linear n) → ReLU → GaussianNoise σ=0.5] for n = 1000, 500, 250, 250
 *             WeightNorm(Linear 250) → ReLU                  (the features matched by the generator)
 *   head:     GaussianNoise σ=0.5 → WeightNorm(Linear 10)
 * </pre>
 *
 * <p>The discriminator's weight-normalised layers keep g fixed (improved-gan's {@code
 * train_scale=False}) except its last one; the generator's trains g. Initialize them with {@link
 * io.github.djlgan.init.DataInit} on a real batch.
 */
public final class ImprovedGanMnist {

    /** The latent size of the generator. */
    public static final int LATENT = 100;

    /** The image size (28 × 28, flattened). */
    public static final int IMAGE = 784;

    /** The number of classes. */
    public static final int CLASSES = 10;

    private ImprovedGanMnist() {}

    /**
     * Builds the generator.
     *
     * @return a new, uninitialized generator
     */
    public static SequentialBlock generator() {
        SequentialBlock g = new SequentialBlock();
        for (int i = 0; i < 2; i++) {
            g.add(Linear.builder().setUnits(500).optBias(false).build())
                    .add(LasagneBatchNorm.builder().optScale(false).build())
                    .add(Activation::softPlus);
        }
        return g.add(WeightNorm.wrap(Linear.builder().setUnits(IMAGE).build()))
                .add(Activation::sigmoid);
    }

    /**
     * Builds the discriminator.
     *
     * @return a new, uninitialized discriminator
     */
    public static Discriminator discriminator() {
        return new Discriminator();
    }

    private static Block weightNorm(int units, boolean trainScale) {
        return WeightNorm.builder()
                .setBlock(Linear.builder().setUnits(units).build())
                .optTrainScale(trainScale)
                .build();
    }

    /**
     * The discriminator: a {@link SequentialBlock} of two parts, {@link #features()} and {@link
     * #head()}, so feature matching can read the features.
     */
    public static final class Discriminator extends SequentialBlock {

        private final SequentialBlock features = new SequentialBlock();
        private final SequentialBlock head = new SequentialBlock();

        Discriminator() {
            features.add(GaussianNoise.builder().optSigma(0.3f).build());
            int[] widths = {1000, 500, 250, 250};
            for (int width : widths) {
                features.add(weightNorm(width, false))
                        .add(Activation::relu)
                        .add(GaussianNoise.builder().optSigma(0.5f).build());
            }
            features.add(weightNorm(250, false)).add(Activation::relu);
            head.add(GaussianNoise.builder().optSigma(0.5f).build()).add(weightNorm(CLASSES, true));
            add(features);
            add(head);
        }

        /**
         * Returns the feature extractor: images (N, 784) → features (N, 250).
         *
         * @return the features part
         */
        public SequentialBlock features() {
            return features;
        }

        /**
         * Returns the classifier head: features (N, 250) → logits (N, 10).
         *
         * @return the head
         */
        public SequentialBlock head() {
            return head;
        }
    }
}
