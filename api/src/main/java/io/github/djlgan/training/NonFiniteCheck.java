package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.github.djlgan.util.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a {@link GanTrainer} step checks before each network's update ({@link
 * GanTrainer.Builder#optCheckFinite}): a step that finds NaN or infinity throws an {@link
 * IllegalStateException} naming the step, the network and the loss or the parameter, before the
 * update.
 */
public enum NonFiniteCheck {
    /** No check: NaN and infinity are written into the parameters and training goes on. */
    NONE,
    /**
     * The network's loss (the default). It costs nothing, the step reads the loss anyway; a
     * gradient that is NaN while the loss is finite (a singular derivative such as √ at 0) reaches
     * the parameters, and as a rule the next step's loss fails the check.
     */
    LOSSES,
    /**
     * The loss and every gradient of the network's trainable parameters, so that no NaN or infinity
     * from a gradient ever reaches a trainable parameter. The gradients are summed on the engine
     * (one reduction per parameter) and the sum is read back once per update; only if it is not
     * finite are they searched for the parameter to name.
     */
    LOSSES_AND_GRADIENTS;

    /**
     * Throws unless a network's loss (and, for {@link #LOSSES_AND_GRADIENTS}, its gradients) are
     * finite.
     *
     * @param step the number of the failing step, counted from 1
     * @param network "discriminator" or "generator"
     * @param loss the network's loss in this step
     * @param block the network's block, its gradients computed
     * @param scope a manager for the sums, closed by the caller
     * @param consequence what the failure leaves changed, for the message
     * @throws IllegalStateException if the loss or a gradient is not finite
     */
    void check(
            long step,
            String network,
            float loss,
            Block block,
            NDManager scope,
            String consequence) {
        String problem = null;
        if (this == NONE) {
            return;
        } else if (!Float.isFinite(loss)) {
            problem =
                    "loss is "
                            + loss
                            + (this == LOSSES
                                    ? " (the parameters may already hold NaN or infinity from an"
                                            + " earlier step's gradients; NonFiniteCheck"
                                            + ".LOSSES_AND_GRADIENTS stops before they are"
                                            + " written)"
                                    : "");
        } else if (this == LOSSES_AND_GRADIENTS && !Double.isFinite(gradientSum(block, scope))) {
            problem = locate(block, scope);
        }
        if (problem != null) {
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "GanTrainer: step %d: the %s's %s; %s (lower the learning rates,"
                                    + " check the data, or resume from a checkpoint)",
                            step,
                            network,
                            problem,
                            consequence));
        }
    }

    /** Σ over the trainable parameters of the sum of their gradient, read back once. */
    private static double gradientSum(Block block, NDManager scope) {
        try (NDManager sums = scope.newSubManager()) {
            NDArray total = null;
            for (Pair<String, NDArray> grad : gradients(block, sums)) {
                NDArray sum = grad.getValue().sum();
                total = total == null ? sum : total.add(sum);
            }
            return total == null ? 0 : total.toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /** Names the first parameter whose gradient holds NaN or infinity. */
    private static String locate(Block block, NDManager scope) {
        try (NDManager search = scope.newSubManager()) {
            for (Pair<String, NDArray> p : gradients(block, search)) {
                NDArray grad = p.getValue();
                if (!Tensors.allFinite(grad)) {
                    return "gradient of "
                            + p.getKey()
                            + " "
                            + grad.getShape()
                            + " holds "
                            + (grad.isNaN().any().getBoolean() ? "NaN" : "infinity");
                }
            }
        }
        return "gradients are finite but their sum overflows (gradients of order 1e38)";
    }

    /** The gradients of a block's trainable parameters by path, attached to {@code manager}. */
    private static List<Pair<String, NDArray>> gradients(Block block, NDManager manager) {
        List<Pair<String, NDArray>> gradients = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                NDArray grad = p.getValue().getArray().getGradient();
                grad.attach(manager);
                gradients.add(new Pair<>(p.getKey(), grad));
            }
        }
        return gradients;
    }
}
