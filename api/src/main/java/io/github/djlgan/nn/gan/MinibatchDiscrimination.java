package io.github.djlgan.nn.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.github.djlgan.init.DataInitPass;
import io.github.djlgan.init.DataInitializable;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.nn.gan.PairwiseTiles.Distance;
import io.github.djlgan.nn.gan.PairwiseTiles.RowReduction;
import io.github.djlgan.nn.gan.PairwiseTiles.Tiling;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import io.github.djlgan.util.Tensors;
import java.util.Arrays;

/**
 * Minibatch discrimination: appends to every sample features that measure how close it is to the
 * other samples of the minibatch, so that a discriminator can detect a generator that collapses to
 * a few outputs.
 *
 * <p>For an input x of shape (N, d<sub>1</sub>, …) flattened to (N, F), with K kernels of dimension
 * D:
 *
 * <pre>
 *   W[f, k, d]  = θ[f, k, d] · exp(s[k, d]) / ‖θ[·, k, d]‖₂            (weight-normalised θ)
 *   M[i, k, d]  = Σ_f x[i, f] · W[f, k, d]                             (N, K, D)
 *   c[i, j, k]  = Σ_d |M[i, k, d] − M[j, k, d]|                         (N, N, K)
 *   o[i, k]     = Σ_{j ≠ i} exp(−c[i, j, k]) + b[k]                     (N, K)
 *   y           = concat(x, o) along axis 1                              (N, F + K)
 * </pre>
 *
 * <p>A batch of one sample has no other sample, so o = b.
 *
 * <p>Parameters (initial values as in improved-gan, overridable with DJL initializers):
 *
 * <ul>
 *   <li>{@code theta} θ (F, K, D), {@link Parameter.Type#WEIGHT}, Normal(0, 0.05); only its
 *       direction matters, since W divides by its norm over axis 0.
 *   <li>{@code logWeightScale} s (K, D), {@link Parameter.Type#OTHER}, 0: the log of the norm of
 *       each column of W.
 *   <li>{@code bias} b (K), {@link Parameter.Type#BIAS}, −1.
 * </ul>
 *
 * <p><b>Memory and work.</b> Written as one expression, c needs an (N, N, K, D) temporary — 5 GB at
 * N = 512, K = 100, D = 50 in float32 — which a gradient collector keeps until the backward pass.
 * This block cuts the rows into blocks of T and works tile by tile: tile (I, J) holds the pairs of
 * block I's rows with block J's rows, from one (T, T, K, D) temporary that is closed when the tile
 * is done. Because c[i, j, k] = c[j, i, k] (bit for bit: |x − y| and |y − x| round alike), only the
 * tiles with J ≥ I are computed, about half the pairs; the rows of block I are assembled from the
 * transposes of the tiles (J &lt; I, I) and the tiles (I, J ≥ I), so that each row holds, in order,
 * the values of a row of the one-expression formula and is reduced in one operation: the output is
 * bit for bit the one-expression formula's, whatever T. T is {@link Builder#optBlockSize(int)}, or
 * by default the largest count whose (T, T, K, D) temporary takes at most an eighth of {@link
 * Builder#optMemoryBudget(long)} (64 MiB unless set), since about four such temporaries are alive
 * at a time, forward or backward.
 *
 * <p>Under a gradient collector, tiles alone would not bound memory: the backward of {@code abs}
 * needs its input, so every tile's (T, T, K, D) difference would stay alive until the backward
 * pass. When these differences, (N² + N·T) / 2 · K · D values, fit in the memory budget, the block
 * lets autograd keep them: the fastest way. Otherwise, with a = M[i, k, d] for a tile's rows i, (T,
 * 1, K, D), and b = M[j, k, d] for its rows j, (1, T, K, D), the block computes the values of
 * exp(−c) of every tile outside the graph, into one array E of (N² + N·T) / 2 · K values, and
 * attaches the gradient tile by tile as E ⊙ (h − stopGradient(h)) with h = Σ_d (a + b − 2·max(a,
 * b)): h = −c in exact arithmetic and has the derivative of −c, h − stopGradient(h) is exactly 0,
 * so the term adds exactly 0 to the output and −E ⊙ ∂c to its gradient, and the backward of {@code
 * maximum} keeps only a and b. The term's row sums go to block I's outputs and its column sums to
 * block J's (the pairs (j, i) of an off-diagonal tile are not computed again). Autograd then keeps
 * E and M, O(N²K / 2 + NKD), and every (T, T, K, D) temporary is closed with its tile; the price is
 * time: the backward of {@code maximum} is dearer than that of {@code abs}. Gradients are sums in
 * another order than the one-expression formula's, equal to float rounding. Data-dependent init
 * works tile by tile in the same way, outside the graph.
 *
 * <p>The j = i term is excluded by a mask, not by adding 10⁶ to c[i, i, k] as the reference code
 * does, and not by subtracting exp(0) = 1 from the full sum (which loses every other term below
 * float32's resolution of 1).
 *
 * <p><b>Data-dependent initialization</b> ({@link DataInitializable}, improved-gan's {@code
 * init=True} pass): with c computed from the current parameters,
 *
 * <pre>
 *   mmad[k]    = ½ · mean_i min_{j ≠ i} c[i, j, k]
 *   s[k, d]   ← s[k, d] − log mmad[k]        (so that c becomes c / mmad)
 *   f[i, k]    = Σ_{j ≠ i} exp(−c[i, j, k] / mmad[k])
 *   b[k]      ← −mean_i f[i, k]
 * </pre>
 *
 * <p>and the pass returns concat(x, f + b), which is what a normal forward pass returns with the
 * new parameters. It needs at least two samples, and for every kernel at least one sample without
 * an exact duplicate in the batch (otherwise mmad[k] = 0). Since c / mmad does not depend on the
 * batch's scale, when the distances of a batch overflow the parameters' type or mmad falls below
 * its smallest normal number, the pass computes them on x / 2<sup>e</sup> (2<sup>e</sup> ≤ max |x|
 * &lt; 2<sup>e+1</sup>; a power of two, so only elements far below max |x| round) and adds e · ln 2
 * to log mmad. A batch so small that the new exp(s) overflows the type (in float32 with s = 0, mmad
 * below about 3·10<sup>−39</sup>) is rejected.
 *
 * <p>Reference: T. Salimans, I. Goodfellow, W. Zaremba, V. Cheung, A. Radford, X. Chen, "Improved
 * Techniques for Training GANs", NIPS 2016, §3.2; improved-gan's {@code nn.MinibatchLayer}.
 */
public class MinibatchDiscrimination extends BaseBlock implements DataInitializable {

    private static final String NAME = "MinibatchDiscrimination";
    private static final byte VERSION = 1;

    /** The default memory budget: 64 MiB. */
    public static final long DEFAULT_MEMORY_BUDGET = 64L << 20;

    private static final RowReduction SUM_OVER_J = rows -> rows.sum(new int[] {1});

    private final int numKernels;
    private final int kernelDim;
    private final int blockSize;
    private final long memoryBudget;
    private final Parameter theta;
    private final Parameter logWeightScale;
    private final Parameter bias;

    MinibatchDiscrimination(Builder builder) {
        super(NAME, VERSION);
        numKernels = builder.numKernels;
        kernelDim = builder.kernelDim;
        blockSize = builder.blockSize;
        memoryBudget = builder.memoryBudget;
        theta =
                addParameter(
                        Parameter.builder()
                                .setName("theta")
                                .setType(Parameter.Type.WEIGHT)
                                .optInitializer(new NormalInitializer(0.05f))
                                .build());
        logWeightScale =
                addParameter(
                        Parameter.builder()
                                .setName("logWeightScale")
                                .setType(Parameter.Type.OTHER)
                                .optInitializer(new ConstantInitializer(0f))
                                .build());
        bias =
                addParameter(
                        Parameter.builder()
                                .setName("bias")
                                .setType(Parameter.Type.BIAS)
                                .optInitializer(new ConstantInitializer(-1f))
                                .build());
    }

    /**
     * Creates a builder to build a {@code MinibatchDiscrimination}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Computes the kernel weights W = θ · exp(s) / ‖θ‖, the norm taken over axis 0.
     *
     * @param theta θ (F, K, D)
     * @param logWeightScale s (K, D)
     * @param manager the manager the temporaries and the result are attached to
     * @return W (F, K, D), attached to {@code manager}
     * @throws IllegalArgumentException if θ is not of rank 3 or s is not (K, D) of θ's (F, K, D)
     */
    public static NDArray kernelWeights(NDArray theta, NDArray logWeightScale, NDManager manager) {
        Shape t = theta.getShape();
        Shape s = logWeightScale.getShape();
        BlockChecks.checkShape(t.dimension() == 3, NAME, "theta (F, K, D) of rank 3", t);
        BlockChecks.checkArgument(
                s.equals(t.slice(1)),
                NAME,
                "expected logWeightScale (K, D) = %s matching theta (F, K, D) = %s, got shape %s",
                t.slice(1),
                t,
                s);
        // both chains start on a parameter: move them off the parameter's manager at once
        NDArray norm = theta.square();
        norm.attach(manager);
        NDArray scale = logWeightScale.exp();
        scale.attach(manager);
        return scale.div(norm.sum(new int[] {0}).sqrt()).mul(theta);
    }

    /**
     * Computes the L1 distances c[i, j, k] = Σ_d |m[i, k, d] − m[j, k, d]| between all pairs of
     * rows, in tiles of {@code blockSize} × {@code blockSize} pairs of which only those on or above
     * the diagonal are computed (c is symmetric; see the class documentation). The result is bit
     * for bit the one-expression formula's, differentiable with respect to {@code m} and attached
     * to its manager. With {@code blockSize} ≥ N it is the one-expression formula, whose
     * differences autograd keeps; with smaller tiles, the gradient is taken through Σ_d (2·max(a,
     * b) − a − b), which keeps no difference.
     *
     * @param m the projections (N, K, D)
     * @param blockSize the rows of a tile, &gt; 0
     * @return c (N, N, K); (0, 0, K) for N = 0
     * @throws IllegalArgumentException if {@code blockSize} is below 1 or {@code m} is not of rank
     *     3
     */
    public static NDArray pairwiseL1(NDArray m, int blockSize) {
        BlockChecks.checkArgument(blockSize > 0, NAME, "block size must be > 0, got %d", blockSize);
        Shape shape = m.getShape();
        BlockChecks.checkShape(shape.dimension() == 3, NAME, "projections m (N, K, D)", shape);
        int n = Math.toIntExact(shape.get(0));
        if (n == 0) { // no pair: an empty result (a tiling of 0 rows has no blocks)
            return m.getManager()
                    .zeros(new Shape(0, 0, shape.get(1)), m.getDataType(), m.getDevice());
        }
        Tiling tiling = new Tiling(n, Math.min(blockSize, n));
        Distance distance = blockSize >= n ? Distance.PLAIN : Distance.RECOMPUTED;
        return PairwiseTiles.reduceRows(m, tiling, distance, (c, others) -> c, rows -> rows);
    }

    /** exp(−c), 0 for the pairs j = i: one tile of the closeness terms. */
    static NDArray closeness(NDArray c, NDArray others) {
        NDArray e = c.neg().exp();
        return others == null ? e : e.mul(others);
    }

    /** c, +∞ for the pairs j = i: one tile of the distances to other samples. */
    private static NDArray otherDistances(NDArray c, NDArray others) {
        if (others == null) {
            return c;
        }
        NDArray self = others.eq(0).broadcast(c.getShape());
        NDArray infinity =
                c.getManager().full(c.getShape(), Float.POSITIVE_INFINITY, c.getDataType());
        return NDArrays.where(self, infinity, c);
    }

    /**
     * Returns the rows (and columns) of the tiles the forward pass uses for a batch of {@code n}
     * samples: the block size if one was set, else the largest count T whose (T, T, K, D) temporary
     * takes at most an eighth of the memory budget (at least 1, at most {@code n}).
     *
     * @param n the batch size
     * @param dataType the data type of the computation
     * @return the rows of a tile
     */
    public int blockSizeFor(long n, DataType dataType) {
        if (n <= 0) {
            return 1;
        }
        long rows =
                blockSize > 0
                        ? blockSize
                        : (long)
                                Math.sqrt(
                                        memoryBudget
                                                / 8.0
                                                / ((long) numKernels
                                                        * kernelDim
                                                        * dataType.getNumOfBytes()));
        return (int) Math.max(1, Math.min(n, rows));
    }

    /**
     * Whether autograd may keep the (T, T, K, D) differences of every tile of a batch of n samples:
     * they take (N² + N·T) / 2 · K · D values at most, compared with the memory budget.
     */
    private boolean differencesFit(long n, int tile, DataType dataType) {
        double kept =
                (n * (double) n + n * (double) tile)
                        / 2
                        * numKernels
                        * kernelDim
                        * dataType.getNumOfBytes();
        return kept <= memoryBudget;
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store,
            NDArray input,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = flatten(input);
        if (x.getShape().get(0) == 0) { // an empty batch: an empty output
            return x.getManager()
                    .zeros(
                            new Shape(0, x.getShape().get(1) + numKernels),
                            x.getDataType(),
                            x.getDevice());
        }
        NDArray m = projections(store, x, training);
        NDArray b = store.getValue(bias, x.getDevice(), training);
        long n = m.getShape().get(0);
        Tiling tiling = new Tiling((int) n, blockSizeFor(n, m.getDataType()));
        NDArray o =
                differencesFit(n, tiling.size(), m.getDataType())
                        ? PairwiseTiles.reduceRows(
                                m,
                                tiling,
                                Distance.PLAIN,
                                MinibatchDiscrimination::closeness,
                                SUM_OVER_J)
                        : PairwiseTiles.closenessRecomputed(m, tiling);
        return x.concat(o.add(b), 1);
    }

    /** {@inheritDoc} */
    @Override
    public NDList initializeFromData(DataInitPass pass, ParameterStore store, NDList inputs) {
        NDArray x = flatten(inputs.head());
        long n = x.getShape().get(0);
        BlockChecks.checkArgument(
                n >= 2,
                NAME,
                "data-dependent init needs a batch of at least 2 samples (the distance to the"
                        + " nearest other sample), got %d; nothing was assigned",
                n);
        // values only: outside any autograd graph
        NDArray m = projections(store, x, true).stopGradient();
        Tiling tiling = new Tiling((int) n, blockSizeFor(n, m.getDataType()));
        NDArray mmad = meanNearestDistance(m, tiling).mul(0.5); // (K)
        double[] values = mmad.toType(DataType.FLOAT64, false).toDoubleArray();
        double minNormal = Tensors.minNormal(m.getDataType());
        int e = 0; // the statistics are of x / 2^e
        double max = 0;
        if (!Arrays.stream(values).allMatch(v -> v >= minNormal && v < Double.POSITIVE_INFINITY)) {
            max = maxOf(x.abs());
        }
        if (max > 0) {
            // c scales with the batch and c / mmad does not: on x / 2^e, with 2^e ≤ max |x| <
            // 2^(e+1), the distances neither overflow nor lose precision, and e·ln 2 moves into s
            e = Math.getExponent(max);
            m = projections(store, x.div(Math.scalb(1.0, e)), true).stopGradient();
            mmad = meanNearestDistance(m, tiling).mul(0.5);
            values = mmad.toType(DataType.FLOAT64, false).toDoubleArray();
        }
        boolean finite = Arrays.stream(values).allMatch(Double::isFinite);
        BlockChecks.checkArgument(
                finite,
                NAME,
                "data-dependent init: the mean nearest-neighbour distances %s are not finite:"
                        + " logWeightScale (up to %s) overflows %s, or theta has a column of"
                        + " zeros or a non-finite entry; nothing was assigned",
                Arrays.toString(values),
                finite ? null : maxOf(store.getValue(logWeightScale, x.getDevice(), true)),
                m.getDataType());
        for (int k = 0; k < values.length; k++) {
            BlockChecks.checkArgument(
                    values[k] > 0,
                    NAME,
                    "data-dependent init: kernel %d has mean nearest-neighbour distance %s; every"
                            + " sample of the batch has an exact duplicate (or the batch is"
                            + " constant); nothing was assigned",
                    k,
                    values[k]);
        }
        NDArray s = store.getValue(logWeightScale, x.getDevice(), true);
        NDArray logMmad = e == 0 ? mmad.log() : mmad.log().add(e * Math.log(2)); // of x itself
        NDArray newS = logMmad.reshape(numKernels, 1).neg().add(s);
        boolean representable = Tensors.allFinite(newS.exp());
        BlockChecks.checkArgument(
                representable,
                NAME,
                "data-dependent init: the batch's distances are too small for %s: mean"
                        + " nearest-neighbour distances %s (of x / 2^%d) give a logWeightScale up"
                        + " to %s, whose exp overflows; nothing was assigned",
                m.getDataType(),
                Arrays.toString(values),
                e,
                representable ? null : maxOf(newS));
        // f with the distances rescaled to c / mmad, which the new logWeightScale produces
        NDArray scale = mmad;
        NDArray f =
                PairwiseTiles.reduceRows(
                        m,
                        tiling,
                        Distance.PLAIN,
                        (c, others) -> closeness(c.div(scale), others),
                        SUM_OVER_J);
        NDArray meanF = f.mean(new int[] {0}); // (K)
        pass.assign(NAME, logWeightScale, newS);
        pass.assign(NAME, bias, meanF.neg());
        return new NDList(x.concat(f.sub(meanF), 1));
    }

    /** mean_i min_{j ≠ i} c[i, j, k], (K). */
    private NDArray meanNearestDistance(NDArray m, Tiling tiling) {
        return PairwiseTiles.reduceRows(
                        m,
                        tiling,
                        Distance.PLAIN,
                        MinibatchDiscrimination::otherDistances,
                        rows -> rows.min(new int[] {1}))
                .mean(new int[] {0});
    }

    /** The largest element, as a double; no array is left on {@code a}'s manager. */
    private static double maxOf(NDArray a) {
        try (NDManager scope = a.getManager().newSubManager()) {
            NDArray max = a.max();
            max.attach(scope);
            return max.toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /** M = x·W, (N, K, D), on x's manager. */
    private NDArray projections(ParameterStore store, NDArray x, boolean training) {
        NDArray t = store.getValue(theta, x.getDevice(), training);
        NDArray s = store.getValue(logWeightScale, x.getDevice(), training);
        long features = x.getShape().get(1);
        NDArray w = kernelWeights(t, s, x.getManager()).reshape(features, numKernels * kernelDim);
        return x.matMul(w).reshape(x.getShape().get(0), numKernels, kernelDim);
    }

    /** {@inheritDoc} */
    @Override
    protected void checkInput(NDArray input) {
        Shape in = input.getShape();
        BlockChecks.checkShape(in.dimension() >= 2, NAME, "input (N, d1, ...) of rank >= 2", in);
        long features = theta.getArray().getShape().get(0);
        BlockChecks.checkShape(
                in.slice(1).size() == features,
                NAME,
                "input (N, d1, ...) with d1·...·dk = " + features + " features as initialized",
                in);
    }

    /** The input flattened to (N, F). */
    private static NDArray flatten(NDArray input) {
        Shape in = input.getShape();
        return in.dimension() == 2 ? input : input.reshape(in.get(0), in.slice(1).size());
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.slice(1).size() + numKernels)};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape in) {
        BlockChecks.checkShape(
                in.dimension() >= 2 && in.slice(1).getUnknownValueCount() == 0,
                NAME,
                "input (N, d1, ..., dk) of rank >= 2 with known feature sizes d1, ..., dk",
                in);
    }

    /** {@inheritDoc} */
    @Override
    protected void prepare(Shape[] inputShapes) {
        long features = inputShapes[0].slice(1).size();
        theta.setShape(new Shape(features, numKernels, kernelDim));
        logWeightScale.setShape(new Shape(numKernels, kernelDim));
        bias.setShape(new Shape(numKernels));
    }

    /**
     * Returns the number of kernels K.
     *
     * @return the number of kernels
     */
    public int getNumKernels() {
        return numKernels;
    }

    /**
     * Returns the dimension D of each kernel.
     *
     * @return the kernel dimension
     */
    public int getKernelDim() {
        return kernelDim;
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config().add("numKernels", numKernels).add("kernelDim", kernelDim);
    }

    /** The builder for a {@link MinibatchDiscrimination}. */
    public static final class Builder {

        private int numKernels;
        private int kernelDim = 5;
        private int blockSize; // 0: chosen from the memory budget
        private boolean blockSizeSet;
        private long memoryBudget = DEFAULT_MEMORY_BUDGET;

        Builder() {}

        /**
         * Sets the number of kernels K, the number of features appended to each sample (required).
         *
         * @param numKernels the number of kernels, &gt; 0
         * @return this builder
         */
        public Builder setNumKernels(int numKernels) {
            this.numKernels = numKernels;
            return this;
        }

        /**
         * Sets the dimension D of each kernel (default 5).
         *
         * @param kernelDim the kernel dimension, &gt; 0
         * @return this builder
         */
        public Builder optKernelDim(int kernelDim) {
            this.kernelDim = kernelDim;
            return this;
        }

        /**
         * Sets the rows (and columns) T of a tile, the pairs computed at once (default: chosen from
         * the memory budget). It changes memory and speed, not the output (gradients change within
         * float rounding). With a block size of N or more the batch is one tile, the plain formula.
         *
         * @param blockSize the rows per block, &gt; 0
         * @return this builder
         */
        public Builder optBlockSize(int blockSize) {
            this.blockSize = blockSize;
            this.blockSizeSet = true;
            return this;
        }

        /**
         * Sets the memory budget in bytes (default {@link #DEFAULT_MEMORY_BUDGET}, 64 MiB): under a
         * gradient collector, autograd keeps the tiles' differences if they fit in it, else the
         * gradient is recomputed through max (see the class documentation); unless {@link
         * #optBlockSize(int)} is set, a tile's (T, T, K, D) temporary takes at most an eighth of
         * it.
         *
         * @param memoryBudget the budget in bytes, &gt; 0
         * @return this builder
         */
        public Builder optMemoryBudget(long memoryBudget) {
            this.memoryBudget = memoryBudget;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link MinibatchDiscrimination}
         * @throws IllegalArgumentException if a size is not positive
         */
        public MinibatchDiscrimination build() {
            BlockChecks.checkArgument(
                    numKernels > 0,
                    NAME,
                    "setNumKernels(int) needs numKernels > 0, got %d",
                    numKernels);
            BlockChecks.checkArgument(
                    kernelDim > 0,
                    NAME,
                    "optKernelDim(int) needs kernelDim > 0, got %d",
                    kernelDim);
            BlockChecks.checkArgument(
                    !blockSizeSet || blockSize > 0,
                    NAME,
                    "optBlockSize(int) needs blockSize > 0, got %d",
                    blockSize);
            BlockChecks.checkArgument(
                    memoryBudget > 0,
                    NAME,
                    "optMemoryBudget(long) needs a budget > 0 bytes, got %d",
                    memoryBudget);
            return new MinibatchDiscrimination(this);
        }
    }
}
