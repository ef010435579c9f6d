package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The value of one network's loss in one update: the scalar that is differentiated, and named extra
 * scalars to report (the parts of a composite loss, a statistic to watch). The extras are read
 * after the update and are not differentiated.
 */
public final class LossTerms {

    private final NDArray total;
    private final Map<String, NDArray> extras = new LinkedHashMap<>();

    private LossTerms(NDArray total) {
        this.total = Objects.requireNonNull(total, "total");
    }

    /**
     * A loss without extras.
     *
     * @param total the scalar to minimise
     * @return the terms
     */
    public static LossTerms of(NDArray total) {
        return new LossTerms(total);
    }

    /**
     * Adds a named extra scalar to report.
     *
     * @param name its name, unique within the update
     * @param value a scalar (one element)
     * @return these terms
     * @throws IllegalArgumentException if the name is taken or the value is not a scalar
     */
    public LossTerms with(String name, NDArray value) {
        if (extras.containsKey(name) || value.size() != 1) {
            throw new IllegalArgumentException(
                    "LossTerms: extra "
                            + name
                            + (extras.containsKey(name)
                                    ? " is given twice"
                                    : " must be one value, got shape " + value.getShape()));
        }
        extras.put(name, value);
        return this;
    }

    /**
     * Returns the scalar that is minimised.
     *
     * @return the total loss
     */
    public NDArray getTotal() {
        return total;
    }

    /**
     * Returns the named extras, in the order they were added.
     *
     * @return an unmodifiable map
     */
    public Map<String, NDArray> getExtras() {
        return Collections.unmodifiableMap(extras);
    }
}
