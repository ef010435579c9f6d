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
 * Checks that a block's forward and backward passes leave no arrays behind. DJL attaches an
 * operation's result to the receiver's manager, so a temporary computed from a parameter (a
 * reshape, a normalised weight) would otherwise live as long as the model and grow with every step;
 * a temporary attached to a manager above the input's (its parent, or the manager the block was
 * initialized with) would outlive the step the same way, with or without parameters.
 */
public final class LeakCheck {

    private LeakCheck() {}

    /**
     * Initializes {@code block} on a manager of its own, runs inference, training and forward +
     * backward passes on copies of {@code inputs} in a per-step manager under a sibling manager,
     * and asserts that afterwards the parameters' manager holds exactly as many arrays as before,
     * the sibling holds none (everything of a step closes with the step) and the test's manager
     * holds as many as before.
     *
     * @param manager the test's manager
     * @param block a new, uninitialized block
     * @param inputs example inputs; their type is the parameters' type
     */
    public static void assertNoParameterLeak(NDManager manager, Block block, NDArray... inputs) {
        List<NDArray> outerBefore = new ArrayList<>(manager.getManagedArrays());
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
            assertNoneAdded(block, "its parameters' manager", before, params.getManagedArrays());
            assertNoneAdded(
                    block, "the inputs' parent manager", List.of(), work.getManagedArrays());
        }
        assertNoneAdded(block, "the test's manager", outerBefore, manager.getManagedArrays());
    }

    private static void assertNoneAdded(
            Block block, String where, List<NDArray> before, List<NDArray> after) {
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
                            + " arrays on "
                            + where
                            + " after 3 rounds: "
                            + added);
        }
    }
}
