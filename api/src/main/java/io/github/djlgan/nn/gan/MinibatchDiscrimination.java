package io.github.djlgan.nn.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;

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
 * <p><b>Memory.</b> Written as one expression, c needs an (N, N, K, D) temporary — 5 GB at N = 512,
 * K = 100, D = 50 in float32 — which a gradient collector keeps until the backward pass. This block
 * works on B rows i at a time: it computes the block's distances c[i, ·, ·] (B, N, K) from a (B, N,
 * K, D) temporary, reduces them at once to the block's rows of o (B, K), and closes the block's
 * temporaries before the next block starts. The extra memory is O(B·N·K·D + N²) without gradients;
 * under a gradient collector the engine also keeps exp(−c) of every block for the backward pass,
 * O(N²K) in all. B is {@link Builder#optBlockSize(int)}, or by default the largest count whose (B,
 * N, K, D) temporary fits in {@link Builder#optMemoryBudget(long)} (64 MiB unless set); a forward
 * pass holds up to three such temporaries at a time, the backward pass of a block a few.
 * Data-dependent init works block by block in the same way.
 *
 * <p>Blocks alone would not bound memory under autograd: the backward of {@code abs} needs its
 * input, so every block's (B, N, K, D) difference would stay alive until the backward pass. With a
 * = M[i, k, d] for the block's rows i, (B, 1, K, D), and b = M[j, k, d] for all rows j, (1, N, K,
 * D), each block therefore takes its value and its gradient from two expressions: the value c = Σ_d
 * |a − b| from a and b detached from the graph (bit for bit the one-expression formula's value),
 * and the gradient from g = Σ_d (2·max(a, b) − a − b), which equals c in exact arithmetic, has the
 * same derivative sign(a − b), and whose backward keeps only a and b. The block uses c + (g −
 * stopGradient(g)): the value of c (g − g = 0 exactly) with the gradient of g. The price is time:
 * two more passes over the temporary in the forward pass, and a dearer backward for {@code maximum}
 * than for {@code abs} (measured in the README's MinibatchDiscrimination section). When the whole
 * batch fits in one block (B = N, the (N, N, K, D) temporary within the budget), the block uses Σ_d
 * |a − b| directly: what autograd keeps is then within the budget, and it is the fastest way.
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
 * an exact duplicate in the batch (otherwise mmad[k] = 0).
 *
 * <p>Reference: T. Salimans, I. Goodfellow, W. Zaremba, V. Cheung, A. Radford, X. Chen, "Improved
 * Techniques for Training GANs", NIPS 2016, §3.2; improved-gan's {@code nn.MinibatchLayer}.
 */
public class MinibatchDiscrimination extends BaseBlock implements DataInitializable {

    private static final String NAME = "MinibatchDiscrimination";
    private static final byte VERSION = 1;

    /** The default memory budget of one (B, N, K, D) temporary: 64 MiB. */
    public static final long DEFAULT_MEMORY_BUDGET = 64L << 20;

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
     */
    public static NDArray kernelWeights(NDArray theta, NDArray logWeightScale, NDManager manager) {
        // both chains start on a parameter: move them off the parameter's manager at once
        NDArray norm = theta.square();
        norm.attach(manager);
        NDArray scale = logWeightScale.exp();
        scale.attach(manager);
        return scale.div(norm.sum(new int[] {0}).sqrt()).mul(theta);
    }

    /**
     * Computes the L1 distances c[i, j, k] = Σ_d |m[i, k, d] − m[j, k, d]| between all pairs of
     * rows, {@code blockSize} rows i at a time (see the class documentation). The result is
     * differentiable with respect to {@code m} and attached to its manager.
     *
     * @param m the projections (N, K, D)
     * @param blockSize the number of rows i per block, &gt; 0
     * @return c (N, N, K)
     */
    public static NDArray pairwiseL1(NDArray m, int blockSize) {
        return reduceRowBlocks(m, blockSize, (c, others) -> c);
    }

    /** What is kept of one block of rows of c. */
    @FunctionalInterface
    private interface RowBlockReduction {

        /**
         * Reduces one block of rows of c.
         *
         * @param c the distances c[i, j, k] of the block's rows i to every j, (B, N, K)
         * @param others 1 where j ≠ i, 0 where j = i, (B, N, 1)
         * @return the (B, ...) result for these rows
         */
        NDArray apply(NDArray c, NDArray others);
    }

    /**
     * Computes c = pairwise L1 distances of the rows of m, {@code blockSize} rows i at a time,
     * applies {@code reduction} to each block of rows and concatenates the results along axis 0.
     * Every (B, N, K, D) and (B, N, K) temporary is closed when its block is done, also under a
     * gradient collector; the result is attached to {@code m}'s manager.
     */
    private static NDArray reduceRowBlocks(NDArray m, int blockSize, RowBlockReduction reduction) {
        BlockChecks.checkArgument(blockSize > 0, NAME, "block size must be > 0, got %d", blockSize);
        int n = Math.toIntExact(m.getShape().get(0));
        int[] dAxis = {3};
        NDManager owner = m.getManager();
        boolean oneBlock = blockSize >= n;
        NDArray b = m.expandDims(0); // (1, N, K, D): every row j
        NDArray bConstant = oneBlock ? null : b.stopGradient();
        NDArray bSum = oneBlock ? null : b.sum(dAxis); // (1, N, K)
        NDArray notSelf = owner.eye(n, n, 0, m.getDataType(), m.getDevice()).neg().add(1);
        NDList results = new NDList();
        for (int start = 0; start < n; start += blockSize) {
            NDIndex rowsOfBlock = new NDIndex("{}:{}", start, Math.min(n, start + blockSize));
            try (NDManager scope = owner.newSubManager()) {
                NDArray rows = m.get(rowsOfBlock);
                NDArray others = notSelf.get(rowsOfBlock);
                rows.attach(scope);
                others.attach(scope);
                NDArray a = rows.expandDims(1); // (B, 1, K, D): the rows i of this block
                NDArray c;
                if (oneBlock) {
                    c = a.sub(b).abs().sum(dAxis);
                } else {
                    // the value: Σ_d |a − b|, computed outside the autograd graph
                    c = a.stopGradient().sub(bConstant).abs().sum(dAxis);
                    // the gradient: through g = Σ_d (2·max(a, b) − a − b), equal to c in exact
                    // arithmetic; its backward keeps a and b, abs's would keep all of a − b
                    // (2·max written as max + max: a Java-number factor is unsafe under autograd
                    // on DJL's PyTorch engine, see Tensors)
                    NDArray max = a.maximum(b).sum(dAxis);
                    NDArray g = max.add(max).sub(a.sum(dAxis)).sub(bSum);
                    c = c.add(g.sub(g.stopGradient()));
                }
                NDArray result = reduction.apply(c, others.expandDims(2));
                result.attach(owner);
                results.add(result);
            }
        }
        if (results.size() == 1) {
            return results.head();
        }
        NDArray all = NDArrays.concat(results, 0);
        results.close();
        return all;
    }

    /** Σ_{j ≠ i} exp(−c[i, j, k]) for one block of rows: (B, N, K) → (B, K). */
    private static NDArray closeness(NDArray c, NDArray others) {
        return c.neg().exp().mul(others).sum(new int[] {1});
    }

    /** min_{j ≠ i} c[i, j, k] for one block of rows: (B, N, K) → (B, K). */
    private static NDArray nearestOther(NDArray c, NDArray others) {
        NDArray self = others.eq(0).broadcast(c.getShape());
        NDArray infinity =
                c.getManager().full(c.getShape(), Float.POSITIVE_INFINITY, c.getDataType());
        return NDArrays.where(self, infinity, c).min(new int[] {1});
    }

    /**
     * Returns the rows per block the forward pass uses for a batch of {@code n} samples: the block
     * size if one was set, else the largest count whose (B, N, K, D) temporary fits in the memory
     * budget (at least 1, at most {@code n}).
     *
     * @param n the batch size
     * @param dataType the data type of the computation
     * @return the number of rows per block
     */
    public int blockSizeFor(long n, DataType dataType) {
        if (n <= 0) {
            return 1;
        }
        long rows =
                blockSize > 0
                        ? blockSize
                        : memoryBudget / (n * numKernels * kernelDim * dataType.getNumOfBytes());
        return (int) Math.max(1, Math.min(n, rows));
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
        int rows = blockSizeFor(m.getShape().get(0), m.getDataType());
        NDArray o = reduceRowBlocks(m, rows, MinibatchDiscrimination::closeness).add(b);
        return x.concat(o, 1);
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
        NDArray m = projections(store, x, true);
        int rows = blockSizeFor(n, m.getDataType());
        NDArray nearest = reduceRowBlocks(m, rows, MinibatchDiscrimination::nearestOther);
        NDArray mmad = nearest.mean(new int[] {0}).mul(0.5); // (K)
        double[] values = mmad.toType(DataType.FLOAT64, false).toDoubleArray();
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
        // f with the distances rescaled to c / mmad, which the new logWeightScale produces
        NDArray f = reduceRowBlocks(m, rows, (c, others) -> closeness(c.div(mmad), others));
        NDArray meanF = f.mean(new int[] {0}); // (K)
        NDArray s = store.getValue(logWeightScale, x.getDevice(), true);
        pass.assign(NAME, logWeightScale, mmad.log().reshape(numKernels, 1).neg().add(s));
        pass.assign(NAME, bias, meanF.neg());
        return new NDList(x.concat(f.sub(meanF), 1));
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
         * Sets the number of rows i whose distances to all N samples are computed at once (default:
         * chosen from the memory budget). It changes memory and speed, not the result. With a block
         * size of N or more the batch is one block, computed with the plain formula, whose (N, N,
         * K, D) difference a gradient collector keeps until the backward pass.
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
         * Sets the size in bytes that one (B, N, K, D) temporary may take when the block size is
         * chosen automatically (default {@link #DEFAULT_MEMORY_BUDGET}, 64 MiB). A forward pass
         * holds up to three such temporaries at a time. Ignored if {@link #optBlockSize(int)} is
         * set.
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
