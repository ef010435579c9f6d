package io.github.djlgan.nn.norm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.nn.WeightLayout;
import io.github.djlgan.nn.convolutional.Convolutions;
import io.github.djlgan.training.WrappingParameterStore;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * A block that runs a wrapped block of a {@link WeightLayout} with a transformed weight: the common
 * part of {@link WeightNorm}, {@link SpectralNorm}, {@link EqualizedLearningRate} and {@link
 * io.github.djlgan.nn.convolutional.FilterPadding} (whose transform is the identity).
 *
 * <p>The wrapped block is a child of the wrapper (named after its class, e.g. {@code 01Linear}) and
 * keeps its own {@code weight} and {@code bias} parameters. It runs unchanged: the wrapper hands it
 * a {@link WrappingParameterStore} that answers its request for {@code weight} (and {@code bias})
 * with values computed from the real ones, so that gradients reach the real parameters through
 * autograd. A DJL {@code Conv1d}, {@code Conv2d} or {@code Conv3d} is the exception: the wrapper
 * computes it with those values through {@link Convolutions#convolve}, the same function plus a
 * workaround for a wrong input gradient on DJL's PyTorch engine. The wrapped block is initialized
 * before the wrapper's own parameters, whose shapes the wrapper takes from the wrapped block's
 * weight.
 *
 * <p>A wrapper checks its input itself (parameters initialized, the input fits the weight, the
 * input's data type is the weight's), so that the message names the wrapper, e.g. {@code
 * "SpectralNorm(Conv2d): expected input of rank 4 with 3 channels on axis 1, got shape (2, 4, 5,
 * 5)"}. It saves its configuration (the wrapped block's layout key and its own options) with its
 * parameters and refuses a file of another configuration.
 */
public abstract class WeightWrapper extends BaseBlock {

    private final Block block;
    private final WeightLayout layout;
    private final Parameter weight;
    private final Parameter wrappedBias;

    /**
     * Wraps a block.
     *
     * @param version the version byte of the wrapper's saved parameters
     * @param wrapper the wrapper's class name, e.g. {@code "SpectralNorm"}
     * @param block the block to wrap
     * @throws IllegalArgumentException if the block has no {@link WeightLayout}
     */
    protected WeightWrapper(byte version, String wrapper, Block block) {
        super(wrapper + "(" + block.getClass().getSimpleName() + ")", version);
        this.layout = WeightLayout.of(block, wrapper);
        this.block = block;
        this.weight = layout.getWeight();
        this.wrappedBias = layout.getBias();
        addChildBlock(block.getClass().getSimpleName(), block);
    }

    /**
     * Returns the wrapped block.
     *
     * @return the wrapped block
     */
    public Block getBlock() {
        return block;
    }

    /**
     * Returns the wrapped block's weight layout.
     *
     * @return the layout
     */
    public WeightLayout getLayout() {
        return layout;
    }

    /**
     * Returns the wrapped block's weight parameter.
     *
     * @return the weight
     */
    protected final Parameter getWeight() {
        return weight;
    }

    /**
     * Returns the wrapped block's bias parameter, or null.
     *
     * @return the wrapped bias, or null
     */
    protected final Parameter getWrappedBias() {
        return wrappedBias;
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return block.getOutputShapes(inputShapes);
    }

    /**
     * Initializes the wrapped block first, then this block's own parameters, whose shapes {@link
     * #prepare} takes from the wrapped block's weight.
     *
     * @param manager the manager of the parameters
     * @param dataType the parameters' data type
     * @param inputShapes the input shapes
     */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        block.initialize(manager, dataType, inputShapes);
        super.initialize(manager, dataType, inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        block.initialize(manager, dataType, inputShapes); // done first; a no-op here
    }

    /**
     * Checks that the input fits the wrapped weight's layout (the base has checked that the block
     * is initialized and the input's data type).
     *
     * @param x the input
     * @throws IllegalArgumentException if the input does not fit
     */
    @Override
    protected void checkInput(NDArray x) {
        layout.checkInput(getName(), x.getShape(), getWeight().getArray().getShape());
    }

    /**
     * Runs the wrapped block on a view of {@code parent} that answers its {@code weight} with
     * {@code weight} applied to the real weight, and its {@code bias} with {@code bias} applied to
     * the real bias ({@code bias} may return null: no bias). Everything else comes from {@code
     * parent}. A DJL {@code Conv1d}, {@code Conv2d} or {@code Conv3d} is computed here, as its
     * {@code forward} would with those values, by {@link Convolutions#convolve}, which works around
     * a wrong input gradient of DJL's PyTorch engine.
     *
     * @param parent the parameter store this block was called with
     * @param scope the manager of the pass (the input's)
     * @param input the input
     * @param training whether this is a training pass
     * @param params the forward parameters
     * @param weight maps the real weight to the one the wrapped block uses
     * @param bias maps the real bias to the one the wrapped block uses, or to null
     * @return the wrapped block's output
     */
    protected NDArray forwardWrapped(
            ParameterStore parent,
            NDManager scope,
            NDArray input,
            boolean training,
            PairList<String, Object> params,
            UnaryOperator<NDArray> weight,
            UnaryOperator<NDArray> bias) {
        View view = new View(parent, scope, weight, bias);
        if (Convolutions.isDjlConvolution(block)) {
            // DJL's Convolution.forward, through the library's workaround for PyTorch
            Convolution conv = (Convolution) block;
            Device device = input.getDevice();
            return Convolutions.convolve(
                    input,
                    view.getValue(this.weight, device, training),
                    wrappedBias == null ? null : view.getValue(wrappedBias, device, training),
                    conv.getStride(),
                    conv.getPadding(),
                    conv.getDilation(),
                    conv.getGroups());
        }
        return block.forward(view, new NDList(input), training, params).head();
    }

    /**
     * Whether the wrapper may scale the block's output instead of its weight: the layout is
     * channel-wise and the output is not larger than the weight.
     *
     * @param output the output's shape
     * @return whether to scale the output
     */
    protected boolean scalesOutput(Shape output) {
        return layout.isChannelwise() && output.size() <= getWeight().getArray().size();
    }

    /**
     * A view of a parameter value attached to {@code scope}, so that what is computed from it does
     * not land on the parameters' manager.
     *
     * @param value a parameter value
     * @param scope the manager of the pass
     * @return the view, attached to {@code scope}
     */
    protected static NDArray onScope(NDArray value, NDManager scope) {
        NDArray view = value.reshape(value.getShape());
        view.attach(scope);
        return view;
    }

    /**
     * A per-channel value — of shape (channels), or (channels, d…) for untied biases — shaped to
     * broadcast along the channel axis of an output of shape {@code out}.
     *
     * @param value the value
     * @param out the output's shape
     * @param scope the manager of the pass
     * @return the view, attached to {@code scope}
     */
    protected NDArray perChannel(NDArray value, Shape out, NDManager scope) {
        long[] dims = new long[out.dimension()];
        Arrays.fill(dims, 1L);
        int axis = layout.getOutputChannelAxis(out);
        long[] own = value.getShape().getShape();
        System.arraycopy(own, 0, dims, axis, own.length);
        NDArray view = value.reshape(dims);
        view.attach(scope);
        return view;
    }

    /**
     * Returns the options that shape this block's parameters and maths, saved with them; starts
     * with the wrapped block's layout key.
     *
     * @return the configuration
     */
    @Override
    protected BlockConfig config() {
        return super.config().add("block", layout.getKey());
    }

    /**
     * The part of a wrapper's builder that names the block to wrap.
     *
     * @param <B> the wrapper's builder
     */
    public abstract static class WrapperBuilder<B extends WrapperBuilder<B>> {

        private Block block;

        /** Creates a builder with no block set. */
        protected WrapperBuilder() {}

        /**
         * Sets the block to wrap (required): one of {@link WeightLayout#supportedBlocks()}.
         *
         * @param block the block
         * @return this builder
         */
        public B setBlock(Block block) {
            this.block = block;
            return self();
        }

        /**
         * Returns this builder as the wrapper's builder type.
         *
         * @return this builder
         */
        protected abstract B self();

        /**
         * Returns the block to wrap.
         *
         * @param wrapper the wrapper's class name, for the message
         * @return the block
         * @throws IllegalArgumentException if no block was set
         */
        protected Block getBlock(String wrapper) {
            BlockChecks.checkArgument(block != null, wrapper, "setBlock(Block) is required");
            return block;
        }
    }

    /** The parameter store the wrapped block sees. */
    private final class View extends WrappingParameterStore {

        private final UnaryOperator<NDArray> weight;
        private final UnaryOperator<NDArray> bias;

        View(
                ParameterStore parent,
                NDManager scope,
                UnaryOperator<NDArray> weight,
                UnaryOperator<NDArray> bias) {
            super(parent, scope);
            this.weight = weight;
            this.bias = bias;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            NDArray value = super.getValue(parameter, device, training);
            if (parameter != null && parameter == WeightWrapper.this.weight) {
                return weight.apply(value);
            }
            if (parameter != null && parameter == wrappedBias) {
                return bias.apply(value);
            }
            return value;
        }
    }
}
