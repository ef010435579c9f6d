package io.github.djlgan.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that a block's forward and backward passes leave no arrays on the manager of its
 * parameters. DJL attaches an operation's result to the receiver's manager, so a temporary computed
 * from a parameter (a reshape, a normalised weight) would otherwise live as long as the model and
 * grow with every step.
 */
public final class LeakCheck {

    private LeakCheck() {}

    /**
     * Initializes {@code block} on a manager of its own, runs inference, training and forward +
     * backward passes on copies of {@code inputs} in a sibling manager, and asserts that the
     * parameters' manager holds exactly as many arrays afterwards as before.
     *
     * @param manager the test's manager
     * @param block a new, uninitialized block
     * @param inputs example inputs; their type is the parameters' type
     */
    public static void assertNoParameterLeak(NDManager manager, Block block, NDArray... inputs) {
        try (NDManager params = manager.newSubManager();
                NDManager work = manager.newSubManager()) {
            Shape[] shapes = new Shape[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                shapes[i] = inputs[i].getShape();
            }
            block.initialize(params, inputs[0].getDataType(), shapes);
            List<NDArray> before = new ArrayList<>(params.getManagedArrays());
            for (int round = 0; round < 3; round++) {
                try (NDManager step = work.newSubManager()) {
                    NDList x = new NDList();
                    for (NDArray input : inputs) {
                        NDArray copy = input.duplicate();
                        copy.attach(step);
                        copy.setRequiresGradient(true);
                        x.add(copy);
                    }
                    ParameterStore store = new ParameterStore(step, false);
                    block.forward(store, x, false);
                    block.forward(store, x, true);
                    try (GradientCollector collector = step.getEngine().newGradientCollector()) {
                        NDArray y = block.forward(store, x, true).head();
                        collector.backward(y.sum());
                    }
                }
            }
            List<NDArray> after = new ArrayList<>(params.getManagedArrays());
            if (after.size() != before.size()) {
                List<String> added = new ArrayList<>();
                for (NDArray a : after) {
                    if (!before.contains(a)) {
                        added.add(a.getName() + a.getShape());
                    }
                }
                throw new AssertionError(
                        block.getClass().getSimpleName()
                                + " left "
                                + (after.size() - before.size())
                                + " arrays on its parameters' manager after 3 rounds: "
                                + added);
            }
        }
    }
}
