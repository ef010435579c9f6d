package io.github.djlgan.examples.imagegan;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import io.github.djlgan.nn.norm.EqualizedLearningRate;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.PixelNorm;
import io.github.djlgan.nn.norm.SpectralNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The image GAN's networks for 28 × 28 grey images in [−1, 1], after DCGAN (Radford et al.,
 * "Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks",
 * ICLR 2016).
 *
 * <p>Generator, z ~ N(0, I)¹²⁸ → (N, 1, 28, 28):
 *
 * <pre>
 *   DCGAN:   Linear 256·7·7 (no bias) → (256, 7, 7) → BN → ReLU
 *            → Deconv2d 4×4 s2 p1 (128, no bias) → BN → ReLU      (128, 14, 14)
 *            → Deconv2d 4×4 s2 p1 (1) → tanh                      (1, 28, 28)
 *   ProGAN:  PixelNorm(z) → EqLR Linear 256·7·7 → (256, 7, 7) → LeakyReLU 0.2 → PixelNorm
 *            → EqLR Deconv2d 4×4 s2 p1 (128) → LeakyReLU 0.2 → PixelNorm
 *            → EqLR(gain 1) Deconv2d 4×4 s2 p1 (1) → tanh
 * </pre>
 *
 * <p>The DCGAN generator's weights start from N(0, 0.02²), as in Radford et al. §4. DJL's default
 * for weights (He: N(0, 2/fanIn) with fanIn = axis 1 × kernel) reads a {@link Deconv2d} weight (in,
 * out, kh, kw) as if axis 1 were its input, so the last layer (128, 1, 4, 4) would start with a
 * standard deviation of √(2/16) ≈ 0.35 where the 128 · 2 · 2 inputs of an output pixel call for ≈
 * 0.06: the tanh's input then has a standard deviation of several units, most pixels are ±1, the
 * tanh's gradient vanishes and the discriminator wins before the generator can learn.
 *
 * <p>BN is {@link LasagneBatchNorm} per channel (ε = 10⁻⁵, running averages with weight 0.1: DJL's
 * and PyTorch's BatchNorm defaults): DJL's own {@code BatchNorm} cannot run a training-mode forward
 * outside a gradient collector on MXNet, and the GAN trainer runs the generator that way to make
 * the discriminator's fake batch. The ProGAN generator is Karras et al. 2018's normalisation
 * (PixelNorm after every layer, equalized learning rate, §4.1–4.2) on the DCGAN layout.
 *
 * <p>Discriminator, (N, 1, 28, 28) → logit (N, 1), every layer wrapped by the variant's {@link
 * Norm}:
 *
 * <pre>
 *   Conv2d 4×4 s2 p1 (64) → LeakyReLU 0.2                 (64, 14, 14)
 *   Conv2d 4×4 s2 p1 (128) → LeakyReLU 0.2                (128, 7, 7)
 *   [MinibatchStdDev, groups of 4]                        (129, 7, 7)
 *   Conv2d 3×3 s1 p1 (128) → LeakyReLU 0.2                (128, 7, 7)
 *   flatten → Linear 1
 * </pre>
 */
final class ImageGanNetworks {

    /** The latent size. */
    static final int LATENT = 128;

    private static final float SLOPE = 0.2f;

    /** The standard deviation of the DCGAN generator's initial weights (Radford et al. §4). */
    private static final float DCGAN_WEIGHT_STD = 0.02f;

    private ImageGanNetworks() {}

    /** The generator's normalisation. */
    enum GeneratorKind {
        /** Batch normalisation between the layers (DCGAN). */
        DCGAN,
        /** PixelNorm and equalized learning rate (ProGAN). */
        PROGAN;

        /**
         * Returns the name used in arguments and tables.
         *
         * @return "dcgan" or "progan"
         */
        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Parses a name.
         *
         * @param id "dcgan" or "progan"
         * @return the kind
         * @throws IllegalArgumentException for another name
         */
        static GeneratorKind of(String id) {
            for (GeneratorKind k : values()) {
                if (k.id().equals(id)) {
                    return k;
                }
            }
            throw new IllegalArgumentException(
                    "ImageGanNetworks: generator must be dcgan or progan, got " + id);
        }
    }

    /** The normalisation wrapped around every discriminator layer. */
    enum Norm {
        /** None: the plain layer. */
        NONE(b -> b),
        /** {@link SpectralNorm} (Miyato et al. 2018). */
        SPECTRAL(SpectralNorm::wrap),
        /** {@link WeightNorm} (Salimans &amp; Kingma 2016), data-initialized. */
        WEIGHT(WeightNorm::wrap),
        /** {@link EqualizedLearningRate} (Karras et al. 2018). */
        EQUALIZED(EqualizedLearningRate::wrap);

        private final UnaryOperator<Block> wrap;

        Norm(UnaryOperator<Block> wrap) {
            this.wrap = wrap;
        }

        Block wrap(Block layer) {
            return wrap.apply(layer);
        }
    }

    /**
     * Builds a generator.
     *
     * @param kind DCGAN (batch norm) or ProGAN (PixelNorm + equalized learning rate)
     * @return an uninitialized generator, latents (N, 128) → images (N, 1, 28, 28)
     */
    static SequentialBlock generator(GeneratorKind kind) {
        SequentialBlock g = new SequentialBlock();
        if (kind == GeneratorKind.DCGAN) {
            g.add(Linear.builder().setUnits(256 * 7 * 7).optBias(false).build())
                    .add(ImageGanNetworks::toFeatureMap)
                    .add(batchNorm())
                    .add(Activation::relu)
                    .add(deconv(128, false))
                    .add(batchNorm())
                    .add(Activation::relu)
                    .add(deconv(1, true));
            g.setInitializer(new NormalInitializer(DCGAN_WEIGHT_STD), Parameter.Type.WEIGHT);
        } else {
            g.add(PixelNorm.builder().build())
                    .add(EqualizedLearningRate.wrap(Linear.builder().setUnits(256 * 7 * 7).build()))
                    .add(ImageGanNetworks::toFeatureMap)
                    .add(Activation.leakyReluBlock(SLOPE))
                    .add(PixelNorm.builder().build())
                    .add(EqualizedLearningRate.wrap(deconv(128, true)))
                    .add(Activation.leakyReluBlock(SLOPE))
                    .add(PixelNorm.builder().build())
                    .add(
                            EqualizedLearningRate.builder()
                                    .setBlock(deconv(1, true))
                                    .optGain(1f)
                                    .build());
        }
        return g.add(Activation::tanh);
    }

    /**
     * Builds a discriminator.
     *
     * @param norm the normalisation of every layer
     * @param minibatchStdDev whether a {@link MinibatchStdDev} layer comes before the 3×3 conv
     * @return an uninitialized discriminator, images (N, 1, 28, 28) → logits (N, 1)
     */
    static SequentialBlock discriminator(Norm norm, boolean minibatchStdDev) {
        SequentialBlock d = new SequentialBlock();
        d.add(norm.wrap(conv(64, 4, 2, 1)))
                .add(Activation.leakyReluBlock(SLOPE))
                .add(norm.wrap(conv(128, 4, 2, 1)))
                .add(Activation.leakyReluBlock(SLOPE));
        if (minibatchStdDev) {
            d.add(MinibatchStdDev.builder().optGroupSize(4).build());
        }
        return d.add(norm.wrap(conv(128, 3, 1, 1)))
                .add(Activation.leakyReluBlock(SLOPE))
                .add(Blocks.batchFlattenBlock())
                .add(norm.wrap(Linear.builder().setUnits(1).build()));
    }

    private static NDList toFeatureMap(NDList x) {
        return new NDList(x.head().reshape(-1, 256, 7, 7));
    }

    private static Block batchNorm() {
        return LasagneBatchNorm.builder().optEpsilon(1e-5f).build();
    }

    private static Block deconv(int filters, boolean bias) {
        return Deconv2d.builder()
                .setKernelShape(new Shape(4, 4))
                .setFilters(filters)
                .optStride(new Shape(2, 2))
                .optPadding(new Shape(1, 1))
                .optBias(bias)
                .build();
    }

    private static Block conv(int filters, int kernel, int stride, int padding) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .build();
    }
}
