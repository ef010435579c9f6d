package io.github.djlgan.nn.norm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.github.djlgan.nn.WeightLayout;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import io.github.djlgan.util.Tensors;
import java.util.Arrays;

/**
 * Spectral normalization: wraps a block with a {@code weight} parameter and runs it with the weight
 * divided by an estimate of its largest singular value,
 *
 * <pre>
 *   W_SN = W / σ(W),    σ(W) = uᵀ W v
 * </pre>
 *
 * <p>with W viewed as a matrix (rows, rest): the weight's channel axis first, every other axis
 * flattened ({@link WeightLayout#toMatrix}; axis 0, or axis 1 for {@code Deconv2d}, as PyTorch's
 * {@code ConvTranspose2d} with {@code dim = 1}). u (rows) and v (rest) are parameters of this
 * block, not trainable, saved with the model, initialised as Gaussian vectors scaled to norm 1.
 *
 * <p>Training forward: {@code powerIterations} rounds of
 *
 * <pre>
 *   v ← normalize(Wᵀ u),    u ← normalize(W v),    normalize(a) = a / max(‖a‖, ε)
 * </pre>
 *
 * <p>on the weight without gradient, written back into u and v in place; then σ = uᵀ W v with the
 * new u and v, and the wrapped block runs with W / σ. The gradient flows through σ into W (u and v
 * are constants), as in PyTorch. Inference forward: σ from the stored u and v, nothing updated.
 * This is {@code torch.nn.utils.spectral_norm}, step for step, and equals it for the same weight, u
 * and v (tested against fixtures made with PyTorch 1.13). One difference: where |σ| &lt; ε (an
 * all-zero weight, or u and v orthogonal to it) W is divided by ε, so that it gives a zero weight,
 * not 0/0; otherwise by σ exactly.
 *
 * <p>In a channel-wise layout ({@link WeightLayout#isChannelwise()}), when the output is not larger
 * than the weight (a {@code Linear} on a small batch), the block computes the same thing as
 * block(x; W, no bias) / σ + b, dividing the output instead of the weight. If the block is then a
 * dense layer on the rows of its input ({@link WeightLayout#isDenseOnRows}), W v comes from the
 * same product: v is appended to the batch as a last row, whose output row is W v, so the weight's
 * gradient (σ's rank-1 part u vᵀ included) is one matrix product instead of a product and a
 * separate pass over the weight.
 *
 * <p>u and v are updated in the arrays the {@link ParameterStore} hands out: inside a {@code
 * Trainer} on one device those are the parameters' own arrays. On several devices each device
 * updates its own copy from the same weight, so the copies stay equal. A training forward writes u
 * and v, so it must not run concurrently with another forward of the same block. {@link
 * io.github.djlgan.init.DataInit} restores them after its pass.
 *
 * <p>Reference: T. Miyato, T. Kataoka, M. Koyama, Y. Yoshida, "Spectral Normalization for
 * Generative Adversarial Networks", ICLR 2018; PyTorch's {@code torch.nn.utils.spectral_norm}.
 */
public class SpectralNorm extends WeightWrapper {

    private static final String NAME = "SpectralNorm";
    private static final byte VERSION = 1;

    private final int powerIterations;
    private final float epsilon;
    private final Parameter u;
    private final Parameter v;

    SpectralNorm(Builder builder) {
        super(VERSION, NAME, builder.getBlock(NAME));
        powerIterations = builder.powerIterations;
        epsilon = builder.epsilon;
        Initializer unitGaussian = new UnitGaussian(epsilon);
        u = addState("u", Parameter.Type.OTHER, unitGaussian);
        v = addState("v", Parameter.Type.OTHER, unitGaussian);
    }

    /**
     * Wraps a block with default options (one power iteration, ε = 1e-12).
     *
     * @param block the block to wrap: one of {@link WeightLayout#supportedBlocks()}
     * @return the wrapped block
     * @throws IllegalArgumentException if the block is not supported
     */
    public static SpectralNorm wrap(Block block) {
        return builder().setBlock(block).build();
    }

    /**
     * Creates a builder to build a {@code SpectralNorm}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the number of power iterations per training forward.
     *
     * @return the power iterations
     */
    public int getPowerIterations() {
        return powerIterations;
    }

    /**
     * Returns the ε of the normalisations (and the smallest divisor σ).
     *
     * @return ε
     */
    public float getEpsilon() {
        return epsilon;
    }

    /**
     * Returns σ = uᵀ W v from the current weight and the stored u and v: the divisor of the next
     * inference forward, and that of the last training forward if the weight has not changed since
     * (e.g. to log it before the optimizer's step).
     *
     * @return σ
     * @throws IllegalStateException if the block is not initialized
     */
    public float getSigma() {
        checkInitialized();
        NDArray w = getWeight().getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            return sigma(
                            onScope(w, scope),
                            onScope(u.getArray(), scope),
                            onScope(v.getArray(), scope))
                    .toType(DataType.FLOAT32, false)
                    .getFloat();
        }
    }

    /**
     * Computes the weight the wrapped block runs with in inference, W / σ, e.g. to export the layer
     * as a plain one.
     *
     * @param manager the manager the result is attached to
     * @return the normalised weight, of the wrapped block's weight shape
     * @throws IllegalStateException if the block is not initialized
     */
    public NDArray getEffectiveWeight(NDManager manager) {
        checkInitialized();
        NDArray w = onScope(getWeight().getArray(), manager);
        NDArray sigma = sigma(w, onScope(u.getArray(), manager), onScope(v.getArray(), manager));
        return w.div(broadcastable(sigma, w.getShape().dimension()));
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore parameterStore,
            NDArray x,
            boolean training,
            PairList<String, Object> params) {
        NDManager scope = x.getManager();
        Device device = x.getDevice();
        NDArray w = onScope(parameterStore.getValue(getWeight(), device, training), scope);
        NDArray storedU = parameterStore.getValue(u, device, training);
        NDArray storedV = parameterStore.getValue(v, device, training);
        NDArray uNow;
        NDArray vNow;
        if (training) {
            // power iteration without gradient; fresh arrays, then written back in place
            NDArray matrix = getLayout().toMatrix(w).stopGradient();
            NDArray transposed = matrix.transpose();
            NDArray eps = Tensors.scalar(matrix, epsilon);
            uNow = onScope(storedU, scope).reshape(1, -1);
            vNow = null;
            for (int i = 0; i < powerIterations; i++) {
                vNow = normalize(uNow.matMul(matrix), eps); // (Wᵀu)ᵀ: (1, rest)
                uNow = normalize(vNow.matMul(transposed), eps); // (W v)ᵀ: (1, rows)
            }
            uNow = uNow.reshape(storedU.getShape());
            vNow = vNow.reshape(storedV.getShape());
            // into the stored arrays' memory by in-place arithmetic: PyTorch's copyTo swaps the
            // array's storage, which a detached view (DetachedParameterStore) would not see, and
            // MXNet's indexed set waits for the engine on every call
            storedU.muli(0).addi(uNow);
            storedV.muli(0).addi(vNow);
        } else {
            // copies: a later training forward writes the stored arrays in place
            uNow = onScope(storedU, scope).duplicate();
            vNow = onScope(storedV, scope).duplicate();
        }
        Shape outShape = getBlock().getOutputShapes(new Shape[] {x.getShape()})[0];
        // (not for an empty batch: MXNet cannot broadcast the empty slice of z)
        if (scalesOutput(outShape)
                && getLayout().isDenseOnRows(x.getShape(), w.getShape())
                && x.getShape().get(0) > 0) {
            // one product for output and σ: v appended to the batch as a last row gives W v as
            // the last output row, so the weight's gradient, σ's part included, is one product
            long n = x.getShape().get(0);
            NDArray rows = x.concat(vNow.reshape(1, -1), 0);
            NDArray z =
                    forwardWrapped(
                            parameterStore, scope, rows, training, params, wt -> wt, b -> null);
            NDArray sigma = guard(uNow.reshape(1, -1).matMul(z.get(n).reshape(-1, 1)));
            NDArray y = z.get(new NDIndex("0:{}", n)).div(sigma);
            NDArray b = parameterStore.getValue(getWrappedBias(), device, training);
            return b == null ? y : y.add(perChannel(b, outShape, scope));
        }
        NDArray sigma = sigma(w, uNow, vNow);
        if (!scalesOutput(outShape)) {
            NDArray divisor = broadcastable(sigma, w.getShape().dimension());
            return forwardWrapped(
                    parameterStore,
                    scope,
                    x,
                    training,
                    params,
                    weight -> onScope(weight, scope).div(divisor),
                    b -> b);
        }
        // divide the output, the smaller array: block(x; W, no bias) / σ + b
        NDArray y = forwardWrapped(parameterStore, scope, x, training, params, wt -> wt, b -> null);
        NDArray scaled = y.div(broadcastable(sigma, outShape.dimension()));
        NDArray b = parameterStore.getValue(getWrappedBias(), device, training);
        return b == null ? scaled : scaled.add(perChannel(b, outShape, scope));
    }

    /** uᵀ W v (ε where |uᵀ W v| &lt; ε) as a (1, 1) array, differentiable in W. */
    private NDArray sigma(NDArray w, NDArray uValue, NDArray vValue) {
        NDArray matrix = getLayout().toMatrix(w);
        NDArray wv = matrix.matMul(vValue.reshape(-1, 1));
        return guard(uValue.reshape(1, -1).matMul(wv));
    }

    /** σ, or ε where |σ| &lt; ε. */
    private NDArray guard(NDArray sigma) {
        // σ · (1 − small) + ε · small: σ exactly, or ε where |σ| < ε (PyTorch's where cannot
        // broadcast; this is differentiable on both engines)
        NDArray small = sigma.abs().lt(epsilon).toType(sigma.getDataType(), false);
        NDArray keep = Tensors.scalar(sigma, 1).sub(small);
        return sigma.mul(keep).add(small.mul(Tensors.scalar(sigma, epsilon)));
    }

    /** a / max(‖a‖, ε). */
    private static NDArray normalize(NDArray a, NDArray eps) {
        return a.div(a.norm().maximum(eps));
    }

    /** σ reshaped to (1, …, 1) of the given rank. */
    private static NDArray broadcastable(NDArray sigma, int rank) {
        long[] ones = new long[rank];
        Arrays.fill(ones, 1L);
        return sigma.reshape(ones);
    }

    /** {@inheritDoc} */
    @Override
    protected void prepare(Shape[] inputShapes) {
        Shape weight = getWeight().getArray().getShape();
        long rows = weight.get(getLayout().getChannelAxis());
        u.setShape(new Shape(rows));
        v.setShape(new Shape(weight.size() / rows));
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config().add("powerIterations", powerIterations).add("epsilon", epsilon);
    }

    /** Gaussian vectors scaled to norm 1 (norm guarded by ε), PyTorch's initial u and v. */
    private static final class UnitGaussian implements Initializer {

        private final float epsilon;

        UnitGaussian(float epsilon) {
            this.epsilon = epsilon;
        }

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            try (NDManager scope = manager.newSubManager()) {
                // float32 draws: MXNet has no float16 normal random numbers
                NDArray g = scope.randomNormal(0, 1, shape, DataType.FLOAT32);
                NDArray unit = normalize(g, Tensors.scalar(g, epsilon)).toType(dataType, true);
                unit.attach(manager);
                return unit;
            }
        }
    }

    /** The builder for a {@link SpectralNorm}. */
    public static final class Builder extends WrapperBuilder<Builder> {
        private int powerIterations = 1;
        private float epsilon = 1e-12f;

        Builder() {}

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the number of power iterations per training forward (default 1, as PyTorch's and the
         * paper's).
         *
         * @param powerIterations the power iterations, &ge; 1
         * @return this builder
         */
        public Builder optPowerIterations(int powerIterations) {
            this.powerIterations = powerIterations;
            return this;
        }

        /**
         * Sets ε, the smallest norm the power iteration divides by and the smallest |σ| (default
         * 1e-12, PyTorch's).
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
         * @return a new {@link SpectralNorm}
         * @throws IllegalArgumentException if no block was set, it is not supported, or an option
         *     is out of range
         */
        public SpectralNorm build() {
            BlockChecks.checkArgument(
                    powerIterations >= 1,
                    NAME,
                    "optPowerIterations(int) needs at least 1 iteration, got %d",
                    powerIterations);
            BlockChecks.checkArgument(
                    epsilon > 0 && Float.isFinite(epsilon),
                    NAME,
                    "optEpsilon(float) needs a finite epsilon > 0, got %s",
                    epsilon);
            return new SpectralNorm(this);
        }
    }
}
