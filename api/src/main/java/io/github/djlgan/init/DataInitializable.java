package io.github.djlgan.init;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;

/**
 * A block that takes part in data-dependent initialization.
 *
 * <p>During {@link DataInit#initialize(Block, ai.djl.training.ParameterStore, NDList)} every block
 * of the network receives a {@link DataInitPass} as its parameter store — DJL's containers pass the
 * store down to their children, so the pass reaches blocks at any depth. A data-initializable block
 * starts its {@code forwardInternal} with
 *
 * <pre>{@code
 * if (parameterStore instanceof DataInitPass pass) {
 *     return initializeFromData(pass, inputs);
 * }
 * }</pre>
 *
 * <p>and in {@link #initializeFromData} computes statistics of its output on the batch, assigns its
 * parameters with {@link DataInitPass#assign}, and returns the output it produces with the new
 * values, which the next block then sees. The method must not keep state in fields.
 */
public interface DataInitializable extends Block {

    /**
     * Initializes this block's parameters from the batch and returns its output with the new
     * parameters.
     *
     * @param pass the pass: the parameter store of this forward and the only way to assign values
     * @param inputs this block's inputs on the batch
     * @return the block's output computed with the newly assigned parameters
     * @throws IllegalArgumentException if the batch cannot determine the parameters (for example a
     *     single value per channel), naming the block; nothing is assigned then
     */
    NDList initializeFromData(DataInitPass pass, NDList inputs);
}
