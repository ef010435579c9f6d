package io.github.djlgan.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * A parameter store that a block hands to the block it wraps: it answers some parameters itself
 * (e.g. a reparameterised weight) and passes every other request to the store it wraps, its
 * {@linkplain #getParent() parent}.
 *
 * <p>The parent is the store the wrapping block was called with, so a special store further out (a
 * data-dependent-initialization pass, a {@link DetachedParameterStore}) can be found by following
 * {@link #getParent()} until a store of the wanted type, or one that is not a {@code
 * WrappingParameterStore}, is reached.
 *
 * <p>A subclass overrides {@link #getValue} for the parameters it answers and calls {@code
 * super.getValue} for the others. A view lives for one forward pass: it keeps no device copies of
 * its own, and {@link #getManager()} is the parent's.
 */
public abstract class WrappingParameterStore extends ParameterStore {

    private final ParameterStore parent;

    /**
     * Creates a view of {@code parent}.
     *
     * @param parent the store this view wraps
     * @param scope the manager of the current forward pass (the input's)
     */
    protected WrappingParameterStore(ParameterStore parent, NDManager scope) {
        super(scope, false);
        this.parent = parent;
    }

    /**
     * Returns the store this view wraps.
     *
     * @return the parent store
     */
    public ParameterStore getParent() {
        return parent;
    }

    /**
     * Returns the parent's value of the parameter; subclasses answer their own parameters first.
     *
     * @param parameter the parameter
     * @param device the device
     * @param training whether this is a training pass
     * @return the parent's value
     */
    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
        return parent.getValue(parameter, device, training);
    }

    /**
     * Returns the parent's manager.
     *
     * @return the parent's manager
     */
    @Override
    public NDManager getManager() {
        return parent.getManager();
    }
}
