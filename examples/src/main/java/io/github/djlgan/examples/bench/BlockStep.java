package io.github.djlgan.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

/**
 * Forward + backward of one block inside a {@link GradientCollector}, loss = sum of the outputs,
 * gradients with respect to the input and every trainable parameter. Each run's arrays live in a
 * sub-manager that is closed at the end of the run.
 */
public final class BlockStep implements BenchCase.Step {

    private final NDManager scope;
    private final Block block;
    private final NDArray input;
    private final ParameterStore store;

    /**
     * Initializes the block for the input shape and creates a random input.
     *
     * @param manager the manager of the engine under test
     * @param block the block
     * @param inputShape the input shape
     */
    public BlockStep(NDManager manager, Block block, Shape inputShape) {
        scope = manager.newSubManager();
        this.block = block;
        block.initialize(scope, DataType.FLOAT32, inputShape);
        input = scope.randomNormal(inputShape);
        input.setRequiresGradient(true);
        store = new ParameterStore(scope, false);
    }

    /** {@inheritDoc} */
    @Override
    public void run() {
        try (NDManager iteration = scope.newSubManager()) {
            input.tempAttach(iteration);
            try (GradientCollector collector = scope.getEngine().newGradientCollector()) {
                NDArray y = block.forward(store, new NDList(input), true).head();
                collector.backward(y.sum());
            }
            // reading one element of every gradient waits for the (asynchronous) backward pass
            touch(input.getGradient(), iteration);
            for (Pair<String, Parameter> p : block.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    touch(p.getValue().getArray().getGradient(), iteration);
                }
            }
        }
    }

    private static void touch(NDArray gradient, NDManager iteration) {
        gradient.attach(iteration);
        gradient.flatten().get(0).getFloat();
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        scope.close();
    }
}
