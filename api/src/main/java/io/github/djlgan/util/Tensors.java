package io.github.djlgan.util;

import ai.djl.ndarray.NDArray;

/**
 * Tensor operations that DJL's engines do not all provide, built from operations both the PyTorch
 * and the MXNet engine have.
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
        return x.sum(axes, keepDims).div(count);
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
}
