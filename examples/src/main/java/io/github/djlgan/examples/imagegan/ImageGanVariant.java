package io.github.djlgan.examples.imagegan;

import ai.djl.nn.Block;
import io.github.djlgan.examples.imagegan.ImageGanNetworks.GeneratorKind;
import io.github.djlgan.examples.imagegan.ImageGanNetworks.Norm;
import io.github.djlgan.training.GanLoss;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The image GANs compared: the same DCGAN generator against discriminators that differ only in
 * their normalisation and minibatch layer, each with the loss and optimizer settings its paper
 * used, and a ProGAN-style pair.
 */
enum ImageGanVariant {

    /** Plain discriminator; non-saturating loss, Adam 2e-4, β = (0.5, 0.999) (Radford et al.). */
    DCGAN(
            "dcgan",
            GeneratorKind.DCGAN,
            Norm.NONE,
            false,
            Loss.NON_SATURATING,
            2e-4f,
            0.5f,
            0.999f,
            1),
    /**
     * Every discriminator layer spectrally normalised; hinge loss, Adam 2e-4, β = (0, 0.9), five
     * discriminator steps per generator step (Miyato et al. 2018, the setting of their hinge-loss
     * ResNet runs).
     */
    SN("sn", GeneratorKind.DCGAN, Norm.SPECTRAL, false, Loss.HINGE, 2e-4f, 0f, 0.9f, 5),
    /**
     * Every discriminator layer weight-normalised and data-initialized on a real batch;
     * non-saturating loss, DCGAN's Adam (Salimans &amp; Kingma 2016).
     */
    WN("wn", GeneratorKind.DCGAN, Norm.WEIGHT, false, Loss.NON_SATURATING, 2e-4f, 0.5f, 0.999f, 1),
    /**
     * {@link #SN} with a MinibatchStdDev layer before the last convolution (Karras et al. 2018).
     */
    SN_MBSTD("sn+mbstd", GeneratorKind.DCGAN, Norm.SPECTRAL, true, Loss.HINGE, 2e-4f, 0f, 0.9f, 5),
    /**
     * ProGAN's normalisation on both networks (Karras et al. 2018): PixelNorm and equalized
     * learning rate in the generator, equalized learning rate and MinibatchStdDev in the
     * discriminator; non-saturating loss (ProGAN's WGAN-GP needs second derivatives, which DJL
     * 0.35.1 cannot take engine-agnostically), Adam 2e-4, β = (0, 0.99).
     */
    PROGAN(
            "progan",
            GeneratorKind.PROGAN,
            Norm.EQUALIZED,
            true,
            Loss.NON_SATURATING,
            2e-4f,
            0f,
            0.99f,
            1);

    /** The objectives used here. */
    enum Loss {
        /** {@link GanLoss#nonSaturating()}. */
        NON_SATURATING("non-saturating"),
        /** {@link GanLoss#hinge()}. */
        HINGE("hinge");

        private final String label;

        Loss(String label) {
            this.label = label;
        }

        GanLoss objective() {
            return this == HINGE ? GanLoss.hinge() : GanLoss.nonSaturating();
        }

        String label() {
            return label;
        }
    }

    private final String id;
    private final GeneratorKind generator;
    private final Norm norm;
    private final boolean minibatchStdDev;
    private final Loss loss;
    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final int criticSteps;

    ImageGanVariant(
            String id,
            GeneratorKind generator,
            Norm norm,
            boolean minibatchStdDev,
            Loss loss,
            float learningRate,
            float beta1,
            float beta2,
            int criticSteps) {
        this.id = id;
        this.generator = generator;
        this.norm = norm;
        this.minibatchStdDev = minibatchStdDev;
        this.loss = loss;
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.criticSteps = criticSteps;
    }

    /**
     * Returns the name used on the command line and in tables.
     *
     * @return e.g. "sn+mbstd"
     */
    String id() {
        return id;
    }

    /**
     * Returns the name used in file names ('+' written as '-').
     *
     * @return e.g. "sn-mbstd"
     */
    String fileId() {
        return id.replace('+', '-');
    }

    GeneratorKind generatorKind() {
        return generator;
    }

    Norm norm() {
        return norm;
    }

    boolean minibatchStdDev() {
        return minibatchStdDev;
    }

    Loss loss() {
        return loss;
    }

    float learningRate() {
        return learningRate;
    }

    float beta1() {
        return beta1;
    }

    float beta2() {
        return beta2;
    }

    int criticSteps() {
        return criticSteps;
    }

    /**
     * Returns whether the discriminator is data-initialized before training ({@code
     * GanTrainer.dataInit}).
     *
     * @return true for weight normalisation
     */
    boolean dataInit() {
        return norm == Norm.WEIGHT;
    }

    /**
     * Builds this variant's generator.
     *
     * @return an uninitialized generator
     */
    Block generator() {
        return ImageGanNetworks.generator(generator);
    }

    /**
     * Builds this variant's discriminator.
     *
     * @return an uninitialized discriminator
     */
    Block discriminator() {
        return ImageGanNetworks.discriminator(norm, minibatchStdDev);
    }

    /**
     * Parses a variant name.
     *
     * @param name a name as returned by {@link #id()}
     * @return the variant
     * @throws IllegalArgumentException for an unknown name
     */
    static ImageGanVariant of(String name) {
        for (ImageGanVariant v : values()) {
            if (v.id.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException(
                "unknown variant "
                        + name
                        + "; expected one of "
                        + Arrays.stream(values())
                                .map(ImageGanVariant::id)
                                .collect(Collectors.joining(", ")));
    }
}
