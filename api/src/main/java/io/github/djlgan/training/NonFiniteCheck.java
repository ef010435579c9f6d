package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.github.djlgan.util.Tensors;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
     * (one reduction per parameter) and the sum is read back once per update and data type; only if
     * it is not finite are they searched for the parameter to name (finite gradients whose sum
     * merely overflows pass).
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
        } else if (this == LOSSES_AND_GRADIENTS && !sumsAreFinite(block, scope)) {
            problem = locate(block, scope); // null if the sums only overflowed
        }
        if (problem != null) {
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "GanTrainer: step %d: the %s's %s; %s (lower the learning rates, check"
                                    + " the data, or resume from an earlier checkpoint in a new"
                                    + " GanTrainer)",
                            step,
                            network,
                            problem,
                            consequence));
        }
    }

    /**
     * Whether the sum of all gradient entries is finite, per data type (one sum per parameter, one
     * value read back per data type). NaN or infinity in a gradient makes it NaN or infinite; so
     * can an overflow of finite entries, which {@link #locate} then tells apart.
     */
    private static boolean sumsAreFinite(Block block, NDManager scope) {
        try (NDManager sums = scope.newSubManager()) {
            Map<DataType, NDArray> totals = new EnumMap<>(DataType.class);
            for (Pair<String, NDArray> grad : gradients(block, sums)) {
                totals.merge(grad.getValue().getDataType(), grad.getValue().sum(), NDArray::add);
            }
            for (NDArray total : totals.values()) {
                if (!Double.isFinite(total.toType(DataType.FLOAT64, false).getDouble())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Names the first parameter whose gradient holds NaN or infinity, or returns null. */
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
        return null;
    }

    /** The gradients of a block's trainable parameters by path, attached to {@code manager}. */
    private static List<Pair<String, NDArray>> gradients(Block block, NDManager manager) {
        List<Pair<String, NDArray>> gradients = new ArrayList<>();
        for (Pair<String, Parameter> p : GanTrainer.trainable(block)) {
            NDArray grad = p.getValue().getArray().getGradient();
            grad.attach(manager);
            gradients.add(new Pair<>(p.getKey(), grad));
        }
        return gradients;
    }
}
