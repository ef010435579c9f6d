package io.github.djlgan.nn.norm;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import io.github.djlgan.util.Tensors;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Batch normalisation over any set of axes, with the semantics of Lasagne's {@code BatchNormLayer}
 * (optionally Blocks' average of the standard deviation, {@link Builder#optAverageStdDev}).
 *
 * <p>For an input {@code x} and a set of normalised axes A (by default every axis except axis 1):
 *
 * <pre>
 *   μ_B      = mean of x over A
 *   invStd_B = 1 / sqrt(var_B + ε),       var_B = mean of (x − μ_B)² over A   (biased)
 *   y        = (x − μ) · γ · invStd + β
 * </pre>
 *
 * <p>where (μ, invStd) are the batch statistics (μ<sub>B</sub>, invStd<sub>B</sub>) or the stored
 * averages ({@code mean}, {@code invStd}), and every statistic and parameter is broadcast over the
 * axes in A. When the stored averages are updated, it is after the output is computed:
 *
 * <pre>
 *   mean   ← (1 − α) · mean   + α · μ_B
 *   invStd ← (1 − α) · invStd + α · invStd_B
 * </pre>
 *
 * <p>or, with {@link Builder#optAverageStdDev}, the running average of the batch standard deviation
 * σ<sub>B</sub> = sqrt(var<sub>B</sub> + ε) instead — the population standard deviation of Blocks'
 * {@code BatchNormalization}, as PacGAN's code updates it — still stored as its inverse:
 *
 * <pre>
 *   1 / invStd ← (1 − α) / invStd + α · σ_B
 * </pre>
 *
 * <p>With g batch groups ({@link Builder#optBatchGroups}) the batch statistics are those of each of
 * g interleaved groups of the batch (samples j, g + j, 2g + j, … form group j), each group is
 * normalised with its own, and the averages are updated once, with the mean over the groups of
 * μ<sub>B</sub> and of invStd<sub>B</sub> (or σ<sub>B</sub>) — the batch norm of a generator run
 * once per packing slot (PacGAN's code, which averages the slots' standard deviations: {@code
 * optBatchGroups(m).optAverageStdDev(true)}).
 *
 * <p>Two switches choose what a call does; each follows the training flag unless set (Lasagne's
 * {@code batch_norm_use_averages} and {@code batch_norm_update_averages}):
 *
 * <ul>
 *   <li>use averages (default: {@code !training}) — normalise with the stored averages instead of
 *       the batch statistics;
 *   <li>update averages (default: {@code training}) — update the stored averages from the batch.
 *       When a call both uses and updates them, its output uses the values from before the update.
 * </ul>
 *
 * <p>Parameters, each shaped like the input with the axes in A removed (input (N, C, H, W) with the
 * default axes (0, 2, 3) → (C); input (2, 3, 4) with axes (0) → (3, 4)):
 *
 * <ul>
 *   <li>{@code beta} (trainable, zeros) — absent with {@code optCenter(false)}, i.e. β = 0;
 *   <li>{@code gamma} (trainable, ones) — absent with {@code optScale(false)}, i.e. γ = 1;
 *   <li>{@code mean} (not trainable, zeros) — the running average of μ<sub>B</sub>;
 *   <li>{@code invStd} (not trainable, ones) — the running average of invStd<sub>B</sub> (Lasagne
 *       averages the inverse standard deviation, not the variance), or the inverse of the running
 *       average of σ<sub>B</sub>; the value used at inference either way. Its type is {@link
 *       Parameter.Type#RUNNING_VAR}, DJL's category for a running spread statistic.
 * </ul>
 *
 * <p>The running averages are updated in place in the arrays the {@link ParameterStore} hands out,
 * from detached batch statistics, so the update never enters the autograd graph. Inside a {@code
 * Trainer} on one device that array is the parameter's own, so the averages are saved with the
 * model. On several devices each device updates its own copy from its slice of the batch, and only
 * the copy that is the parameter's own array is saved (DJL does not synchronise parameters that
 * need no gradient).
 *
 * <p>Computation: the input is viewed as (P, K, Q), K positions on the axes not in A and P and Q on
 * the axes of A before and after them (its axes permuted first when the axes not in A are not
 * contiguous, which the default axes are); the batch mean is the sum divided by the count, and the
 * per-channel factor γ · invStd is formed before it meets the input. The sums over A and the
 * repetitions of per-channel values along A are either the engine's reductions and broadcasting or
 * matrix products with ones ({@link Builder#optSumsAsProducts}). With g batch groups the view is
 * that of the input as (N/g, g, d<sub>1</sub>, …), the group axis kept (the outermost kept axis):
 * the per-channel values are repeated for each group.
 *
 * <p>Bad inputs: the input must have the parameters' data type and the sizes they were initialized
 * with on every axis not in A; a pass that needs batch statistics (training, or updating the
 * averages) rejects an input with no values on the axes A (e.g. an empty batch), whose statistics
 * would be 0/0 and poison the averages, and, with g batch groups, a batch whose size N is not
 * divisible by g. A batch with NaN or infinity in some channels (parameter positions) gives NaN
 * outputs there, as the formula does, but those channels keep their running averages: an update
 * skips every position whose μ<sub>B</sub> or averaged spread statistic (invStd<sub>B</sub>, or
 * σ<sub>B</sub>) is not finite, so one bad batch cannot poison later inference. Large finite inputs
 * are normalised correctly: when (x − μ<sub>B</sub>)² overflows the input's type (float32: |x −
 * μ<sub>B</sub>| above about 1.8·10<sup>19</sup>), the batch statistics are computed again in
 * float64 and rounded back, so they are exact to rounding for every finite input (the check costs
 * one test of the C variances per pass).
 *
 * <p>Threads: the only fields set after construction, the input rank and the resolved axes, are
 * fixed by initialization (or loading) and never changed by a forward pass. Inference passes may
 * run concurrently (one {@code Predictor} per thread). A pass that updates the averages writes them
 * in place, so it must not run concurrently with other passes of the same block.
 *
 * <p>References: S. Ioffe, C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by
 * Reducing Internal Covariate Shift", ICML 2015; Lasagne's {@code lasagne.layers.BatchNormLayer}
 * (from the {@code batchnorm} branch of f0k/Lasagne, {@code lasagne/layers/normalization.py}).
 */
public class LasagneBatchNorm extends BaseBlock {

    private static final String NAME = "LasagneBatchNorm";
    private static final byte VERSION = 1;

    private final int[] axesSpec;
    private final float epsilon;
    private final float alpha;
    private final Boolean useAverages;
    private final Boolean updateAverages;
    private final Boolean sumsAsProducts;
    private final int batchGroups;
    private final boolean averageStdDev;
    private final Parameter beta;
    private final Parameter gamma;
    private final Parameter mean;
    private final Parameter invStd;

    // fixed at initialization or load, never changed by a forward pass
    private int rank;
    private int[] axes;

    LasagneBatchNorm(Builder builder) {
        super(NAME, VERSION);
        axesSpec = builder.axes;
        epsilon = builder.epsilon;
        alpha = builder.alpha;
        useAverages = builder.useAverages;
        updateAverages = builder.updateAverages;
        sumsAsProducts = builder.sumsAsProducts;
        batchGroups = builder.batchGroups;
        averageStdDev = builder.averageStdDev;
        beta = builder.center ? addParameter("beta", Parameter.Type.BETA) : null;
        gamma = builder.scale ? addParameter("gamma", Parameter.Type.GAMMA) : null;
        mean = addState("mean", Parameter.Type.RUNNING_MEAN, Initializer.ZEROS);
        invStd = addState("invStd", Parameter.Type.RUNNING_VAR, Initializer.ONES);
    }

    /**
     * Creates a builder to build a {@code LasagneBatchNorm}.
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
        boolean use = useAverages != null ? useAverages : !training;
        boolean update = updateAverages != null ? updateAverages : training;
        // batch statistics of no values are 0/0: refuse rather than poison the averages
        BlockChecks.checkShape(
                (use && !update) || x.getShape().size(axes) > 0,
                NAME,
                "values on the normalised axes "
                        + Arrays.toString(axes)
                        + " for batch statistics (training or updating the averages)",
                x.getShape());
        // batch statistics per group: the view (N/g, g, …) keeps the group axis 1
        int groups = !use || update ? batchGroups : 1;
        BlockChecks.checkShape(
                x.getShape().get(0) % groups == 0,
                NAME,
                "a batch of N divisible by the " + groups + " batch groups for batch statistics",
                x.getShape());
        NDArray xg = groups == 1 ? x : x.reshape(groupedShape(x.getShape(), groups));
        int viewRank = groups == 1 ? rank : rank + 1;
        int[] viewAxes = groups == 1 ? axes : groupedAxes(axes);
        Device device = x.getDevice();
        NDArray storedMean = store.getValue(mean, device, training);
        NDArray storedInvStd = store.getValue(invStd, device, training);
        NDManager scope = x.getManager();
        DataType type = x.getDataType();

        // the view as (P, K, Q): kept axes contiguous, normalised ones around them
        int[] perm = permutation(viewRank, viewAxes);
        NDArray xt = isIdentity(perm) ? xg : xg.transpose(perm);
        boolean products = sumsAsProducts != null ? sumsAsProducts : Tensors.slowBroadcasting(x);
        Channels c =
                Channels.of(
                        xt, numBefore(viewRank, viewAxes), viewRank - viewAxes.length, products);
        NDArray rows = c.rows(xt);
        Shape row = new Shape(1, storedMean.size());

        NDArray batchMean = null;
        NDArray batchInvStd = null;
        NDArray batchStd = null; // σ_B, when the averages follow it
        NDArray deviation = null; // x − μ, when μ is the batch mean
        if (!use || update) {
            NDArray[] moments = moments(rows, c);
            if (type != DataType.FLOAT64 && !Tensors.allFinite(moments[1].stopGradient())) {
                // (x − μ)² overflowed (float32: |x − μ| above ~1.8e19): the same formula in
                // float64, where it cannot for a finite input, rounded back
                NDArray rows64 = rows.toType(DataType.FLOAT64, false);
                moments = moments(rows64, c.withTypeOf(rows64));
            }
            batchMean = moments[0].toType(type, false);
            batchInvStd =
                    moments[1]
                            .add((double) epsilon)
                            .pow(Tensors.scalar(moments[1], -0.5))
                            .toType(type, false);
            if (averageStdDev && update) {
                batchStd =
                        moments[1].stopGradient().add((double) epsilon).sqrt().toType(type, false);
            }
            deviation = moments[2].getDataType() == type ? moments[2] : null;
        }
        NDArray inv = batchInvStd;
        if (use) {
            // a call that also updates the averages must normalise with (and differentiate
            // through) their values from before the update: take copies (perGroup's tile is one)
            boolean copy = update && groups == 1;
            NDArray averageMean = perGroup(onInput(storedMean, row, scope, copy), groups);
            deviation = rows.sub(c.repeat(averageMean));
            inv = perGroup(onInput(storedInvStd, row, scope, copy), groups);
        } else if (deviation == null) {
            deviation = rows.sub(c.repeat(batchMean));
        }
        // y = (x − μ) · (γ · invStd) + β: the per-channel factor on the (1, K) arrays
        NDArray g = perGroup(onInput(store.getValue(gamma, device, training), row, scope), groups);
        NDArray b = perGroup(onInput(store.getValue(beta, device, training), row, scope), groups);
        NDArray y = deviation.mul(c.repeat(g == null ? inv : inv.mul(g)));
        if (b != null) {
            y = y.add(c.repeat(b));
        }
        y = y.reshape(xt.getShape());
        if (!isIdentity(perm)) {
            y = y.transpose(inverse(perm));
        }
        if (groups > 1) {
            y = y.reshape(x.getShape());
        }
        if (update) {
            // the groups' statistics, averaged over the groups
            NDArray spread = averageStdDev ? batchStd : batchInvStd;
            updateAverages(
                    storedMean,
                    storedInvStd,
                    groupMean(batchMean, groups),
                    groupMean(spread, groups));
        }
        return y;
    }

    /**
     * The batch mean μ_B (1, K), the biased variance (1, K) and the deviation x − μ_B (P·K, Q) of
     * the input rows, in their type.
     */
    private static NDArray[] moments(NDArray rows, Channels c) {
        // array scalars, not Java numbers, in mul/div/pow under autograd (see Tensors)
        NDArray n = Tensors.scalar(rows, c.count());
        NDArray mean = c.sum(rows).div(n);
        NDArray deviation = rows.sub(c.repeat(mean));
        NDArray variance = c.sum(deviation.square()).div(n);
        return new NDArray[] {mean, variance, deviation};
    }

    /**
     * The order of the input axes that makes the kept axes contiguous: the normalised axes before
     * the first kept axis, the kept axes, then the other normalised axes. It is the identity when
     * the kept axes are contiguous, as for the default axes.
     */
    private static int[] permutation(int rank, int[] axes) {
        int first = firstKept(rank, axes);
        return IntStream.concat(
                        IntStream.concat(
                                Arrays.stream(axes).filter(a -> a < first),
                                IntStream.range(0, rank).filter(i -> !isNormalised(axes, i))),
                        Arrays.stream(axes).filter(a -> a > first))
                .toArray();
    }

    /** The number of normalised axes before the first kept axis. */
    private static int numBefore(int rank, int[] axes) {
        int first = firstKept(rank, axes);
        return (int) Arrays.stream(axes).filter(a -> a < first).count();
    }

    /** The first axis not normalised, or the rank when every axis is. */
    private static int firstKept(int rank, int[] axes) {
        return IntStream.range(0, rank)
                .filter(i -> !isNormalised(axes, i))
                .findFirst()
                .orElse(rank);
    }

    private static boolean isNormalised(int[] axes, int axis) {
        return Arrays.binarySearch(axes, axis) >= 0;
    }

    /** (N, d1, …, dk) as (N/g, g, d1, …, dk): group j holds samples j, g + j, 2g + j, …. */
    private static Shape groupedShape(Shape in, int groups) {
        long[] dims = new long[in.dimension() + 1];
        dims[0] = in.get(0) / groups;
        dims[1] = groups;
        for (int i = 1; i < in.dimension(); i++) {
            dims[i + 1] = in.get(i);
        }
        return new Shape(dims);
    }

    /** The normalised axes of the grouped view: axis 0, and every other axis one further on. */
    private static int[] groupedAxes(int[] axes) {
        return IntStream.concat(
                        IntStream.of(0), Arrays.stream(axes).filter(a -> a > 0).map(a -> a + 1))
                .toArray();
    }

    /**
     * A (1, K) row repeated for each of g groups: (1, g·K), group by group, a new array when g > 1;
     * null stays null.
     */
    private static NDArray perGroup(NDArray row, int groups) {
        return row == null || groups == 1 ? row : row.tile(new long[] {1, groups});
    }

    /**
     * The mean over the g groups of a (1, g·K) row of statistics: (1, K), detached (it only feeds
     * the averages); each term is divided by g before the sum, so no finite mean overflows.
     */
    private static NDArray groupMean(NDArray stats, int groups) {
        if (groups == 1) {
            return stats;
        }
        NDArray byGroup = stats.stopGradient().reshape(groups, -1);
        return byGroup.div(Tensors.scalar(byGroup, groups)).sum(new int[] {0}).reshape(1, -1);
    }

    private static boolean isIdentity(int[] perm) {
        return IntStream.range(0, perm.length).allMatch(i -> perm[i] == i);
    }

    private static int[] inverse(int[] perm) {
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        return inverse;
    }

    /**
     * The input viewed as (P, K, Q) — P positions on the normalised axes before the kept ones, K on
     * the kept axes, Q on the normalised axes after them — with the sum over P and Q and the
     * repetition along P and Q in one of two formulations: the engine's reductions and broadcasting
     * (rows (P, K, Q), repetitions (1, K, 1)), or products with rows of ones made once per view
     * (rows (P·K, Q), repetitions (P·K, Q)), where only matrix products and element-wise operations
     * of equal shapes touch the full-size arrays, in the forward pass and its gradient.
     */
    private static final class Channels {

        private final long outer;
        private final long kept;
        private final long inner;
        private final boolean products;
        private final NDArray outerOnes; // (1, P), null unless products and P ≠ 1
        private final NDArray innerOnes; // (1, Q), null unless products and Q ≠ 1

        private Channels(long outer, long kept, long inner, boolean products, NDArray like) {
            this.outer = outer;
            this.kept = kept;
            this.inner = inner;
            this.products = products;
            outerOnes = products && outer != 1 ? ones(like, outer) : null;
            innerOnes = products && inner != 1 ? ones(like, inner) : null;
        }

        /**
         * The view of a permuted input whose first {@code before} axes are normalised, with ones of
         * its type when the sums are products.
         */
        static Channels of(NDArray permuted, int before, int numKept, boolean products) {
            Shape shape = permuted.getShape();
            return new Channels(
                    shape.slice(0, before).size(),
                    shape.slice(before, before + numKept).size(),
                    shape.slice(before + numKept).size(),
                    products,
                    permuted);
        }

        /** The same view with ones of {@code like}'s type. */
        Channels withTypeOf(NDArray like) {
            return new Channels(outer, kept, inner, products, like);
        }

        long count() {
            return outer * inner;
        }

        /** The input rows: (P·K, Q) for products, (P, K, Q) otherwise. */
        NDArray rows(NDArray permuted) {
            return products
                    ? permuted.reshape(outer * kept, inner)
                    : permuted.reshape(outer, kept, inner);
        }

        /** The sum over P and Q of z (P·K·Q values in (P, K, Q) order): (1, K). */
        NDArray sum(NDArray z) {
            if (!products) {
                return z.reshape(outer, kept, inner).sum(new int[] {0, 2}).reshape(1, kept);
            }
            NDArray s = z.reshape(outer * kept, inner);
            if (innerOnes != null) {
                s = s.matMul(innerOnes.reshape(inner, 1));
            }
            s = s.reshape(outer, kept);
            return outerOnes != null ? outerOnes.matMul(s) : s;
        }

        /** v (K values) repeated along P and Q, for an operation with the rows. */
        NDArray repeat(NDArray v) {
            if (!products) {
                return v.reshape(1, kept, 1);
            }
            NDArray r = v.reshape(1, kept);
            if (outerOnes != null) {
                r = outerOnes.reshape(outer, 1).matMul(r);
            }
            r = r.reshape(outer * kept, 1);
            return innerOnes != null ? r.matMul(innerOnes) : r;
        }

        private static NDArray ones(NDArray like, long size) {
            return like.getManager().ones(new Shape(1, size), like.getDataType(), like.getDevice());
        }
    }

    /**
     * average ← (1 − α)·average + α·batch for the mean and for invStd (or σ, whose average is
     * stored as its inverse), in place, out of the autograd graph; a channel whose batch mean or
     * spread statistic is NaN or infinite keeps both of its averages.
     *
     * @param batchSpread invStd<sub>B</sub>, or σ<sub>B</sub> when averaging the standard deviation
     */
    private void updateAverages(
            NDArray storedMean, NDArray storedInvStd, NDArray batchMean, NDArray batchSpread) {
        NDArray m = batchMean.stopGradient().reshape(storedMean.getShape());
        NDArray s = batchSpread.stopGradient().reshape(storedInvStd.getShape());
        // x · 0 is 0 exactly for finite x (MXNet has no isInfinite)
        NDArray finite = m.mul(0).add(s.mul(0)).eq(0);
        // α as a double: MXNet reads a Float operand through Float.toString (0.1f becomes 0.1)
        double a = alpha;
        NDArray keep = finite.toType(m.getDataType(), false).mul(-a).add(1); // 1 − α or 1
        NDArray zeros = m.zerosLike();
        storedMean.muli(keep).addi(NDArrays.where(finite, m, zeros).mul(a));
        if (!averageStdDev) {
            storedInvStd.muli(keep).addi(NDArrays.where(finite, s, zeros).mul(a));
        } else if (a < 1) {
            // 1/invStd ← (1 − α)/invStd + α·σ, i.e. invStd ← invStd / ((1 − α) + α·σ·invStd)
            storedInvStd.divi(keep.add(NDArrays.where(finite, s, zeros).mul(storedInvStd).mul(a)));
        } else {
            // α = 1 keeps no history: invStd ← 1/σ (the line above would give 0/0 from a stored 0)
            storedInvStd.muli(keep).addi(NDArrays.where(finite, NDArrays.div(1.0, s), zeros));
        }
    }

    /** A view of a stored array in the broadcast shape, owned by the input's manager. */
    private static NDArray onInput(NDArray stored, Shape shape, NDManager manager) {
        if (stored == null) {
            return null;
        }
        NDArray view = stored.reshape(shape);
        view.attach(manager);
        return view;
    }

    private static NDArray onInput(NDArray stored, Shape shape, NDManager manager, boolean copy) {
        NDArray view = onInput(stored, shape, manager);
        return copy ? view.duplicate() : view;
    }

    /** The input shape with the normalised axes removed: the shape of every parameter. */
    private static Shape parameterShape(Shape in, int[] axes) {
        return new Shape(
                IntStream.range(0, in.dimension())
                        .filter(i -> Arrays.binarySearch(axes, i) < 0)
                        .mapToLong(in::get)
                        .toArray());
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape in) {
        int[] resolved = resolveAxes(in.dimension(), in);
        checkGroupsFit(resolved, "input shape " + in);
        for (int i = 0; i < in.dimension(); i++) {
            BlockChecks.checkArgument(
                    Arrays.binarySearch(resolved, i) >= 0 || in.get(i) > 0,
                    NAME,
                    "needs specified input sizes for every axis not normalised over %s, but axis"
                            + " %d is unknown in input shape %s",
                    Arrays.toString(resolved),
                    i,
                    in);
        }
        rank = in.dimension();
        axes = resolved;
    }

    /** Batch groups split axis 0, so they need it among the normalised axes. */
    private void checkGroupsFit(int[] resolved, String where) {
        BlockChecks.checkArgument(
                batchGroups == 1 || resolved[0] == 0,
                NAME,
                "needs axis 0 among the normalised axes for %d batch groups, got axes %s for %s",
                batchGroups,
                Arrays.toString(resolved),
                where);
    }

    /** {@inheritDoc} */
    @Override
    protected void prepare(Shape[] inputShapes) {
        Shape shape = parameterShape(inputShapes[0], axes);
        for (Parameter parameter : new Parameter[] {beta, gamma, mean, invStd}) {
            if (parameter != null) {
                parameter.setShape(shape);
            }
        }
    }

    /**
     * Resolves the configured axes against an input rank: negative axes count from the end, the
     * result is sorted.
     *
     * @param rank the input rank
     * @param in the input shape, for the error message (may be {@code null})
     * @return the normalised axes, sorted, each in [0, rank)
     * @throws IllegalArgumentException if an axis is out of range or named twice
     */
    private int[] resolveAxes(int rank, Shape in) {
        String where = in == null ? "rank " + rank : "shape " + in;
        if (axesSpec == null) {
            BlockChecks.checkArgument(
                    rank >= 1, NAME, "needs an input of rank >= 1, got %s", where);
            // Lasagne's 'auto': every axis except axis 1
            return IntStream.range(0, rank).filter(i -> i != 1).toArray();
        }
        int[] resolved = new int[axesSpec.length];
        for (int i = 0; i < axesSpec.length; i++) {
            int axis = axesSpec[i];
            BlockChecks.checkArgument(
                    axis >= -rank && axis < rank,
                    NAME,
                    "axis %d is out of range for an input of %s",
                    axis,
                    where);
            resolved[i] = axis < 0 ? axis + rank : axis;
        }
        Arrays.sort(resolved);
        for (int i = 1; i < resolved.length; i++) {
            BlockChecks.checkArgument(
                    resolved[i] != resolved[i - 1],
                    NAME,
                    "axes %s name axis %d twice for an input of %s",
                    Arrays.toString(axesSpec),
                    resolved[i],
                    where);
        }
        return resolved;
    }

    /** {@inheritDoc} */
    @Override
    protected void checkInput(NDArray x) {
        Shape in = x.getShape();
        Shape kept = mean.getArray().getShape();
        boolean ok = in.dimension() == rank && parameterShape(in, axes).equals(kept);
        BlockChecks.checkShape(ok, NAME, "input " + pattern(kept) + " as initialized", in);
    }

    /** The expected input, e.g. (*, 30, *) for axes (0, 2) and parameters of shape (30). */
    private String pattern(Shape kept) {
        String[] dims = new String[rank];
        for (int i = 0, k = 0; i < rank; i++) {
            dims[i] = Arrays.binarySearch(axes, i) >= 0 ? "*" : Long.toString(kept.get(k++));
        }
        return "(" + String.join(", ", dims) + ")";
    }

    /**
     * Returns the normalised axes, non-negative and sorted, as fixed at initialization.
     *
     * @return a copy of the normalised axes
     * @throws IllegalStateException if the block is neither initialized nor loaded
     */
    public int[] getAxes() {
        BlockChecks.checkState(
                axes != null, NAME, "the axes are fixed at initialization; initialize first");
        return axes.clone();
    }

    /**
     * Returns ε, added to the batch variance before the square root.
     *
     * @return ε
     */
    public float getEpsilon() {
        return epsilon;
    }

    /**
     * Returns α, the weight of the batch statistics in the running averages (Lasagne's {@code
     * alpha}; DJL's {@code BatchNorm} momentum is 1 − α).
     *
     * @return α
     */
    public float getAlpha() {
        return alpha;
    }

    /**
     * Returns the number of interleaved batch groups whose statistics are computed separately (1:
     * the whole batch).
     *
     * @return the batch groups g
     */
    public int getBatchGroups() {
        return batchGroups;
    }

    /**
     * Returns whether the running average is of the batch standard deviation (Blocks) rather than
     * of its inverse (Lasagne).
     *
     * @return whether σ<sub>B</sub> is averaged
     */
    public boolean isAverageStdDev() {
        return averageStdDev;
    }

    /**
     * Returns whether the block learns a shift {@code beta}.
     *
     * @return whether the block has {@code beta}
     */
    public boolean isCenter() {
        return beta != null;
    }

    /**
     * Returns whether the block learns a scale {@code gamma}.
     *
     * @return whether the block has {@code gamma}
     */
    public boolean isScale() {
        return gamma != null;
    }

    /**
     * Returns whether the stored averages normalise the input, or {@code null} if that follows the
     * training flag (used when not training).
     *
     * @return the use-averages switch
     */
    public Boolean getUseAverages() {
        return useAverages;
    }

    /**
     * Returns whether a forward pass updates the stored averages, or {@code null} if that follows
     * the training flag (updated when training).
     *
     * @return the update-averages switch
     */
    public Boolean getUpdateAverages() {
        return updateAverages;
    }

    /**
     * Takes the input rank and the axes from the file when the block is not initialized; an
     * initialized block keeps its own and refuses a file saved with others.
     *
     * @param saved the saved options
     * @throws MalformedModelException if the saved options do not fit the block
     */
    @Override
    protected void loadConfig(Map<String, String> saved) throws MalformedModelException {
        int savedRank;
        int[] savedAxes;
        try {
            savedRank = Integer.parseInt(saved.getOrDefault("rank", ""));
            // the same axes may be written differently (e.g. auto and (0, 2) on rank 3)
            savedAxes = resolveAxes(savedRank, null);
            checkGroupsFit(savedAxes, "rank " + savedRank);
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(
                    NAME + ": saved with " + saved + ", which does not fit: " + e.getMessage(), e);
        }
        // an initialized block keeps its own rank and axes; a fresh one takes the file's
        BlockConfig mine = axes == null ? config(savedRank, savedAxes) : config(rank, axes);
        mine.check(saved);
        rank = savedRank;
        axes = savedAxes;
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return config(rank, axes);
    }

    /** The options that shape this block's parameters and maths, saved with them. */
    private BlockConfig config(int rank, int[] axes) {
        return super.config()
                .add("rank", rank)
                .add("axes", axes)
                .add("epsilon", epsilon)
                .add("alpha", alpha)
                .add("center", beta != null)
                .add("scale", gamma != null);
    }

    /** The builder for a {@link LasagneBatchNorm}. */
    public static final class Builder {

        private int[] axes;
        private float epsilon = 1e-4f;
        private float alpha = 0.1f;
        private boolean center = true;
        private boolean scale = true;
        private Boolean useAverages;
        private Boolean updateAverages;
        private Boolean sumsAsProducts;
        private int batchGroups = 1;
        private boolean averageStdDev;

        Builder() {}

        /**
         * Sets the axes to normalise over (default: every axis except axis 1, Lasagne's {@code
         * 'auto'}). Negative axes count from the end of the input shape; the axes are resolved
         * against the input rank at initialization.
         *
         * @param axes the axes, at least one; {@code null} restores the default
         * @return this builder
         */
        public Builder optAxes(int... axes) {
            this.axes = axes == null ? null : axes.clone();
            return this;
        }

        /**
         * Sets ε, added to the batch variance before the square root (default 1e-4).
         *
         * @param epsilon ε &gt; 0
         * @return this builder
         */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Sets α, the weight of each batch in the running averages (default 0.1; DJL's {@code
         * BatchNorm} momentum is 1 − α).
         *
         * @param alpha α in [0, 1]
         * @return this builder
         */
        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        /**
         * Sets whether to learn a shift {@code beta} (default {@code true}; {@code false} fixes β
         * at 0 and creates no parameter).
         *
         * @param center whether to learn {@code beta}
         * @return this builder
         */
        public Builder optCenter(boolean center) {
            this.center = center;
            return this;
        }

        /**
         * Sets whether to learn a scale {@code gamma} (default {@code true}; {@code false} fixes γ
         * at 1 and creates no parameter).
         *
         * @param scale whether to learn {@code gamma}
         * @return this builder
         */
        public Builder optScale(boolean scale) {
            this.scale = scale;
            return this;
        }

        /**
         * Sets whether to normalise with the stored averages instead of the batch statistics
         * (Lasagne's {@code batch_norm_use_averages}; default {@code null}: when not training).
         *
         * @param useAverages the switch, or {@code null} to follow the training flag
         * @return this builder
         */
        public Builder optUseAverages(Boolean useAverages) {
            this.useAverages = useAverages;
            return this;
        }

        /**
         * Sets whether a forward pass updates the stored averages (Lasagne's {@code
         * batch_norm_update_averages}; default {@code null}: when training).
         *
         * @param updateAverages the switch, or {@code null} to follow the training flag
         * @return this builder
         */
        public Builder optUpdateAverages(Boolean updateAverages) {
            this.updateAverages = updateAverages;
            return this;
        }

        /**
         * Sets how the sums over the normalised axes, and the repetitions of the per-channel values
         * along them, are computed: as matrix products with ones ({@code true}) or with the
         * engine's reductions and broadcasting ({@code false}). The results agree to float
         * rounding; only the speed differs. Default {@code null}: products where {@link
         * Tensors#slowBroadcasting} says the engine's reductions and broadcast gradients are slow
         * (MXNet), the engine's operations otherwise.
         *
         * @param sumsAsProducts the formulation, or {@code null} for the engine's default
         * @return this builder
         */
        public Builder optSumsAsProducts(Boolean sumsAsProducts) {
            this.sumsAsProducts = sumsAsProducts;
            return this;
        }

        /**
         * Sets the number g of batch groups (default 1): a pass that computes batch statistics
         * computes them for each of g interleaved groups of the batch (group j holds samples j, g +
         * j, 2g + j, …) and normalises each group with its own, and the running averages move
         * towards the mean of the g groups' statistics, once per pass. Packing by m ({@link
         * io.github.djlgan.nn.gan.Pack}) puts samples j, m + j, … in slot j of the packs, so with g
         * = m each slot of a generated batch is normalised as a batch of its own — as in PacGAN's
         * code, which runs the generator once per slot and averages the slots' statistics into the
         * running averages (its mean and standard deviation: add {@link #optAverageStdDev}). Passes
         * with the stored averages only (inference) do not group. Axis 0 must be one of the
         * normalised axes; the option is not saved with the parameters, which it does not change.
         *
         * @param groups g &ge; 1; a batch of N samples then needs N divisible by g
         * @return this builder
         */
        public Builder optBatchGroups(int groups) {
            this.batchGroups = groups;
            return this;
        }

        /**
         * Sets which spread statistic the running average follows (default {@code false}): the
         * inverse standard deviation invStd<sub>B</sub>, as Lasagne's {@code BatchNormLayer}, or,
         * when {@code true}, the standard deviation σ<sub>B</sub> = sqrt(var<sub>B</sub> + ε): the
         * population standard deviation of Blocks' {@code BatchNormalization}, as PacGAN's code
         * updates it: {@code 1 / invStd ← (1 − α) / invStd + α · σ_B} (α = 1: invStd ← 1/σ_B). By
         * Jensen's inequality the average of invStd<sub>B</sub> exceeds the inverse of the average
         * of σ<sub>B</sub> whenever σ<sub>B</sub> varies between batches, so the two conventions
         * give different inference outputs. The stored {@code invStd} is the value used at
         * inference either way; the option only changes how training passes update it, and is not
         * saved with the parameters.
         *
         * @param averageStdDev whether to average σ<sub>B</sub>
         * @return this builder
         */
        public Builder optAverageStdDev(boolean averageStdDev) {
            this.averageStdDev = averageStdDev;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link LasagneBatchNorm}
         * @throws IllegalArgumentException if the axes are empty or repeat an axis, ε is not
         *     positive, α is not in [0, 1], or the batch groups are fewer than 1
         */
        public LasagneBatchNorm build() {
            if (axes != null) {
                BlockChecks.checkArgument(
                        axes.length > 0, NAME, "optAxes needs at least one axis, got none");
                BlockChecks.checkArgument(
                        Arrays.stream(axes).distinct().count() == axes.length,
                        NAME,
                        "optAxes names an axis twice: %s",
                        Arrays.toString(axes));
            }
            BlockChecks.checkArgument(
                    epsilon > 0 && Float.isFinite(epsilon),
                    NAME,
                    "optEpsilon needs a finite epsilon > 0, got %s",
                    epsilon);
            BlockChecks.checkArgument(
                    alpha >= 0 && alpha <= 1,
                    NAME,
                    "optAlpha needs alpha in [0, 1], got %s",
                    alpha);
            BlockChecks.checkArgument(
                    batchGroups >= 1,
                    NAME,
                    "optBatchGroups needs at least 1 group, got %d",
                    batchGroups);
            return new LasagneBatchNorm(this);
        }
    }
}
