package io.github.djlgan.nn.norm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.github.djlgan.nn.WeightLayout;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import io.github.djlgan.util.Tensors;

/**
 * Equalized learning rate: wraps a block with a {@code weight} parameter, stores its weight (and
 * bias) at unit scale and scales them at run time,
 *
 * <pre>
 *   W_runtime = W_stored · gain · lrMul / √fanIn,      W_stored ~ N(0, 1/lrMul²) at initialization
 *   b_runtime = b_stored · lrMul,                       b_stored = 0 at initialization
 * </pre>
 *
 * <p>where fanIn is the number of weights one output channel sees: the product of the weight's axes
 * other than the channel axis, per group for grouped (transposed) convolutions ({@link
 * WeightLayout#getFanIn}). The runtime weight has He's initial scale gain/√fanIn, but the stored
 * parameters, which the optimizer updates, are of order 1/lrMul in every layer; so an adaptive
 * optimizer such as Adam, whose step is about the learning rate whatever the gradient's scale,
 * moves every layer's runtime weights at the same relative speed, lrMul times the learning rate.
 *
 * <p>The wrapped block keeps its {@code weight} and {@code bias} (under their own names); this
 * block sets their initializers to N(0, 1/lrMul²) and 0 when it wraps them. (An initializer set on
 * the network afterwards, e.g. by a {@code Trainer}'s configuration for {@code
 * Parameter.Type.WEIGHT}, replaces them.) Gradients reach the stored parameters through autograd.
 * In a channel-wise layout, when the output is not larger than the weight the block computes the
 * same thing as block(x; W_stored, no bias) · gain · lrMul / √fanIn + b_stored · lrMul, scaling the
 * output instead of the weight.
 *
 * <p>References: T. Karras, T. Aila, S. Laine, J. Lehtinen, "Progressive Growing of GANs for
 * Improved Quality, Stability, and Variation", ICLR 2018, §4.1 (gain √2); T. Karras, S. Laine, T.
 * Aila, "A Style-Based Generator Architecture for Generative Adversarial Networks", CVPR 2019, and
 * StyleGAN2's {@code get_weight}/{@code dense_layer} (the learning-rate multiplier lrMul, 0.01 in
 * the mapping network).
 */
public class EqualizedLearningRate extends WeightWrapper {

    private static final String NAME = "EqualizedLearningRate";
    private static final byte VERSION = 1;

    private final float gain;
    private final float lrMultiplier;

    EqualizedLearningRate(Builder builder) {
        super(VERSION, NAME, builder.getBlock(NAME));
        gain = builder.gain;
        lrMultiplier = builder.lrMultiplier;
        getWeight().setInitializer(new NormalInitializer(1f / lrMultiplier));
        if (getWrappedBias() != null) {
            getWrappedBias().setInitializer(Initializer.ZEROS);
        }
    }

    /**
     * Wraps a block with default options (gain √2, lrMul 1).
     *
     * @param block the block to wrap: one of {@link WeightLayout#supportedBlocks()}
     * @return the wrapped block
     * @throws IllegalArgumentException if the block is not supported
     */
    public static EqualizedLearningRate wrap(Block block) {
        return builder().setBlock(block).build();
    }

    /**
     * Creates a builder to build an {@code EqualizedLearningRate}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the gain.
     *
     * @return the gain
     */
    public float getGain() {
        return gain;
    }

    /**
     * Returns the learning-rate multiplier lrMul.
     *
     * @return lrMul
     */
    public float getLrMultiplier() {
        return lrMultiplier;
    }

    /**
     * Returns the runtime weight scale gain · lrMul / √fanIn.
     *
     * @return the weight scale
     * @throws IllegalStateException if the block is not initialized (fanIn is not known)
     */
    public double getWeightScale() {
        checkInitialized();
        long fanIn = getLayout().getFanIn(getWeight().getArray().getShape());
        return gain * (double) lrMultiplier / Math.sqrt(fanIn);
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore parameterStore,
            NDArray x,
            boolean training,
            PairList<String, Object> params) {
        NDManager scope = x.getManager();
        // array scalars: a Java-number operand is unsafe under autograd on PyTorch (see Tensors)
        NDArray weightScale = Tensors.scalar(x, getWeightScale());
        NDArray lrMul = lrMultiplier == 1f ? null : Tensors.scalar(x, lrMultiplier);
        Shape outShape = getBlock().getOutputShapes(new Shape[] {x.getShape()})[0];
        if (!scalesOutput(outShape)) {
            return forwardWrapped(
                    parameterStore,
                    scope,
                    x,
                    training,
                    params,
                    w -> onScope(w, scope).mul(weightScale),
                    b -> b == null || lrMul == null ? b : onScope(b, scope).mul(lrMul));
        }
        // scale the output, the smaller array
        NDArray y =
                forwardWrapped(parameterStore, scope, x, training, params, w -> w, b -> null)
                        .mul(weightScale);
        NDArray b = parameterStore.getValue(getWrappedBias(), x.getDevice(), training);
        if (b == null) {
            return y;
        }
        NDArray bias = perChannel(b, outShape, scope);
        return y.add(lrMul == null ? bias : bias.mul(lrMul));
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config().add("gain", gain).add("lrMultiplier", lrMultiplier);
    }

    /** The builder for an {@link EqualizedLearningRate}. */
    public static final class Builder extends WrapperBuilder<Builder> {
        private float gain = (float) Math.sqrt(2);
        private float lrMultiplier = 1f;

        Builder() {}

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the gain (default √2, He's gain for ReLU-like activations; ProGAN uses 1 for the
         * output layers).
         *
         * @param gain the gain, &gt; 0 and finite
         * @return this builder
         */
        public Builder optGain(float gain) {
            this.gain = gain;
            return this;
        }

        /**
         * Sets the learning-rate multiplier lrMul (default 1; StyleGAN's mapping network uses
         * 0.01).
         *
         * @param lrMultiplier lrMul, &gt; 0 and finite
         * @return this builder
         */
        public Builder optLrMultiplier(float lrMultiplier) {
            this.lrMultiplier = lrMultiplier;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link EqualizedLearningRate}
         * @throws IllegalArgumentException if no block was set, it is not supported, or an option
         *     is out of range
         */
        public EqualizedLearningRate build() {
            BlockChecks.checkArgument(
                    gain > 0 && Float.isFinite(gain),
                    NAME,
                    "optGain(float) needs a finite gain > 0, got %s",
                    gain);
            BlockChecks.checkArgument(
                    lrMultiplier > 0 && Float.isFinite(lrMultiplier),
                    NAME,
                    "optLrMultiplier(float) needs a finite lrMul > 0, got %s",
                    lrMultiplier);
            return new EqualizedLearningRate(this);
        }
    }
}
