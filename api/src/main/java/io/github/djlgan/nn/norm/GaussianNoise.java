package io.github.djlgan.nn.norm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;

/**
 * Gaussian noise layer: adds zero-mean Gaussian noise to its input in training, and is the identity
 * at inference.
 *
 * <pre>
 *   training:   y = x + ε,   ε ~ N(0, σ²) drawn independently for every element, at every call
 *   inference:  y = x
 * </pre>
 *
 * <p>The output has the shape and type of the input, of any rank; ∂y/∂x = 1 in both modes (the
 * noise is a constant of the graph). With σ = 0 the block is the identity in training too. The
 * noise is drawn by the input's own engine, on the input's device, with {@link
 * NDManager#randomNormal(float, float, Shape, ai.djl.ndarray.types.DataType)}: it comes from that
 * engine's random number generator, which {@link Engine#setRandomSeed(int)} seeds. The block has no
 * parameters and accepts floating-point inputs only; float16 noise is drawn in float32 and rounded
 * to float16 (DJL's MXNet engine cannot draw float16 directly).
 *
 * <p>References: Lasagne's {@code lasagne.layers.GaussianNoiseLayer}, as used by the discriminators
 * of T. Salimans et al., "Improved Techniques for Training GANs", NIPS 2016 ({@code improved-gan}).
 */
public class GaussianNoise extends BaseBlock {

    private static final String NAME = "GaussianNoise";
    private static final byte VERSION = 1;

    private final float sigma;

    GaussianNoise(Builder builder) {
        super(NAME, VERSION);
        sigma = builder.sigma;
    }

    /**
     * Creates a builder to build a {@code GaussianNoise}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        if (!training || sigma == 0 || x.size() == 0) { // (MXNet cannot close an empty noise array)
            return x;
        }
        // the noise lives on a scope of the input's manager and device, closed once it is added
        try (NDManager scope = x.getManager().newSubManager(x.getDevice())) {
            DataType type = x.getDataType();
            // float16 noise is drawn in float32 and rounded (DJL's MXNet engine has no float16
            // randomNormal)
            NDArray noise =
                    type == DataType.FLOAT16
                            ? scope.randomNormal(0f, sigma, x.getShape(), DataType.FLOAT32)
                                    .toType(type, false)
                            : scope.randomNormal(0f, sigma, x.getShape(), type);
            return x.add(noise);
        }
    }

    /** {@inheritDoc} */
    @Override
    protected void checkInput(NDArray x) {
        BlockChecks.checkFloatingPoint(NAME, x);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /**
     * Returns the standard deviation σ of the noise.
     *
     * @return σ
     */
    public float getSigma() {
        return sigma;
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config().add("sigma", sigma);
    }

    /** The builder for a {@link GaussianNoise}. */
    public static final class Builder {

        private float sigma = 0.1f;

        Builder() {}

        /**
         * Sets the standard deviation σ of the noise (default 0.1, as in Lasagne).
         *
         * @param sigma σ, &ge; 0 and finite
         * @return this builder
         */
        public Builder optSigma(float sigma) {
            this.sigma = sigma;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link GaussianNoise}
         * @throws IllegalArgumentException if σ is negative, infinite or NaN
         */
        public GaussianNoise build() {
            BlockChecks.checkArgument(
                    sigma >= 0 && Float.isFinite(sigma),
                    NAME,
                    "optSigma(float) needs a finite sigma >= 0, got %s",
                    sigma);
            return new GaussianNoise(this);
        }
    }
}
