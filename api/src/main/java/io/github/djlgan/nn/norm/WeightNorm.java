package io.github.djlgan.nn.norm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.init.DataInitPass;
import io.github.djlgan.init.DataInitializable;
import io.github.djlgan.nn.WeightLayout;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import io.github.djlgan.util.Tensors;
import java.util.stream.IntStream;

/**
 * Weight normalization: wraps a block with a {@code weight} parameter and reparameterises that
 * weight as
 *
 * <pre>
 *   w = g · v / ‖v‖
 * </pre>
 *
 * <p>with the norm taken per output channel over all other weight axes; v is the wrapped block's
 * own {@code weight} (the direction, under its own name), g a new parameter of shape (out
 * channels), initialised to 1. The bias is the wrapped block's {@code bias}; if it has none,
 * WeightNorm adds its own {@code bias} (out channels) on the output-channel axis (for channel-wise
 * layouts only, see {@link WeightLayout#isChannelwise()}).
 *
 * <p>Supported blocks and their output channels are those of {@link WeightLayout}: DJL's {@code
 * Linear} (weight (out, in), output channels on the last axis), {@code Conv1d}/{@code Conv2d}/
 * {@code Conv3d} (weight (out, in/groups, k…)), this project's {@code NetworkInNetwork} (weight
 * (out, in)), {@code Deconv2d} (weight (in, out/groups, kh, kw): output channels on axis 1; with
 * groups, each output channel's norm runs over its own group's input channels) and {@code Maxout}
 * (weight (units·pieces, C): one g per piece). Any other block is rejected. Maxout's output is a
 * maximum, not linear in a per-piece scale, so for it WeightNorm always scales the weight, adds no
 * bias of its own, and has no data-dependent initialization.
 *
 * <p>Mechanism ({@link WeightWrapper}): the wrapped block runs unchanged, but receives a view of
 * the parameter store that answers its request for {@code weight} with g · v/‖v‖ (computed on the
 * fly, so gradients reach v and g through autograd); a DJL convolution is run through {@code
 * Convolutions.convolve} with those values (see {@link WeightWrapper}). ‖v‖ is computed as sqrt(Σv²
 * + 1e-12): the tiny constant only keeps an all-zero direction from giving 0/0.
 *
 * <p>In a channel-wise layout, scaling the weight's channel c by s<sub>c</sub> = g<sub>c</sub>/‖v
 * <sub>c</sub>‖ scales output channel c by s<sub>c</sub>. When the output is smaller than the
 * weight (a {@code Linear} on a batch smaller than its input width, the usual case for MLPs) the
 * block computes the same thing as
 *
 * <pre>
 *   y = block(x; v, no bias) · g/‖v‖ + b
 * </pre>
 *
 * <p>which scales the output instead of the weight: one element-wise pass less over the weight,
 * forward and backward. Both paths agree to float rounding.
 *
 * <p>Data-dependent initialization ({@link DataInitializable}, run by {@link
 * io.github.djlgan.init.DataInit}; channel-wise layouts only): on the init batch the block computes
 * its pre-activation t = block(x; v/‖v‖, no bias), the per-channel mean m and (biased) standard
 * deviation s of t over every axis but the output-channel axis, and sets
 *
 * <pre>
 *   g ← initScale / s,    b ← −m · initScale / s
 * </pre>
 *
 * <p>so that its output on that batch has mean 0 and standard deviation initScale per channel; it
 * returns (t − m) · initScale / s. The variance is guarded as s = sqrt(var + 1e-6), so a channel
 * that is constant on the batch gets g = 1000 · initScale instead of infinity. m and s are computed
 * in float64, so that a finite batch of huge values (|t| around 1e20 to 1e38, whose squares
 * overflow float32) gets its own statistics; a batch whose t overflows the parameters' type, or
 * whose g would round to 0, is rejected. Because t uses the unit-norm direction, running the init
 * again gives the same result.
 *
 * <p>References: T. Salimans, D. P. Kingma, "Weight Normalization: A Simple Reparameterization to
 * Accelerate Training of Deep Neural Networks", NIPS 2016; improved-gan's {@code WeightNormLayer}.
 * The forward pass equals PyTorch's {@code torch.nn.utils.weight_norm} for the same v, g and b (for
 * {@code Deconv2d}: {@code dim=1}; with groups, {@code weight_norm(dim=1)} on one ungrouped {@code
 * ConvTranspose2d} per group, since {@code dim=1} on a grouped {@code ConvTranspose2d} keeps only
 * out/groups scales, each normed over every group's input channels).
 */
public class WeightNorm extends WeightWrapper implements DataInitializable {

    private static final String NAME = "WeightNorm";
    private static final byte VERSION = 1;
    private static final float NORM_EPSILON = 1e-12f;
    private static final float INIT_VARIANCE_EPSILON = 1e-6f;

    private final float initScale;
    private final boolean trainScale;
    private final Parameter g;
    private final Parameter bias;
    private final boolean ownBias;

    WeightNorm(Builder builder) {
        super(VERSION, NAME, builder.getBlock(NAME));
        initScale = builder.initScale;
        trainScale = builder.trainScale;
        ownBias = getWrappedBias() == null && getLayout().isChannelwise();
        g =
                addParameter(
                        Parameter.builder()
                                .setName("g")
                                .setType(Parameter.Type.GAMMA)
                                .optRequiresGrad(trainScale)
                                .build());
        bias =
                ownBias
                        ? addParameter(
                                Parameter.builder()
                                        .setName("bias")
                                        .setType(Parameter.Type.BIAS)
                                        .build())
                        : getWrappedBias();
    }

    /**
     * Wraps a block with default options (initScale 1, trainable g).
     *
     * @param block the block to wrap: one of {@link WeightLayout#supportedBlocks()}
     * @return the wrapped block
     * @throws IllegalArgumentException if the block is not supported
     */
    public static WeightNorm wrap(Block block) {
        return builder().setBlock(block).build();
    }

    /**
     * Creates a builder to build a {@code WeightNorm}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the target standard deviation of the data-dependent initialization.
     *
     * @return the init scale
     */
    public float getInitScale() {
        return initScale;
    }

    /**
     * Returns whether g is trained.
     *
     * @return whether g is trainable
     */
    public boolean isTrainScale() {
        return trainScale;
    }

    /**
     * Computes the effective weight g · v/‖v‖ from the current parameter values, e.g. to export the
     * layer as a plain one.
     *
     * @param manager the manager the result is attached to
     * @return the effective weight, of the wrapped block's weight shape
     */
    public NDArray getEffectiveWeight(NDManager manager) {
        return normalize(getWeight().getArray(), g.getArray(), manager);
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        NDManager scope = x.getManager();
        Shape outShape = getBlock().getOutputShapes(new Shape[] {x.getShape()})[0];
        if (!scalesOutput(outShape)) {
            // scale the weight: the wrapped block sees w = g · v/‖v‖ (and its own bias)
            NDArray y =
                    forwardWrapped(
                            store,
                            scope,
                            x,
                            training,
                            params,
                            v -> normalize(v, store.getValue(g, v.getDevice(), training), scope),
                            b -> b);
            if (!ownBias) {
                return y;
            }
            NDArray b = store.getValue(bias, x.getDevice(), training);
            return y.add(perChannel(b, y.getShape(), scope));
        }
        // scale the output, the smaller array: block(x; v, no bias) · (g/‖v‖) + b
        NDArray y = forwardWrapped(store, scope, x, training, params, v -> v, b -> null);
        NDArray v = store.getValue(getWeight(), x.getDevice(), training);
        NDArray gValue = store.getValue(g, x.getDevice(), training);
        NDArray b = store.getValue(bias, x.getDevice(), training);
        // every operand a view on the input's manager, so no result lands on the parameters'
        NDArray gView = perChannel(gValue, outShape, scope);
        NDArray scale = gView.div(norm(v, scope).reshape(gView.getShape()));
        NDArray scaled = y.mul(scale);
        return b == null ? scaled : scaled.add(perChannel(b, outShape, scope));
    }

    /** {@inheritDoc} */
    @Override
    public NDList initializeFromData(DataInitPass pass, ParameterStore store, NDList inputs) {
        NDArray x = inputs.head();
        BlockChecks.checkState(
                getLayout().isChannelwise(),
                getName(),
                "data-dependent init sets one scale and bias per output channel, but the output"
                        + " of %s does not hold one value per weight channel",
                getBlock().getClass().getSimpleName());
        NDManager scope = x.getManager();
        NDArray t =
                forwardWrapped(
                        store, scope, x, true, null, v -> normalize(v, null, scope), b -> null);
        int axis = getLayout().getOutputChannelAxis(t.getShape());
        int[] others =
                IntStream.range(0, t.getShape().dimension()).filter(a -> a != axis).toArray();
        BlockChecks.checkArgument(
                t.getShape().size(others) >= 2,
                getName(),
                "data-dependent init needs at least 2 values per output channel (axis %d), got a"
                        + " pre-activation of shape %s; use a larger batch",
                axis,
                t.getShape());
        BlockChecks.checkArgument(
                Tensors.allFinite(t),
                getName(),
                "data-dependent init: the pre-activation of shape %s overflows %s on this batch;"
                        + " scale the batch down",
                t.getShape(),
                t.getDataType());
        // the statistics in float64: (t − m)² overflows float32 once |t − m| exceeds ~1.8e19
        NDArray t64 = t.toType(DataType.FLOAT64, false);
        NDArray m = Tensors.mean(t64, others, true);
        NDArray centered = t64.sub(m);
        NDArray s = Tensors.mean(centered.square(), others, true).add(INIT_VARIANCE_EPSILON).sqrt();
        NDArray scale = s.pow(-1).mul(initScale);
        Shape channels = new Shape(t.getShape().get(axis));
        if (!scale.toType(t.getDataType(), false).gt(0).all().getBoolean()) {
            BlockChecks.checkArgument(
                    false,
                    getName(),
                    "data-dependent init: g = initScale / std rounds to 0 in %s on this batch (std"
                            + " up to %s); scale the batch down",
                    t.getDataType(),
                    s.max().getDouble());
        }
        pass.assign(getName(), g, scale.reshape(channels));
        pass.assign(getName(), bias, m.mul(scale).neg().reshape(channels));
        return new NDList(centered.mul(scale).toType(t.getDataType(), false));
    }

    /** {@inheritDoc} */
    @Override
    protected void prepare(Shape[] inputShapes) {
        Shape channels = new Shape(getLayout().getChannels(getWeight().getArray().getShape()));
        g.setShape(channels);
        if (ownBias) {
            bias.setShape(channels);
        }
    }

    /** g · v/‖v‖, or v/‖v‖ when {@code gValue} is null; the result is attached to {@code scope}. */
    private NDArray normalize(NDArray v, NDArray gValue, NDManager scope) {
        Shape shape = v.getShape();
        NDArray view = v.reshape(normView(shape));
        view.attach(scope);
        NDArray norm = norm(v, scope);
        if (gValue == null) {
            return view.div(norm).reshape(shape);
        }
        NDArray gView = gValue.reshape(norm.getShape());
        gView.attach(scope);
        // one pass over the weight: w = v · (g / ‖v‖), the per-channel factor computed first
        // (arrays only: a Java-number operand is unsafe under autograd on PyTorch, see Tensors)
        return view.mul(gView.div(norm)).reshape(shape);
    }

    /**
     * A view of the weight in which the norm runs over the last axis (and, for a channel axis of 1,
     * axis 1): (out, rest) for weights with output channels on axis 0; (G, in/G, out/G, rest) for a
     * transposed convolution's (in, out/G, k…), so that with groups each output channel is
     * normalised over its own group's inputs only.
     */
    private Shape normView(Shape weight) {
        if (getLayout().getChannelAxis() == 1) {
            long groups = getLayout().getGroups();
            return new Shape(groups, weight.get(0) / groups, weight.get(1), -1);
        }
        return new Shape(weight.get(0), -1);
    }

    /**
     * ‖v‖ per output channel, sqrt(Σv² + 1e-12), shaped like {@link #normView} with the normed axes
     * kept as 1: (out, 1), or (G, 1, out/G, 1) for a channel axis of 1; in output-channel order
     * when flattened.
     *
     * <p>The sum over the last axis of the view is a product with a column of ones: a matrix
     * product runs fast on both engines, while MXNet's CPU reductions (and so its {@code sum}) are
     * slow (measured in the project's {@code docs/design-measurements.md}).
     */
    private NDArray norm(NDArray v, NDManager scope) {
        Shape view = normView(v.getShape());
        long last = v.size() / view.slice(0, view.dimension() - 1).size();
        NDArray rows = v.reshape(-1, last);
        rows.attach(scope);
        NDArray ones = scope.ones(new Shape(last, 1), v.getDataType(), v.getDevice());
        long[] summed = view.getShape().clone();
        summed[summed.length - 1] = 1;
        NDArray squares = rows.square().matMul(ones).reshape(summed);
        if (getLayout().getChannelAxis() == 1) {
            squares = squares.sum(new int[] {1}, true); // over the group's inputs: in/G values
        }
        return squares.add(NORM_EPSILON).sqrt();
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config()
                .add("ownBias", ownBias)
                .add("initScale", initScale)
                .add("trainScale", trainScale);
    }

    /** The builder for a {@link WeightNorm}. */
    public static final class Builder extends WrapperBuilder<Builder> {
        private float initScale = 1f;
        private boolean trainScale = true;

        Builder() {}

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the standard deviation each output channel has after data-dependent initialization
         * (default 1, improved-gan's {@code init_stdv}).
         *
         * @param initScale the target standard deviation, &gt; 0
         * @return this builder
         */
        public Builder optInitScale(float initScale) {
            this.initScale = initScale;
            return this;
        }

        /**
         * Sets whether g is trained (default true; false reproduces improved-gan's {@code
         * train_g=False}, where g only changes in data-dependent init).
         *
         * @param trainScale whether g is trainable
         * @return this builder
         */
        public Builder optTrainScale(boolean trainScale) {
            this.trainScale = trainScale;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link WeightNorm}
         * @throws IllegalArgumentException if no block was set, it is not supported, or the init
         *     scale is not positive
         */
        public WeightNorm build() {
            BlockChecks.checkArgument(
                    initScale > 0 && Float.isFinite(initScale),
                    NAME,
                    "optInitScale needs a positive finite value, got %s",
                    initScale);
            return new WeightNorm(this);
        }
    }
}
