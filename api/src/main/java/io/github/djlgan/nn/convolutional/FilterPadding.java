package io.github.djlgan.nn.convolutional;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.norm.WeightWrapper;
import io.github.djlgan.util.BlockChecks;

/**
 * Wraps a DJL {@code Conv1d}, {@code Conv2d} or {@code Conv3d} and computes exactly what it
 * computes, through {@link Convolutions#convolve}: on DJL 0.35.1's PyTorch engine an ungrouped
 * convolution whose filters are not a multiple of 16 then computes zero filters up to the next
 * multiple and drops their outputs, so that its float32 input gradient is right (see {@link
 * Convolutions} for the engine defect this works around; elsewhere nothing changes).
 *
 * <pre>
 *   y = conv(x; W, b)      the wrapped layer's weight W and bias b, unchanged
 * </pre>
 *
 * <p>Use it for a convolution with few output channels in a network trained on PyTorch — a DCGAN
 * discriminator's last layer (1 filter), a generator's RGB output layer (3 filters):
 *
 * <pre>{@code
 * Block last = FilterPadding.wrap(Conv2d.builder().setKernelShape(new Shape(4, 4)).setFilters(1).build());
 * }</pre>
 *
 * <p>Wrapping moves the layer's parameters under this block's child name ({@code 04Conv2d_weight}
 * becomes {@code 04FilterPadding_01Conv2d_weight}), so a network saved before it was wrapped no
 * longer loads into the wrapped one: load it into the unwrapped network and copy the parameters
 * across. A subclass of a DJL convolution is refused (its {@code forward} may compute something
 * else).
 *
 * <p>The layers of this library need no wrapping: {@link Deconv2d} and the weight wrappers ({@code
 * WeightNorm}, {@code SpectralNorm}, {@code EqualizedLearningRate}) convolve through {@link
 * Convolutions#convolve} themselves. The wrapped layer is this block's child and keeps its {@code
 * weight} and {@code bias} parameters and their initializers.
 */
public class FilterPadding extends WeightWrapper {

    private static final String NAME = "FilterPadding";
    private static final byte VERSION = 1;

    FilterPadding(Builder builder) {
        super(VERSION, NAME, builder.convolution());
    }

    /**
     * Wraps a convolution.
     *
     * @param convolution a DJL {@code Conv1d}, {@code Conv2d} or {@code Conv3d}
     * @return the wrapped convolution
     * @throws IllegalArgumentException if the block is not a DJL convolution
     */
    public static FilterPadding wrap(Block convolution) {
        return builder().setBlock(convolution).build();
    }

    /**
     * Creates a builder to build a {@code FilterPadding}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore parameterStore,
            NDArray x,
            boolean training,
            PairList<String, Object> params) {
        return forwardWrapped(parameterStore, x.getManager(), x, training, params, w -> w, b -> b);
    }

    /** The builder for a {@link FilterPadding}. */
    public static final class Builder extends WrapperBuilder<Builder> {

        Builder() {}

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        private Block convolution() {
            Block block = getBlock(NAME);
            BlockChecks.checkArgument(
                    Convolutions.isDjlConvolution(block),
                    NAME,
                    "wraps a DJL Conv1d, Conv2d or Conv3d (not a subclass), got %s",
                    block.getClass().getName());
            return block;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link FilterPadding}
         * @throws IllegalArgumentException if no block was set or it is not a DJL convolution
         */
        public FilterPadding build() {
            return new FilterPadding(this);
        }
    }
}
