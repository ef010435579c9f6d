package io.github.djlgan.nn.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;

/**
 * Maxout layer: a dense layer with units·pieces outputs along axis 1, followed by the maximum over
 * each unit's pieces.
 *
 * <p>For an input {@code x} of shape (N, C, d<sub>1</sub>, …, d<sub>k</sub>), k ≥ 0, with u units
 * of p pieces each:
 *
 * <pre>
 *   z[n, j, q] = Σ_c W[j, c] · x[n, c, q] + b[j]          j = 0 … u·p − 1
 *   y[n, i, q] = max_{0 ≤ r &lt; p} z[n, i·p + r, q]      i = 0 … u − 1
 * </pre>
 *
 * <p>where q runs over every trailing position (d<sub>1</sub>, …, d<sub>k</sub>): unit i takes the
 * p consecutive outputs i·p … i·p + p − 1. The output has shape (N, u, d<sub>1</sub>, …,
 * d<sub>k</sub>). The dense part is {@link NetworkInNetwork#nin}, so a rank-2 input is a plain
 * dense layer and a higher-rank input a 1×1 convolution; the maximum is taken over the pieces axis
 * of z viewed as (N, u, p, d<sub>1</sub>, …, d<sub>k</sub>). Its gradient reaches the piece that
 * holds the maximum. At an exact tie between pieces (e.g. a zero input with equal biases) the
 * engines' {@code max} differ: PyTorch passes the gradient to one of the tied pieces, MXNet to each
 * of them.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code weight} (u·p, C) — DJL's {@code Linear} layout; Lasagne's {@code DenseLayer.W} is
 *       its transpose (C, u·p).
 *   <li>{@code bias} (u·p); absent with {@code optBias(false)}.
 * </ul>
 *
 * <p>References: I. J. Goodfellow, D. Warde-Farley, M. Mirza, A. Courville, Y. Bengio, "Maxout
 * Networks", ICML 2013; Lasagne's {@code DenseLayer} followed by {@code
 * FeaturePoolLayer(pool_size=p)}; Blocks' {@code LinearMaxout}.
 */
public class Maxout extends BaseBlock {

    private static final String NAME = "Maxout";
    private static final byte VERSION = 1;

    private final long units;
    private final int pieces;
    private final Parameter weight;
    private final Parameter bias;

    Maxout(Builder builder) {
        super(NAME, VERSION);
        units = builder.units;
        pieces = builder.pieces;
        weight = addParameter("weight", Parameter.Type.WEIGHT);
        bias = builder.bias ? addParameter("bias", Parameter.Type.BIAS) : null;
    }

    /**
     * Creates a builder to build a {@code Maxout}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Applies the maxout transformation with the given weight and optional bias.
     *
     * @param input the input (N, C, d<sub>1</sub>, …, d<sub>k</sub>), k ≥ 0
     * @param weight the weight (units·pieces, C)
     * @param bias the bias (units·pieces), or {@code null}
     * @param pieces the number of pieces per unit; it divides {@code weight}'s first axis
     * @return the output (N, units, d<sub>1</sub>, …, d<sub>k</sub>)
     * @throws IllegalArgumentException if {@code pieces} is below 1, the weight's rank is not 2,
     *     {@code pieces} does not divide the weight's axis 0, the bias is not (units·pieces), the
     *     input's rank is below 2, or the input's C differs from the weight's axis 1
     */
    public static NDArray maxout(NDArray input, NDArray weight, NDArray bias, int pieces) {
        BlockChecks.checkArgument(pieces >= 1, NAME, "expected pieces >= 1, got %d", pieces);
        Shape w = weight.getShape();
        NetworkInNetwork.checkWeight(NAME, w);
        BlockChecks.checkShape(
                w.get(0) % pieces == 0,
                NAME,
                "a weight (units·pieces, C) whose axis 0 is divisible by pieces = " + pieces,
                w);
        if (bias != null) {
            BlockChecks.checkShape(
                    bias.getShape().equals(new Shape(w.get(0))),
                    NAME,
                    "a bias (units·pieces) = (" + w.get(0) + ") for the weight " + w,
                    bias.getShape());
        }
        NDArray z = NetworkInNetwork.nin(NAME, input, weight, bias); // (N, u·p, d1, ..., dk)
        Shape s = z.getShape();
        Shape grouped = new Shape(s.get(0), s.get(1) / pieces, pieces).addAll(s.slice(2));
        return z.reshape(grouped).max(new int[] {2}, false);
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        NDArray w = store.getValue(weight, x.getDevice(), training);
        NDArray b = store.getValue(bias, x.getDevice(), training);
        return maxout(x, w, b, pieces);
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
    }

    /** {@inheritDoc} */
    @Override
    protected void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape(units * pieces, inputShapes[0].get(1)));
        if (bias != null) {
            bias.setShape(new Shape(units * pieces));
        }
    }

    /** {@inheritDoc} */
    @Override
    protected void checkInput(NDArray x) {
        BlockChecks.checkChannels(NAME, x.getShape(), weight.getArray().getShape().get(1));
    }

    /**
     * Returns the number of output channels (units).
     *
     * @return the number of units
     */
    public long getUnits() {
        return units;
    }

    /**
     * Returns the number of pieces per unit.
     *
     * @return the number of pieces
     */
    public int getPieces() {
        return pieces;
    }

    /**
     * Returns whether the block has a bias.
     *
     * @return whether the block has a bias
     */
    public boolean hasBias() {
        return bias != null;
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config().add("units", units).add("pieces", pieces).add("bias", bias != null);
    }

    /** The builder for a {@link Maxout}. */
    public static final class Builder {

        private long units;
        private int pieces;
        private boolean bias = true;

        Builder() {}

        /**
         * Sets the number of output channels (required).
         *
         * @param units the number of units, &gt; 0
         * @return this builder
         */
        public Builder setUnits(long units) {
            this.units = units;
            return this;
        }

        /**
         * Sets the number of linear pieces each unit takes the maximum of (required).
         *
         * @param pieces the number of pieces, &gt; 0 (1 makes the block a dense layer)
         * @return this builder
         */
        public Builder setPieces(int pieces) {
            this.pieces = pieces;
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
         * Builds the block.
         *
         * @return a new {@link Maxout}
         * @throws IllegalArgumentException if the units or the pieces were not set to a positive
         *     number
         */
        public Maxout build() {
            BlockChecks.checkArgument(
                    units > 0, NAME, "setUnits(long) needs units > 0, got %d", units);
            BlockChecks.checkArgument(
                    pieces > 0, NAME, "setPieces(int) needs pieces > 0, got %d", pieces);
            return new Maxout(this);
        }
    }
}
