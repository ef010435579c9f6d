package io.github.djlgan.init;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.github.djlgan.training.WrappingParameterStore;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.Tensors;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The parameter store of one data-dependent-initialization pass (see {@link DataInit}).
 *
 * <p>It serves parameter values like a plain {@link ParameterStore} and is how a {@link
 * DataInitializable} block recognises the pass and writes its new parameter values: {@link #assign}
 * copies a value into the parameter's own array, in place, and remembers the old value so that
 * {@link DataInit} can undo the whole pass if any block fails.
 *
 * <p>A block may run its children with a parameter store of its own that wraps the one it was
 * called with (a {@link WrappingParameterStore}: a wrapper's view of a reparameterised weight, a
 * {@code DetachedParameterStore} over the pass); {@link #find} looks through such stores, so the
 * pass reaches blocks below them.
 */
public final class DataInitPass extends ParameterStore {

    private final NDManager manager;
    private final Map<Parameter, NDArray> previous = new IdentityHashMap<>();

    /**
     * Creates a pass whose temporaries live in {@code manager}; its device must be the batch's.
     *
     * @param manager the manager of the pass, on the device of the batch
     */
    DataInitPass(NDManager manager) {
        super(manager, false);
        this.manager = manager;
    }

    /**
     * Returns the pass a parameter store is, or wraps: {@code store} itself if it is a pass,
     * otherwise the pass found by following {@link WrappingParameterStore#getParent()}.
     *
     * @param store the parameter store a block was called with
     * @return the pass, or {@code null} if the store is not part of a data-initialization pass
     */
    public static DataInitPass find(ParameterStore store) {
        ParameterStore s = store;
        while (s instanceof WrappingParameterStore wrapping) {
            s = wrapping.getParent();
        }
        return s instanceof DataInitPass pass ? pass : null;
    }

    /**
     * Assigns a new value to a parameter: copies {@code value} into the parameter's array in place
     * (converting device and type), after checking its shape and that it is finite.
     *
     * @param block the name of the assigning block, for error messages
     * @param parameter the parameter
     * @param value the new value, of the parameter's shape
     * @throws IllegalArgumentException if the shape differs or the value holds NaN or infinity
     */
    public void assign(String block, Parameter parameter, NDArray value) {
        NDArray target = parameter.getArray();
        BlockChecks.checkShape(
                value.getShape().equals(target.getShape()),
                block,
                "data-init value for " + parameter.getName() + " of shape " + target.getShape(),
                value.getShape());
        BlockChecks.checkArgument(
                Tensors.allFinite(value),
                block,
                "data-dependent init computed a non-finite %s (is the batch finite and does every"
                        + " channel vary?)",
                parameter.getName());
        if (!previous.containsKey(parameter)) {
            NDArray old = target.duplicate();
            old.attach(manager);
            previous.put(parameter, old);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray copy = value.toDevice(target.getDevice(), true);
            copy.attach(scope);
            copy.toType(target.getDataType(), false).copyTo(target);
        }
    }

    /**
     * Returns the parameters assigned so far in this pass.
     *
     * @return the assigned parameters, an unmodifiable identity set
     */
    public Set<Parameter> getAssigned() {
        return Collections.unmodifiableSet(previous.keySet());
    }

    /** Restores every assigned parameter to its value before the pass. */
    void rollback() {
        for (Map.Entry<Parameter, NDArray> entry : previous.entrySet()) {
            entry.getValue().copyTo(entry.getKey().getArray());
        }
    }
}
