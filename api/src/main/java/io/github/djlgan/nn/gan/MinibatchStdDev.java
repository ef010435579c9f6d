package io.github.djlgan.nn.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import io.github.djlgan.util.Tensors;
import java.util.Arrays;
import java.util.Locale;

/**
 * Minibatch standard deviation layer: appends to every sample the average standard deviation of the
 * features across its group of the minibatch, so that a discriminator can see a lack of variety in
 * a batch of generated samples.
 *
 * <p>For an input {@code x} of shape (N, C, d<sub>1</sub>, …, d<sub>k</sub>), k ≥ 0, with group
 * size G = min(groupSize, N) (G = N when groupSize is 0), M = N / G groups, n = numChannels
 * statistic channels and c = C / n channels per statistic, view {@code x} as (G, M, n, c,
 * d<sub>1</sub>, …, d<sub>k</sub>) — sample i = g·M + m, so sample i belongs to group m = i mod M —
 * and, with p running over every trailing position:
 *
 * <pre>
 *   μ[m, a, b, p] = (1/G) Σ_g x[g, m, a, b, p]
 *   σ[m, a, b, p] = sqrt( (1/G) Σ_g (x[g, m, a, b, p] − μ[m, a, b, p])² + ε )
 *   s[m, a]       = mean over b and p of σ[m, a, b, p]
 *   y[i]          = concat on the channel axis of x[i] and s[i mod M, a] (a = 0 … n−1),
 *                   each broadcast to every position p
 * </pre>
 *
 * <p>The output has shape (N, C + n, d<sub>1</sub>, …, d<sub>k</sub>). The variance is the biased
 * (population) variance over the G samples of a group, as in StyleGAN2; a batch of one sample gives
 * sqrt(ε). Gradients flow through the statistic, so the generator is penalised through it. The
 * block has no parameters, and the batch, channel and trailing sizes may change from call to call.
 * Float16 inputs are handled as in StyleGAN2: the statistic is computed in float32 and cast back to
 * the input's type. When the squared deviations overflow float32 (|x − μ| above about
 * 1.8·10<sup>19</sup>) the statistic is computed again in float64, so it is right for every finite
 * input whose statistic fits the input's type (the check costs one test of the M·n statistics per
 * pass). Integer inputs, an empty batch (N = 0) and empty channel or trailing axes are rejected
 * with an {@link IllegalArgumentException}: the statistic of an empty set is undefined.
 *
 * <p>References: T. Karras, T. Aila, S. Laine, J. Lehtinen, "Progressive Growing of GANs for
 * Improved Quality, Stability, and Variation", ICLR 2018, §3 (one statistic over the whole batch is
 * {@code optGroupSize(0)}); T. Karras et al., "Analyzing and Improving the Image Quality of
 * StyleGAN", CVPR 2020 ({@code minibatch_stddev_layer}, with groups and several statistic
 * channels).
 */
public class MinibatchStdDev extends BaseBlock {

    private static final String NAME = "MinibatchStdDev";
    private static final byte VERSION = 1;

    private final int groupSize;
    private final int numChannels;
    private final float epsilon;
    private final Boolean sumsAsProducts;

    MinibatchStdDev(Builder builder) {
        super(NAME, VERSION);
        groupSize = builder.groupSize;
        numChannels = builder.numChannels;
        epsilon = builder.epsilon;
        sumsAsProducts = builder.sumsAsProducts;
    }

    /**
     * Creates a builder to build a {@code MinibatchStdDev}.
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
        return x.concat(statistic(x), 1);
    }

    /**
     * Computes the statistic channels: the (N, n, d<sub>1</sub>, …, d<sub>k</sub>) array that the
     * block concatenates to its input.
     */
    private NDArray statistic(NDArray x) {
        Shape in = x.getShape();
        long n = in.get(0);
        long g = group(n);
        long m = n / g;
        Shape trailing = in.slice(2);
        DataType type = x.getDataType();
        // float16: compute in float32 as StyleGAN2 does (squares overflow, ε = 1e-8 underflows)
        NDArray s = groupStd(x, type == DataType.FLOAT64 ? type : DataType.FLOAT32);
        if (s.getDataType() != DataType.FLOAT64 && !Tensors.allFinite(s.stopGradient())) {
            // the squares overflowed (float32: |x − μ| above ~1.8e19): again in float64
            s = groupStd(x, DataType.FLOAT64);
        }
        long[] ones = new long[trailing.dimension()];
        Arrays.fill(ones, 1L);
        return s.reshape(new Shape(1, m, numChannels).add(ones))
                .broadcast(new Shape(g, m, numChannels).addAll(trailing))
                .reshape(new Shape(n, numChannels).addAll(trailing))
                .toType(type, false);
    }

    /**
     * s[m, a], (M, n): the mean over b and p of σ[m, a, b, p], computed in {@code compute}, with
     * the engine's reductions and broadcasting, or with matrix products ({@link
     * Builder#optSumsAsProducts}): with y the (G, M·n·c·P) view of x, the deviations x − μ are C·y
     * with the centering matrix C = I − (1/G)·1·1ᵀ (G × G), the variances (1/G)·1ᵀ·(C·y)², and the
     * means over (b, p) a product with a column of 1/(c·P). C·y costs 2G multiply-adds per value (G
     * = 4 by default; the whole batch with {@code optGroupSize(0)}).
     */
    private NDArray groupStd(NDArray x, DataType compute) {
        Shape in = x.getShape();
        long n = in.get(0);
        long g = group(n);
        long perStatistic = in.size() / n / numChannels; // c·P
        if (!(sumsAsProducts != null ? sumsAsProducts : Tensors.slowBroadcasting(x))) {
            NDArray y = x.toType(compute, false).reshape(g, n / g, numChannels, perStatistic);
            y = y.sub(y.mean(new int[] {0}, true)); // deviation from the group mean
            NDArray sigma = y.square().mean(new int[] {0}).add(epsilon).sqrt(); // (M, n, c·P)
            return sigma.mean(new int[] {2}); // (M, n)
        }
        NDArray y = x.toType(compute, false).reshape(g, in.size() / g); // (G, M·n·c·P)
        NDArray centering =
                y.getManager()
                        .eye((int) g, (int) g, 0, compute, y.getDevice())
                        .sub(reciprocals(y, g, g, g));
        NDArray deviation = centering.matMul(y); // x[g, m, a, b, p] − μ[m, a, b, p]
        NDArray variance = reciprocals(y, 1, g, g).matMul(deviation.square());
        NDArray sigma = variance.add(epsilon).sqrt().reshape(-1, perStatistic); // (M·n, c·P)
        return sigma.matMul(reciprocals(y, perStatistic, 1, perStatistic))
                .reshape(n / g, numChannels);
    }

    /** A (rows, columns) array of 1/count, of {@code like}'s type, manager and device. */
    private static NDArray reciprocals(NDArray like, long rows, long columns, long count) {
        return like.getManager()
                .ones(new Shape(rows, columns), like.getDataType(), like.getDevice())
                .div(Tensors.scalar(like, count));
    }

    private long group(long batch) {
        return groupSize == 0 ? batch : Math.min(groupSize, batch);
    }

    /** {@inheritDoc} */
    @Override
    protected void checkInput(NDArray x) {
        Shape in = x.getShape();
        BlockChecks.checkShape(in.dimension() >= 2, NAME, "input (N, C, ...) of rank >= 2", in);
        BlockChecks.checkFloatingPoint(NAME, x);
        long batch = in.get(0);
        BlockChecks.checkShape(batch > 0, NAME, "a batch of at least one sample (N > 0)", in);
        long g = group(batch);
        BlockChecks.checkShape(
                batch % g == 0,
                NAME,
                String.format(
                        Locale.ROOT,
                        "a batch size N divisible by the group size %d (groupSize=%d)",
                        g,
                        groupSize),
                in);
        checkChannels(in);
        BlockChecks.checkShape(
                in.slice(2).size() > 0, NAME, "trailing axes of non-zero size (N, C, d1, ...)", in);
    }

    private void checkChannels(Shape in) {
        long channels = in.get(1);
        BlockChecks.checkShape(
                channels > 0 && channels % numChannels == 0,
                NAME,
                String.format(
                        Locale.ROOT,
                        "a channel count C divisible by numChannels=%d, C > 0",
                        numChannels),
                in);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        long channels = in.get(1) < 0 ? -1 : in.get(1) + numChannels;
        return new Shape[] {new Shape(in.get(0), channels).addAll(in.slice(2))};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape in) {
        BlockChecks.checkShape(in.dimension() >= 2, NAME, "input (N, C, ...) of rank >= 2", in);
        if (in.get(1) >= 0) {
            checkChannels(in);
        }
    }

    /**
     * Returns the group size (0 means the whole batch).
     *
     * @return the group size
     */
    public int getGroupSize() {
        return groupSize;
    }

    /**
     * Returns the number of statistic channels appended to the input.
     *
     * @return the number of statistic channels
     */
    public int getNumChannels() {
        return numChannels;
    }

    /**
     * Returns the ε added to the variance before the square root.
     *
     * @return ε
     */
    public float getEpsilon() {
        return epsilon;
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config()
                .add("groupSize", groupSize)
                .add("numChannels", numChannels)
                .add("epsilon", epsilon);
    }

    /** The builder for a {@link MinibatchStdDev}. */
    public static final class Builder {

        private int groupSize = 4;
        private int numChannels = 1;
        private float epsilon = 1e-8f;
        private Boolean sumsAsProducts;

        Builder() {}

        /**
         * Sets the number of samples per group (default 4, as in StyleGAN2); 0 uses the whole batch
         * as one group, as in ProGAN. A batch smaller than the group size forms one group.
         *
         * @param groupSize the group size, &ge; 0
         * @return this builder
         */
        public Builder optGroupSize(int groupSize) {
            this.groupSize = groupSize;
            return this;
        }

        /**
         * Sets the number of statistic channels appended to the input (default 1); the input
         * channels are split into this many equal groups, one statistic each.
         *
         * @param numChannels the number of statistic channels, &gt; 0
         * @return this builder
         */
        public Builder optNumChannels(int numChannels) {
            this.numChannels = numChannels;
            return this;
        }

        /**
         * Sets the ε added to the variance before the square root (default 1e-8).
         *
         * @param epsilon ε, &gt; 0 and finite
         * @return this builder
         */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Sets how the group means and variances and the means over the feature positions are
         * computed: as matrix products ({@code true}) or with the engine's reductions and
         * broadcasting ({@code false}). The results agree to float rounding; only the speed
         * differs. Default {@code null}: products where {@link Tensors#slowBroadcasting} says the
         * engine's reductions and broadcast gradients are slow (MXNet), the engine's operations
         * otherwise.
         *
         * @param sumsAsProducts the formulation, or {@code null} for the engine's default
         * @return this builder
         */
        public Builder optSumsAsProducts(Boolean sumsAsProducts) {
            this.sumsAsProducts = sumsAsProducts;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link MinibatchStdDev}
         * @throws IllegalArgumentException if an option is out of range
         */
        public MinibatchStdDev build() {
            BlockChecks.checkArgument(
                    groupSize >= 0,
                    NAME,
                    "optGroupSize(int) needs groupSize >= 0, got %d",
                    groupSize);
            BlockChecks.checkArgument(
                    numChannels > 0,
                    NAME,
                    "optNumChannels(int) needs numChannels > 0, got %d",
                    numChannels);
            BlockChecks.checkArgument(
                    epsilon > 0 && Float.isFinite(epsilon),
                    NAME,
                    "optEpsilon(float) needs a finite epsilon > 0, got %s",
                    epsilon);
            return new MinibatchStdDev(this);
        }
    }
}
