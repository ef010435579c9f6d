package io.github.djlgan.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.github.djlgan.init.DataInitPass;
import io.github.djlgan.init.DataInitializable;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * The base of this library's blocks: the plumbing they share, so that a block's own file holds its
 * maths ({@link #compute}), its parameters and its configuration ({@link #config()}).
 *
 * <ul>
 *   <li><b>One input.</b> {@code initialize} and {@code forward} take exactly one array; otherwise
 *       an {@link IllegalArgumentException} names the block ({@code "PixelNorm: expected 1 input,
 *       got 2"}).
 *   <li><b>Checked use.</b> A block with parameters refuses a forward pass before it is initialized
 *       ({@link IllegalStateException}: {@code "NetworkInNetwork: parameters are not initialized;
 *       ..."}) and an input whose data type is not its parameters' ({@link
 *       BlockChecks#checkInputType}). Then {@link #checkInput} checks the input's shape.
 *   <li><b>Data-dependent initialization.</b> If the block is {@link DataInitializable} and the
 *       parameter store it is called with is a {@link DataInitPass}, or wraps one (a {@link
 *       io.github.djlgan.training.WrappingParameterStore} such as a wrapper's view or a {@link
 *       io.github.djlgan.training.DetachedParameterStore} over the pass), the forward pass is
 *       {@link DataInitializable#initializeFromData}; this is the only place that dispatch is made.
 *   <li><b>Saved configuration.</b> The metadata saved with the parameters are the input shapes and
 *       {@link #config()} ({@link BlockConfig}); loading checks the version byte and compares the
 *       saved configuration with the block's, so a file is never loaded into a block built
 *       differently.
 * </ul>
 */
public abstract class BaseBlock extends AbstractBlock {

    private final String name;

    /**
     * Creates a block.
     *
     * @param name the name every message of the block starts with, e.g. {@code "Maxout"}
     * @param version the version byte of the block's saved parameters
     */
    protected BaseBlock(String name, byte version) {
        super(version);
        this.name = name;
    }

    /**
     * Returns the name the block's messages start with, e.g. {@code "WeightNorm(Linear)"}.
     *
     * @return the name
     */
    public final String getName() {
        return name;
    }

    /**
     * Adds a parameter with a name and a type and DJL's default initializer for that type.
     *
     * @param parameterName the parameter's name, e.g. {@code "weight"}
     * @param type the parameter's type
     * @return the parameter
     */
    protected final Parameter addParameter(String parameterName, Parameter.Type type) {
        return addParameter(Parameter.builder().setName(parameterName).setType(type).build());
    }

    /**
     * Adds a parameter that takes no gradient — state that a forward pass updates, such as running
     * averages — with its initializer.
     *
     * @param parameterName the parameter's name, e.g. {@code "mean"}
     * @param type the parameter's type
     * @param initializer its initializer
     * @return the parameter
     */
    protected final Parameter addState(
            String parameterName, Parameter.Type type, Initializer initializer) {
        return addParameter(
                Parameter.builder()
                        .setName(parameterName)
                        .setType(type)
                        .optInitializer(initializer)
                        .optRequiresGrad(false)
                        .build());
    }

    /**
     * Throws unless the block is initialized (its input shapes and every parameter, its children's
     * included, are set).
     *
     * @throws IllegalStateException if the block is not initialized, naming it
     */
    protected final void checkInitialized() {
        BlockChecks.checkState(
                isInitialized(),
                name,
                "parameters are not initialized; call initialize(manager, dataType, inputShape)"
                        + " or train it in a Trainer first");
    }

    /**
     * Computes the block's output.
     *
     * @param store the parameter store to read the parameters from
     * @param input the input, already checked by {@link #checkInput}
     * @param training whether this is a training pass
     * @param params the forward parameters (DJL's; blocks of this library take none)
     * @return the output
     */
    protected abstract NDArray compute(
            ParameterStore store, NDArray input, boolean training, PairList<String, Object> params);

    /**
     * Checks an input's shape before {@link #compute} or the data-dependent initialization; the
     * block is initialized (if it has parameters) and the input's data type checked. Does nothing
     * unless overridden.
     *
     * @param input the input
     * @throws IllegalArgumentException if the block cannot take the input, naming the block, the
     *     expected and the actual shape
     */
    protected void checkInput(NDArray input) {}

    /**
     * Checks the shape the block is initialized with, and fixes what depends on it, before DJL sets
     * the parameters' shapes ({@code prepare}). Does nothing unless overridden.
     *
     * @param input the input shape
     * @throws IllegalArgumentException if the block cannot be initialized for it
     */
    protected void beforeInitialize(Shape input) {}

    /**
     * Returns the options that shape this block's parameters and maths, saved with them. A subclass
     * adds its own to {@code super.config()}.
     *
     * @return the configuration, starting with the block's name
     */
    protected BlockConfig config() {
        return BlockConfig.of(name);
    }

    /**
     * Checks a saved configuration against the block's. A block that takes part of its
     * configuration from the file (e.g. what initialization would fix) overrides this.
     *
     * @param saved the saved options, in order
     * @throws MalformedModelException if the saved configuration does not fit the block
     */
    protected void loadConfig(Map<String, String> saved) throws MalformedModelException {
        config().check(saved);
    }

    /** {@inheritDoc} */
    @Override
    protected final NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        BlockChecks.checkArgument(
                inputs.size() == 1, name, "expected 1 input, got %d", inputs.size());
        NDArray x = inputs.head();
        PairList<String, Parameter> parameters = getParameters();
        if (!parameters.isEmpty()) {
            checkInitialized();
            BlockChecks.checkInputType(name, x, parameters.valueAt(0).getArray().getDataType());
        }
        checkInput(x);
        if (this instanceof DataInitializable initializable) {
            DataInitPass pass = DataInitPass.find(parameterStore);
            if (pass != null) {
                return initializable.initializeFromData(pass, parameterStore, inputs);
            }
        }
        return new NDList(compute(parameterStore, x, training, params));
    }

    /** {@inheritDoc} */
    @Override
    protected final void beforeInitialize(Shape... inputShapes) {
        BlockChecks.checkArgument(
                inputShapes.length == 1, name, "expected 1 input, got %d", inputShapes.length);
        beforeInitialize(inputShapes[0]);
        super.beforeInitialize(inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        config().save(os);
    }

    /** {@inheritDoc} */
    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        BlockConfig.checkVersion(name, version, loadVersion);
        readInputShapes(is);
        loadConfig(BlockConfig.read(is));
    }
}
