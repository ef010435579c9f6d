package io.github.djlgan.nn.norm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;

/**
 * Pixelwise feature-vector normalization: scales the feature vector at every position to unit
 * root-mean-square,
 *
 * <pre>
 *   y[n, c, p] = x[n, c, p] / sqrt( (1/C) Σ_c' x[n, c', p]² + ε )
 * </pre>
 *
 * <p>for an input of shape (N, C, d<sub>1</sub>, …, d<sub>k</sub>), k ≥ 0, with p running over the
 * trailing positions; the output has the input's shape. No parameters; the sizes may change from
 * call to call. Float16 inputs are computed in float32 and cast back (the squares overflow float16
 * and ε = 1e-8 underflows it). Integer inputs and an empty channel axis (C = 0, whose mean is
 * undefined) are rejected with an {@link IllegalArgumentException}.
 *
 * <p>Reference: T. Karras, T. Aila, S. Laine, J. Lehtinen, "Progressive Growing of GANs for
 * Improved Quality, Stability, and Variation", ICLR 2018, §4.2 (after every convolution of the
 * generator); its {@code pixel_norm}.
 */
public class PixelNorm extends BaseBlock {

    private static final String NAME = "PixelNorm";
    private static final byte VERSION = 1;

    private final float epsilon;

    PixelNorm(Builder builder) {
        super(NAME, VERSION);
        epsilon = builder.epsilon;
    }

    /**
     * Creates a builder to build a {@code PixelNorm}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the ε added to the mean square.
     *
     * @return ε
     */
    public float getEpsilon() {
        return epsilon;
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        DataType type = x.getDataType();
        DataType compute = type == DataType.FLOAT64 ? type : DataType.FLOAT32;
        NDArray z = x.toType(compute, false);
        NDArray meanSquare = z.square().mean(new int[] {1}, true);
        return z.div(meanSquare.add(epsilon).sqrt()).toType(type, false);
    }

    /** {@inheritDoc} */
    @Override
    protected void checkInput(NDArray x) {
        Shape in = x.getShape();
        BlockChecks.checkShape(in.dimension() >= 2, NAME, "input (N, C, ...) of rank >= 2", in);
        BlockChecks.checkFloatingPoint(NAME, x);
        BlockChecks.checkShape(in.get(1) > 0, NAME, "input (N, C, ...) with C > 0 channels", in);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape in) {
        BlockChecks.checkShape(in.dimension() >= 2, NAME, "input (N, C, ...) of rank >= 2", in);
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config().add("epsilon", epsilon);
    }

    /** The builder for a {@link PixelNorm}. */
    public static final class Builder {

        private float epsilon = 1e-8f;

        Builder() {}

        /**
         * Sets the ε added to the mean square (default 1e-8, as ProGAN).
         *
         * @param epsilon ε, &gt; 0 and finite
         * @return this builder
         */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link PixelNorm}
         * @throws IllegalArgumentException if ε is out of range
         */
        public PixelNorm build() {
            BlockChecks.checkArgument(
                    epsilon > 0 && Float.isFinite(epsilon),
                    NAME,
                    "optEpsilon(float) needs a finite epsilon > 0, got %s",
                    epsilon);
            return new PixelNorm(this);
        }
    }
}
