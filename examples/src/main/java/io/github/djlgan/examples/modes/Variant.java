package io.github.djlgan.examples.modes;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import io.github.djlgan.nn.norm.WeightNorm;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The discriminators compared by the mode-coverage experiment. They are identical MLPs (hidden
 * layers of {@code Linear} + leaky ReLU 0.2, then a {@code Linear(1)} logit) except for what this
 * enum changes: a minibatch layer before the last layer, or weight normalization. Everything a
 * variant changes is in {@link #discriminator}.
 */
public enum Variant {

    /** The plain MLP discriminator. */
    VANILLA("vanilla", "plain MLP"),
    /**
     * {@link MinibatchDiscrimination} before the last layer (appends K features: closeness to the
     * other samples of the batch), data-initialized with {@code DataInit}.
     */
    MBD("mbd", "MinibatchDiscrimination before the last layer"),
    /** {@link MinibatchStdDev} before the last layer (appends one feature: the batch std-dev). */
    MBSTD("mbstd", "MinibatchStdDev before the last layer"),
    /** Every layer a {@link WeightNorm}-wrapped Linear, data-initialized with {@code DataInit}. */
    WN("wn", "every layer WeightNorm + DataInit");

    private final String id;
    private final String description;

    Variant(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /**
     * Returns the short name used on the command line and in tables.
     *
     * @return the name, e.g. {@code mbstd}
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
     * Builds this variant's discriminator.
     *
     * @param settings the sizes of the networks
     * @return an uninitialized discriminator mapping (N, 2) points to (N, 1) logits
     */
    public Block discriminator(ToyGan.Settings settings) {
        SequentialBlock d = new SequentialBlock();
        for (int i = 0; i < settings.layers(); i++) {
            d.add(dense(settings.hidden(), i == 0 ? 2 : settings.hidden()))
                    .add(Activation.leakyReluBlock(0.2f));
        }
        int features = settings.hidden();
        switch (this) {
            case MBD -> {
                d.add(
                        MinibatchDiscrimination.builder()
                                .setNumKernels(settings.kernels())
                                .optKernelDim(settings.kernelDim())
                                .build());
                features += settings.kernels();
            }
            case MBSTD -> {
                d.add(MinibatchStdDev.builder().optGroupSize(settings.groupSize()).build());
                features += 1;
            }
            default -> {}
        }
        return d.add(dense(1, features));
    }

    private Block dense(int units, int fanIn) {
        Block linear = ToyGan.linear(units, fanIn);
        return this == WN ? WeightNorm.wrap(linear) : linear;
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
