package io.github.djlgan.init;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A block that takes part in data-dependent initialization.
 *
 * <p>During {@link DataInit#initialize(Block, ParameterStore, NDList)} every block of the network
 * receives a {@link DataInitPass} as its parameter store — DJL's containers pass the store down to
 * their children, so the pass reaches blocks at any depth, also below a block that hands its
 * children a store wrapping its own ({@link DataInitPass#find}). A block extending {@link
 * io.github.djlgan.nn.BaseBlock} is dispatched to {@link #initializeFromData} by the base; any
 * other block starts its {@code forwardInternal} with
 *
 * <pre>{@code
 * DataInitPass pass = DataInitPass.find(parameterStore);
 * if (pass != null) {
 *     return initializeFromData(pass, parameterStore, inputs);
 * }
 * }</pre>
 *
 * <p>In {@link #initializeFromData} it computes statistics of its output on the batch, assigns its
 * parameters with {@link DataInitPass#assign}, and returns the output it produces with the new
 * values, which the next block then sees. The method must not keep state in fields.
 */
public interface DataInitializable extends Block {

    /**
     * Initializes this block's parameters from the batch and returns its output with the new
     * parameters.
     *
     * @param pass the pass: the only way to assign values
     * @param store the parameter store this block was called with (the pass, or a store wrapping
     *     it), to read parameter values from
     * @param inputs this block's inputs on the batch
     * @return the block's output computed with the newly assigned parameters
     * @throws IllegalArgumentException if the batch cannot determine the parameters (for example a
     *     single value per channel), naming the block; nothing is assigned then
     */
    NDList initializeFromData(DataInitPass pass, ParameterStore store, NDList inputs);
}
