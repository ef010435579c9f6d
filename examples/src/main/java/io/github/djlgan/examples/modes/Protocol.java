package io.github.djlgan.examples.modes;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import io.github.djlgan.init.OrthogonalInitializer;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import java.util.Locale;

/**
 * The two published 2-D mode-collapse protocols, as their authors' code runs them (details and line
 * references in {@code docs/protocols.md}). Both update the generator and the discriminator
 * simultaneously (both gradients from one forward pass), with the non-saturating GAN loss and Adam
 * (ε = 1e-8 added to √v, TensorFlow's and Blocks' form), on raw data coordinates.
 *
 * <ul>
 *   <li>{@link #METZ}: Metz et al. 2017's setting as GDPP's {@code gdppgan_Synthetic.py} runs it
 *       (the protocol of VEEGAN's and GDPP's Table 1): z ~ N(0, I)<sup>256</sup>; G 2 × [Linear
 *       128, tanh] → Linear 2; D 2 × [Linear 128, tanh] → Linear 1; orthogonal weights with gain
 *       1.4, zero biases; Adam β₁ = 0.5, D lr 1e-4, G lr 1e-3; batch 512, a fresh batch of data
 *       every iteration; 25,000 iterations; 2,500 samples evaluated at the end.
 *   <li>{@link #PACGAN}: Lin et al. 2018's Table 1 ({@code fjxmlzn/PacGAN}, {@code
 *       synthetic_data_experiments}): z ~ N(0, I)<sup>2</sup>; G 4 × [Linear 400 without bias →
 *       batch norm (α = 0.05, ε = 1e-4) → ReLU] → Linear 2, evaluated with the running averages; D
 *       3 × Maxout (200 units, 5 pieces) → Linear 1; weights N(0, 0.02²), biases 0; Adam lr 1e-4,
 *       β₁ = 0.8; batch 100 (packs); a fixed training set of 100,000 points, shuffled every epoch
 *       of 1,000 iterations; 2,500 samples from a fixed z evaluated every epoch.
 * </ul>
 */
public enum Protocol {
    /** Metz et al. 2017 / VEEGAN / GDPP. */
    METZ("metz", 256, 512, 1e-4f, 1e-3f, 0.5f, 25_000),
    /** PacGAN, Table 1. */
    PACGAN("pacgan", 2, 100, 1e-4f, 1e-4f, 0.8f, 400_000);

    /** Samples evaluated per measurement, in both protocols. */
    public static final int EVAL_SAMPLES = 2500;

    /** The size of PacGAN's fixed training set. */
    public static final int TRAINING_SET = 100_000;

    private final String id;
    private final int latent;
    private final int batch;
    private final float learningRateD;
    private final float learningRateG;
    private final float beta1;
    private final int iterations;

    Protocol(
            String id,
            int latent,
            int batch,
            float learningRateD,
            float learningRateG,
            float beta1,
            int iterations) {
        this.id = id;
        this.latent = latent;
        this.batch = batch;
        this.learningRateD = learningRateD;
        this.learningRateG = learningRateG;
        this.beta1 = beta1;
        this.iterations = iterations;
    }

    /**
     * Returns the name used on the command line and in tables.
     *
     * @return {@code metz} or {@code pacgan}
     */
    public String id() {
        return id;
    }

    /**
     * Returns the latent dimension.
     *
     * @return z's size
     */
    public int latent() {
        return latent;
    }

    /**
     * Returns the batch size: samples per batch, or packs per batch when the discriminator packs.
     *
     * @return the batch size
     */
    public int batch() {
        return batch;
    }

    /**
     * Returns the discriminator's learning rate.
     *
     * @return the learning rate
     */
    public float learningRateD() {
        return learningRateD;
    }

    /**
     * Returns the generator's learning rate.
     *
     * @return the learning rate
     */
    public float learningRateG() {
        return learningRateG;
    }

    /**
     * Returns Adam's β₁ (both networks; β₂ = 0.999, ε = 1e-8).
     *
     * @return β₁
     */
    public float beta1() {
        return beta1;
    }

    /**
     * Returns the published number of training iterations.
     *
     * @return the iterations
     */
    public int iterations() {
        return iterations;
    }

    /**
     * Whether the training data is a fixed set of {@link #TRAINING_SET} points (PacGAN) rather than
     * a fresh sample every iteration (Metz).
     *
     * @return true for PacGAN
     */
    public boolean fixedTrainingSet() {
        return this == PACGAN;
    }

    /**
     * Builds the generator: latents (N, {@link #latent()}) to points (N, 2).
     *
     * @param batchGroups the batch groups of PacGAN's batch norm ({@link
     *     LasagneBatchNorm.Builder#optBatchGroups}; the Metz generator has none and ignores it)
     * @param averageStdDev whether PacGAN's batch norm averages the batch standard deviation, as
     *     the Blocks batch norm of PacGAN's code does, rather than its inverse ({@link
     *     LasagneBatchNorm.Builder#optAverageStdDev}; ignored by the Metz generator)
     * @return a new, uninitialized generator
     */
    public Block generator(int batchGroups, boolean averageStdDev) {
        SequentialBlock g = new SequentialBlock();
        if (this == METZ) {
            return g.add(dense(128, true))
                    .add(Activation::tanh)
                    .add(dense(128, true))
                    .add(Activation::tanh)
                    .add(dense(2, true));
        }
        for (int i = 0; i < 4; i++) {
            g.add(dense(400, false))
                    .add(
                            LasagneBatchNorm.builder()
                                    .optAlpha(0.05f)
                                    .optEpsilon(1e-4f)
                                    .optBatchGroups(batchGroups)
                                    .optAverageStdDev(averageStdDev)
                                    .build())
                    .add(Activation::relu);
        }
        return g.add(dense(2, true));
    }

    /**
     * Builds the discriminator's hidden layers; a {@link Variant} adds its layer and the final
     * {@code Linear(1)}.
     *
     * @return the hidden layers, uninitialized
     */
    public SequentialBlock discriminatorBody() {
        SequentialBlock d = new SequentialBlock();
        if (this == METZ) {
            return d.add(dense(128, true))
                    .add(Activation::tanh)
                    .add(dense(128, true))
                    .add(Activation::tanh);
        }
        for (int i = 0; i < 3; i++) {
            Maxout maxout = Maxout.builder().setUnits(200).setPieces(5).build();
            maxout.setInitializer(weights(), Parameter.Type.WEIGHT);
            d.add(maxout);
        }
        return d;
    }

    /**
     * The protocol's dense layer: orthogonal weights with gain 1.4 (Metz) or N(0, 0.02²) (PacGAN);
     * zero biases (DJL's default).
     *
     * @param units the output width
     * @param bias whether the layer has a bias
     * @return the layer
     */
    public Linear dense(int units, boolean bias) {
        Linear linear = Linear.builder().setUnits(units).optBias(bias).build();
        linear.setInitializer(weights(), Parameter.Type.WEIGHT);
        return linear;
    }

    private Initializer weights() {
        return this == METZ ? new OrthogonalInitializer(1.4f) : new NormalInitializer(0.02f);
    }

    /**
     * Parses a protocol name.
     *
     * @param name {@code metz} or {@code pacgan}
     * @return the protocol
     * @throws IllegalArgumentException for another name
     */
    public static Protocol of(String name) {
        for (Protocol p : values()) {
            if (p.id.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "unknown protocol " + name + "; expected metz or pacgan");
    }
}
