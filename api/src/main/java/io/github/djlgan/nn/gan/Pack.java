package io.github.djlgan.nn.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;

/**
 * Packing: groups every m consecutive samples of a batch into one, concatenated along axis 1, so
 * that a discriminator judges m samples jointly (PacGAN).
 *
 * <p>For an input x of shape (N, C, d<sub>1</sub>, …, d<sub>k</sub>), k ≥ 0, with N divisible by m,
 * the output y has shape (N/m, m·C, d<sub>1</sub>, …, d<sub>k</sub>) and
 *
 * <pre>
 *   y[i, j·C + c, p] = x[i·m + j, c, p]        0 ≤ j &lt; m
 * </pre>
 *
 * <p>so pack i holds samples i·m … i·m + m − 1, in that order. In row-major memory this is a
 * reshape, with no copy. The gradient flows back to every sample. The block has no parameters.
 *
 * <p>A packed discriminator must only ever see packs of real or of generated samples, never a mix:
 * {@link io.github.djlgan.training.GanTrainer} packs the two batches separately ({@code
 * optPacking(m)}).
 *
 * <p>Reference: Z. Lin, A. Khetan, G. Fanti, S. Oh, "PacGAN: The power of two samples in generative
 * adversarial networks", NeurIPS 2018.
 */
public class Pack extends BaseBlock {

    private static final String NAME = "Pack";
    private static final byte VERSION = 1;

    private final int packSize;

    Pack(Builder builder) {
        super(NAME, VERSION);
        packSize = builder.packSize;
    }

    /**
     * Creates a builder to build a {@code Pack}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Packs every {@code packSize} consecutive samples into one along axis 1.
     *
     * @param x the samples (N, C, d<sub>1</sub>, …, d<sub>k</sub>), N divisible by {@code packSize}
     * @param packSize m, the samples per pack
     * @return the packs (N/m, m·C, d<sub>1</sub>, …, d<sub>k</sub>), a view of {@code x}
     * @throws IllegalArgumentException if m is below 1, the rank is below 2 or N is not divisible
     *     by m
     */
    public static NDArray pack(NDArray x, int packSize) {
        Shape in = x.getShape();
        checkShape(in, packSize);
        return x.reshape(packedShape(in, packSize));
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        return pack(x, packSize);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {packedShape(inputShapes[0], packSize)};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape in) {
        if (in.get(0) >= 0) {
            checkShape(in, packSize);
        } else {
            BlockChecks.checkShape(in.dimension() >= 2, NAME, "input (N, C, ...) of rank >= 2", in);
        }
    }

    /**
     * Returns m, the number of samples per pack.
     *
     * @return the pack size
     */
    public int getPackSize() {
        return packSize;
    }

    private static void checkShape(Shape in, int packSize) {
        BlockChecks.checkArgument(
                packSize >= 1,
                NAME,
                "expected a pack size >= 1, got %d (input shape %s)",
                packSize,
                in);
        BlockChecks.checkShape(
                in.dimension() >= 2 && in.get(0) % packSize == 0,
                NAME,
                "input (N, C, ...) of rank >= 2 with N divisible by the pack size " + packSize,
                in);
    }

    /** (N/m, m·C, d1, …, dk); an unknown N (−1) stays unknown. */
    private static Shape packedShape(Shape in, int packSize) {
        long n = in.get(0) < 0 ? -1 : in.get(0) / packSize;
        long c = in.get(1) < 0 ? -1 : in.get(1) * packSize;
        return new Shape(n, c).addAll(in.slice(2));
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config().add("packSize", packSize);
    }

    /** The builder for a {@link Pack}. */
    public static final class Builder {

        private int packSize;

        Builder() {}

        /**
         * Sets m, the number of samples per pack (required).
         *
         * @param packSize the pack size, &ge; 1
         * @return this builder
         */
        public Builder setPackSize(int packSize) {
            this.packSize = packSize;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link Pack}
         * @throws IllegalArgumentException if the pack size was not set to a positive number
         */
        public Pack build() {
            BlockChecks.checkArgument(
                    packSize >= 1, NAME, "setPackSize(int) needs a size >= 1, got %d", packSize);
            return new Pack(this);
        }
    }
}
