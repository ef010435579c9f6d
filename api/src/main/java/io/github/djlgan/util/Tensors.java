package io.github.djlgan.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Tensor operations that DJL's engines do not all provide, built from operations both the PyTorch
 * and the MXNet engine have.
 *
 * <p><b>Scalars under autograd.</b> On DJL 0.35.1's PyTorch engine, {@code x.mul(2f)}, {@code
 * x.div(n)} and {@code x.pow(p)} with a Java number wrap the number in a temporary tensor whose
 * memory is a Java direct buffer, and close it right after the operation. PyTorch's autograd keeps
 * that tensor for the backward pass (the gradient of x·c needs c), but its memory now belongs to an
 * unreachable buffer: if the garbage collector frees it between forward and backward, the gradient
 * is computed from freed memory (wrong or NaN gradients; {@code AutogradGcTest} in the test suite
 * runs the library's blocks with a collection and fresh direct buffers between forward and
 * backward, and requires the same gradient every time). {@code add}/{@code sub} with a number are
 * not affected (their gradient does not need the number). In code that runs under a gradient
 * collector, multiply, divide and raise to a power by {@link #scalar} arrays instead.
 */
public final class Tensors {

    private Tensors() {}

    /**
     * The mean over several axes. (DJL's PyTorch engine implements {@code mean(int[], boolean)} for
     * one axis only.)
     *
     * @param x the array
     * @param axes the axes to average over
     * @param keepDims whether to keep the reduced axes with size 1
     * @return the mean, attached to {@code x}'s manager
     */
    public static NDArray mean(NDArray x, int[] axes, boolean keepDims) {
        long count = 1;
        for (int axis : axes) {
            count *= x.getShape().get(axis);
        }
        return x.sum(axes, keepDims).div(scalar(x, count));
    }

    /**
     * A 0-d array holding {@code value}, of {@code like}'s data type, on {@code like}'s manager and
     * device, allocated by the engine. Unlike {@code x.mul(value)}, {@code x.mul(scalar(x, value))}
     * is safe under a gradient collector on DJL's PyTorch engine (see the class comment).
     *
     * @param like the array whose type, manager and device the scalar takes
     * @param value the value
     * @return the scalar, attached to {@code like}'s manager
     */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager()
                .full(new Shape(), (float) value, like.getDataType())
                .toDevice(like.getDevice(), false);
    }

    /**
     * The smallest positive normal number of a floating-point type.
     *
     * @param type float16, bfloat16, float32 or float64
     * @return 2<sup>−14</sup>, 2<sup>−126</sup>, 2<sup>−126</sup> or 2<sup>−1022</sup>
     * @throws IllegalArgumentException for any other type
     */
    public static double minNormal(DataType type) {
        switch (type) {
            case FLOAT16:
                return 0x1p-14;
            case BFLOAT16:
            case FLOAT32:
                return Float.MIN_NORMAL;
            case FLOAT64:
                return Double.MIN_NORMAL;
            default:
                throw new IllegalArgumentException("not a floating-point type: " + type);
        }
    }

    /**
     * Whether every element is finite (no NaN, no infinity). (DJL's MXNet engine does not implement
     * {@code isInfinite}; x · 0 is 0 exactly for finite x and NaN otherwise.)
     *
     * @param x a floating-point array
     * @return true if every element is finite; temporaries are attached to {@code x}'s manager
     */
    public static boolean allFinite(NDArray x) {
        return x.mul(0).eq(0).all().getBoolean();
    }

    /**
     * Whether {@code x}'s engine has slow CPU reductions and slow gradients of broadcasting
     * operations, so that sums and repetitions are better written as matrix products with ones:
     * true on MXNet (the gradient of a broadcast operand is such a reduction), false otherwise
     * (PyTorch's reductions are as fast as the products, which cost extra full-size arrays). The
     * measurements are in {@code docs/design-measurements.md}. Nothing in the NDArray API tells
     * this, hence the test of the engine's name.
     *
     * @param x an array of the engine in question
     * @return true if the engine is MXNet
     */
    public static boolean slowBroadcasting(NDArray x) {
        return "MXNet".equals(x.getManager().getEngine().getEngineName());
    }
}
