package io.github.djlgan.examples.modes;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The discriminators compared by the mode-coverage experiment. They are the protocol's
 * discriminator ({@link Protocol#discriminatorBody()} → {@code Linear(1)}) except for what this
 * enum changes: packing (the discriminator judges m samples at once, {@code GanTrainer}'s {@code
 * optPacking}) or a minibatch layer before the last layer.
 */
public enum Variant {

    /** The protocol's discriminator. */
    GAN("gan", 1, "the protocol's discriminator"),
    /** PacGAN2: packs of two samples (Lin et al. 2018). */
    PAC2("pac2", 2, "packing, 2 samples per pack"),
    /** PacGAN4: packs of four samples. */
    PAC4("pac4", 4, "packing, 4 samples per pack"),
    /**
     * {@link MinibatchStdDev} before the last layer: one feature, the average standard deviation
     * over the group (Karras et al. 2018).
     */
    MBSTD("mbstd", 1, "MinibatchStdDev before the last layer"),
    /**
     * {@link MinibatchDiscrimination} before the last layer: K features of closeness to the other
     * samples of the batch (Salimans et al. 2016).
     */
    MBD("mbd", 1, "MinibatchDiscrimination before the last layer");

    private final String id;
    private final int packing;
    private final String description;

    Variant(String id, int packing, String description) {
        this.id = id;
        this.packing = packing;
        this.description = description;
    }

    /**
     * Returns the short name used on the command line and in tables.
     *
     * @return the name, e.g. {@code pac2}
     */
    public String id() {
        return id;
    }

    /**
     * Returns a one-line description.
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    /**
     * Returns the packing degree m (1 = no packing).
     *
     * @return m
     */
    public int packing() {
        return packing;
    }

    /**
     * Builds this variant's discriminator for a protocol.
     *
     * @param protocol the protocol
     * @param settings the minibatch layers' options
     * @return an uninitialized discriminator mapping (N, 2m) packs to (N, 1) logits
     */
    public Block discriminator(Protocol protocol, ModeRun.Settings settings) {
        SequentialBlock d = protocol.discriminatorBody();
        if (this == MBSTD) {
            d.add(MinibatchStdDev.builder().optGroupSize(settings.groupSize()).build());
        } else if (this == MBD) {
            d.add(
                    MinibatchDiscrimination.builder()
                            .setNumKernels(settings.kernels())
                            .optKernelDim(settings.kernelDim())
                            .build());
        }
        return d.add(protocol.dense(1, true));
    }

    /**
     * Parses a variant name.
     *
     * @param name a name as returned by {@link #id()}
     * @return the variant
     * @throws IllegalArgumentException for an unknown name
     */
    public static Variant of(String name) {
        for (Variant v : values()) {
            if (v.id.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException(
                "unknown variant "
                        + name
                        + "; expected one of "
                        + Arrays.stream(values())
                                .map(Variant::id)
                                .collect(Collectors.joining(", ")));
    }
}
