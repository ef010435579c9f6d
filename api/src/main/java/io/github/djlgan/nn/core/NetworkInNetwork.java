package io.github.djlgan.nn.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.nn.convolutional.Convolutions;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;

/**
 * Network-in-network layer: a dense layer applied along axis 1 and broadcast over every trailing
 * axis, i.e. a 1×1 convolution for inputs of any rank ≥ 2.
 *
 * <p>For an input {@code x} of shape (N, C, d<sub>1</sub>, …, d<sub>k</sub>), k ≥ 0:
 *
 * <pre>
 *   y[n, u, p] = Σ_c W[u, c] · x[n, c, p] + b[u]        (tied biases, the default)
 *   y[n, u, p] = Σ_c W[u, c] · x[n, c, p] + b[u, p]     (untied biases)
 * </pre>
 *
 * <p>where p runs over every trailing position (d<sub>1</sub>, …, d<sub>k</sub>). The output has
 * shape (N, units, d<sub>1</sub>, …, d<sub>k</sub>).
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code weight} (units, C) — DJL's {@code Linear} layout; Lasagne's {@code NINLayer.W} is
 *       its transpose (C, units).
 *   <li>{@code bias} (units), or (units, d<sub>1</sub>, …, d<sub>k</sub>) when biases are untied
 *       (which needs the trailing sizes to be known at initialization); absent with {@code
 *       optBias(false)}.
 * </ul>
 *
 * <p>The layer is one matrix product over a reshaped view of the input, with no loop over
 * positions: for rank 2 it is {@link Linear#linear}; otherwise the input is viewed as (N, C, P), P
 * = d<sub>1</sub>⋯d<sub>k</sub>, and multiplied by the weight through a convolution of width 1
 * ({@link Conv1d#conv1d}, through {@link Convolutions#convolve}, which on PyTorch pads the units to
 * a multiple of 16 with zero rows for a right float32 input gradient), which both engines run as a
 * GEMM over all N·P positions, with no temporary on the weight's manager. (Its speed against a
 * batched, broadcast {@code matMul} is measured in the project's {@code
 * docs/design-measurements.md}.)
 *
 * <p>References: M. Lin, Q. Chen, S. Yan, "Network In Network", ICLR 2014; Lasagne's {@code
 * lasagne.layers.NINLayer}.
 */
public class NetworkInNetwork extends BaseBlock {

    private static final String NAME = "NetworkInNetwork";
    private static final byte VERSION = 1;

    private final long units;
    private final boolean untieBiases;
    private final Parameter weight;
    private final Parameter bias;

    NetworkInNetwork(Builder builder) {
        super(NAME, VERSION);
        units = builder.units;
        untieBiases = builder.untieBiases;
        weight = addParameter("weight", Parameter.Type.WEIGHT);
        bias = builder.bias ? addParameter("bias", Parameter.Type.BIAS) : null;
    }

    /**
     * Creates a builder to build a {@code NetworkInNetwork}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Applies the network-in-network transformation with the given weight and optional bias.
     *
     * @param input the input (N, C, d<sub>1</sub>, …, d<sub>k</sub>), k ≥ 0
     * @param weight the weight (units, C)
     * @param bias the bias, (units) or (units, d<sub>1</sub>, …, d<sub>k</sub>), or {@code null}
     * @return the output (N, units, d<sub>1</sub>, …, d<sub>k</sub>)
     * @throws IllegalArgumentException if the input's rank is below 2, the weight's rank is not 2,
     *     the input's C differs from the weight's axis 1, or the bias is neither (units) nor, for
     *     an input of rank ≥ 3, (units, d<sub>1</sub>, …, d<sub>k</sub>)
     */
    public static NDArray nin(NDArray input, NDArray weight, NDArray bias) {
        return nin(NAME, input, weight, bias);
    }

    /**
     * {@link #nin(NDArray, NDArray, NDArray)} with its argument errors reported under the name of
     * the block that calls it (e.g. {@code Maxout}).
     */
    static NDArray nin(String block, NDArray input, NDArray weight, NDArray bias) {
        Shape in = input.getShape();
        checkArguments(block, in, weight.getShape(), bias == null ? null : bias.getShape());
        boolean tied = bias == null || bias.getShape().dimension() == 1;
        if (in.dimension() == 2) {
            return Linear.linear(input, weight, bias).head();
        }
        NDManager scope = input.getManager();
        long units = weight.getShape().get(0);
        Shape trailing = in.slice(2);
        if (trailing.size() == 0) { // an empty trailing axis: the engines' conv1d rejects it
            return scope.zeros(
                    new Shape(in.get(0), units).addAll(trailing),
                    input.getDataType(),
                    input.getDevice());
        }
        NDArray kernel = weight.reshape(units, in.get(1), 1); // (units, C, 1)
        kernel.attach(scope);
        NDArray y =
                Convolutions.convolve(
                                input.reshape(in.get(0), in.get(1), trailing.size()),
                                kernel,
                                tied ? bias : null,
                                new Shape(1),
                                new Shape(0),
                                new Shape(1),
                                1)
                        .reshape(new Shape(in.get(0), units).addAll(trailing));
        return tied ? y : y.add(bias); // untied: (units, d1, ..., dk) broadcasts over N
    }

    /**
     * Checks the shapes of {@link #nin}'s arguments, in Java only: input (N, C, d1, ..., dk) of
     * rank ≥ 2, weight (units, C), bias (units) or (units, d1, ..., dk) when k ≥ 1.
     */
    private static void checkArguments(String block, Shape in, Shape w, Shape b) {
        BlockChecks.checkShape(in.dimension() >= 2, block, "input (N, C, ...) of rank >= 2", in);
        checkWeight(block, w);
        BlockChecks.checkShape(
                in.get(1) == w.get(1),
                block,
                "input (N, " + w.get(1) + ", ...) with C = axis 1 of the weight " + w,
                in);
        if (b != null) {
            Shape tied = new Shape(w.get(0));
            Shape untied = tied.addAll(in.slice(2));
            BlockChecks.checkArgument(
                    b.equals(tied) || b.equals(untied),
                    block,
                    "expected a bias %s%s for the weight %s and the input %s, got shape %s",
                    tied,
                    in.dimension() > 2 ? " or " + untied : "",
                    w,
                    in,
                    b);
        }
    }

    /**
     * Checks that a weight is of rank 2, (units, C).
     *
     * @param block the name of the block doing the check
     * @param w the weight's shape
     */
    static void checkWeight(String block, Shape w) {
        BlockChecks.checkShape(w.dimension() == 2, block, "a weight (units, C) of rank 2", w);
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        NDArray w = store.getValue(weight, x.getDevice(), training);
        NDArray b = store.getValue(bias, x.getDevice(), training);
        return nin(x, w, b);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), units).addAll(in.slice(2))};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape in) {
        BlockChecks.checkChannelsFirst(NAME, in);
        if (untieBiases && bias != null) {
            Shape trailing = in.slice(2);
            BlockChecks.checkShape(
                    trailing.getUnknownValueCount() == 0,
                    NAME,
                    "untied biases need specified input sizes for every trailing axis (N, C, d1,"
                            + " ..., dk)",
                    in);
        }
    }

    /** {@inheritDoc} */
    @Override
    protected void prepare(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        weight.setShape(new Shape(units, in.get(1)));
        if (bias != null) {
            bias.setShape(untieBiases ? new Shape(units).addAll(in.slice(2)) : new Shape(units));
        }
    }

    /** {@inheritDoc} */
    @Override
    protected void checkInput(NDArray x) {
        Shape in = x.getShape();
        BlockChecks.checkChannels(NAME, in, weight.getArray().getShape().get(1));
        if (untieBiases && bias != null) {
            Shape trailing = bias.getArray().getShape().slice(1);
            BlockChecks.checkShape(
                    in.slice(2).equals(trailing),
                    NAME,
                    "input with trailing sizes " + trailing + " matching the untied bias",
                    in);
        }
    }

    /**
     * Returns the number of output channels.
     *
     * @return the number of output channels
     */
    public long getUnits() {
        return units;
    }

    /**
     * Returns whether the block has a bias.
     *
     * @return whether the block has a bias
     */
    public boolean hasBias() {
        return bias != null;
    }

    /**
     * Returns whether the biases are untied (one per output channel and position).
     *
     * @return whether the biases are untied
     */
    public boolean isUntiedBiases() {
        return untieBiases;
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config()
                .add("units", units)
                .add("bias", bias != null)
                .add("untieBiases", untieBiases);
    }

    /** The builder for a {@link NetworkInNetwork}. */
    public static final class Builder {

        private long units;
        private boolean bias = true;
        private boolean untieBiases;

        Builder() {}

        /**
         * Sets the number of output channels (required).
         *
         * @param units the number of output channels, &gt; 0
         * @return this builder
         */
        public Builder setUnits(long units) {
            this.units = units;
            return this;
        }

        /**
         * Sets whether the block has a bias (default {@code true}).
         *
         * @param bias whether to add a bias
         * @return this builder
         */
        public Builder optBias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /**
         * Sets whether to learn one bias per output channel and trailing position instead of one
         * per output channel (default {@code false}). Untied biases need every trailing input size
         * to be known at initialization.
         *
         * @param untieBiases whether to untie the biases
         * @return this builder
         */
        public Builder optUntieBiases(boolean untieBiases) {
            this.untieBiases = untieBiases;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link NetworkInNetwork}
         * @throws IllegalArgumentException if the units were not set to a positive number
         */
        public NetworkInNetwork build() {
            BlockChecks.checkArgument(
                    units > 0, NAME, "setUnits(long) needs units > 0, got %d", units);
            return new NetworkInNetwork(this);
        }
    }
}
