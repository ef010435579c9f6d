package io.github.djlgan.training;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * An optimizer whose state (moments, update counts) can be saved with a {@link GanTrainer}
 * checkpoint, so that a resumed run takes the same next step as an uninterrupted one. DJL 0.35.1's
 * own optimizers keep their state in private fields and cannot be saved; {@link Adam} can.
 *
 * <p>Parameters are identified by their path in the network ({@code block.getParameters()} keys),
 * which stays the same from run to run, not by their {@code Parameter.getId()}, which does not.
 */
public interface StatefulOptimizer {

    /**
     * Writes the state of the given parameters.
     *
     * @param os the stream
     * @param ids the parameters to save: path in the network → {@code Parameter.getId()}
     * @throws IOException if writing fails
     */
    void saveState(DataOutputStream os, Map<String, String> ids) throws IOException;

    /**
     * Reads a state written by {@link #saveState} and replaces the current state of the given
     * parameters with it.
     *
     * @param is the stream
     * @param ids the parameters to restore: path in the network → {@code Parameter.getId()}
     * @param manager the manager the state arrays are attached to (on the parameters' device)
     * @throws IOException if reading fails or the state does not fit the parameters; the current
     *     state should then be left as it was ({@link Adam} does; {@link GanTrainer#load} puts back
     *     the state it had in any case)
     */
    void loadState(DataInputStream is, Map<String, String> ids, ai.djl.ndarray.NDManager manager)
            throws IOException;
}
