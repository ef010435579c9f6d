package io.github.djlgan.init;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.Tensors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Data-dependent initialization of a whole network, after Salimans &amp; Kingma, "Weight
 * Normalization" (NIPS 2016), §2.2, and improved-gan's {@code init=True} pass.
 *
 * <p>One batch is run through the network once. Every {@link DataInitializable} block, in the order
 * the data reaches it, looks at its own output on the batch, sets its parameters (for {@code
 * WeightNorm}: g ← s₀/s and b ← −m·s₀/s, from the per-channel mean m and standard deviation s of
 * its pre-activation) and passes on the output it produces with the new values, so the next layer
 * is initialized on normalised inputs.
 *
 * <p>The pass travels as a {@link DataInitPass} parameter store; DJL's containers ({@code
 * SequentialBlock}, {@code ParallelBlock}, ...) and any {@code AbstractBlock} that forwards its
 * parameter store to its children carry it to every depth. (Forward {@code params} would not do:
 * {@code SequentialBlock} drops them.)
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>The pass runs outside any gradient collector and records no gradients; it runs in training
 *       mode (noise layers are active, batch statistics are used), as improved-gan's init pass.
 *   <li>Only the parameters the data-initializable blocks assign change. Non-trainable state that a
 *       training-mode forward would update (e.g. running averages of batch norm) is restored.
 *   <li>All or nothing: a batch with NaN or infinity is rejected before anything runs, and if any
 *       block fails, every parameter assigned so far is restored.
 *   <li>Temporaries live in a sub-manager of the batch's manager and are closed; only the returned
 *       output remains (attached to the batch's manager).
 * </ul>
 *
 * <p>Call it outside a {@code GradientCollector}. One DJL limitation shows through: on the MXNet
 * engine, DJL's own {@code BatchNorm} refuses a training-mode forward outside a gradient collector,
 * so a network containing it cannot be data-initialized on MXNet; this project's {@code
 * LasagneBatchNorm} has no such restriction.
 *
 * <p><b>With a DJL {@code Trainer}: initialize first, then create the trainer.</b> A trainer keeps
 * copies of the parameters that only it can update: one per training device, and on MXNet the
 * parameter server's copy of every trainable parameter, taken at {@code trainer.initialize} and
 * written back over the parameter at every {@code trainer.step()}. A value written into a parameter
 * after the trainer exists would be undone by its first step on MXNet, and DJL 0.35.1 offers no
 * public way to reach those copies. So {@link #initialize(Model, NDList)} runs before {@code
 * model.newTrainer}; {@code trainer.initialize} then copies the initialized values to every device
 * and to the parameter server:
 *
 * <pre>{@code
 * model.getBlock().initialize(model.getNDManager(), model.getDataType(), inputShape);
 * DataInit.initialize(model, new NDList(firstBatch)).close();
 * try (Trainer trainer = model.newTrainer(config)) {
 *     trainer.initialize(inputShape);   // keeps the initialized values, copies them to the devices
 *     ...
 * }
 * }</pre>
 *
 * <p>The block being initialized before {@code newTrainer}, initializers in the training
 * configuration no longer apply to it: set them on the block ({@code block.setInitializer}) before
 * {@code block.initialize}.
 */
public final class DataInit {

    private static final String NAME = "DataInit";

    private DataInit() {}

    /**
     * Runs the data-dependent initialization pass of a network.
     *
     * <p>Afterwards the copy that {@code store} holds of every assigned parameter (on the device of
     * the store's manager, the one device a plain {@link ParameterStore} serves) equals the new
     * value, so {@code store} can be used for the next forward.
     *
     * @param block the network; must already be initialized with its input shapes
     * @param store the parameter store the network is used with afterwards, or {@code null}
     * @param batch the batch; its statistics determine the parameters
     * @return the network's output on the batch after initialization, attached to the batch's
     *     manager
     * @throws IllegalStateException if the block is not initialized
     * @throws IllegalArgumentException if the batch holds NaN or infinity, or a block cannot be
     *     initialized from it (nothing is changed then)
     */
    public static NDList initialize(Block block, ParameterStore store, NDList batch) {
        BlockChecks.checkArgument(!batch.isEmpty(), NAME, "the batch is empty (no arrays)");
        Run run = run(block, batch);
        if (store != null) {
            copyToDevices(store, run.assigned, store.getManager().getDevice());
        }
        return run.output;
    }

    /**
     * Runs the data-dependent initialization pass of a model's network, before a {@code Trainer} is
     * created for the model (see the class documentation): the trainer created afterwards starts
     * from the initialized values on every device.
     *
     * @param model the model; its block must already be initialized with its input shapes, and no
     *     trainer of it may exist yet
     * @param batch the batch; its statistics determine the parameters
     * @return the network's output on the batch after initialization, attached to the batch's
     *     manager
     * @throws IllegalStateException if the model has no block or the block is not initialized
     * @throws IllegalArgumentException if the batch holds NaN or infinity, or a block cannot be
     *     initialized from it (nothing is changed then)
     */
    public static NDList initialize(Model model, NDList batch) {
        Block block = model.getBlock();
        BlockChecks.checkState(
                block != null, NAME, "model %s has no block (model.setBlock)", model.getName());
        return initialize(block, null, batch);
    }

    /**
     * Makes every device copy of the given parameters held by {@code store} equal to the
     * parameter's own array. Copies that are the parameter's array itself are left alone.
     *
     * @param store the parameter store
     * @param parameters the parameters to propagate
     * @param devices the devices whose copies are updated
     */
    public static void copyToDevices(
            ParameterStore store, Collection<Parameter> parameters, Device... devices) {
        for (Parameter parameter : parameters) {
            NDArray master = parameter.getArray();
            for (Device device : devices) {
                NDArray copy = store.getValue(parameter, device, true);
                if (copy != master) {
                    master.copyTo(copy);
                }
            }
        }
    }

    private static Run run(Block block, NDList batch) {
        BlockChecks.checkState(
                block.isInitialized(),
                NAME,
                "the network must be initialized with its input shapes before data-dependent"
                        + " init (block.initialize(manager, dataType, shapes))");
        NDManager owner = batch.head().getManager();
        try (NDManager scope = owner.newSubManager()) {
            batch.tempAttach(scope);
            String network = nameOf(block);
            for (int i = 0; i < batch.size(); i++) {
                NDArray x = batch.get(i);
                Shape shape = x.getShape();
                BlockChecks.checkArgument(
                        shape.dimension() == 0 || shape.get(0) > 0,
                        NAME,
                        "batch array %d of shape %s for %s is empty (N = 0); data-dependent init"
                                + " needs samples; no parameter was changed",
                        i,
                        shape,
                        network);
                BlockChecks.checkArgument(
                        !x.getDataType().isFloating() || Tensors.allFinite(x),
                        NAME,
                        "batch array %d of shape %s for %s holds NaN or infinity; no parameter"
                                + " was changed",
                        i,
                        shape,
                        network);
            }
            List<Pair<Parameter, NDArray>> state = snapshotState(block, scope);
            DataInitPass pass = new DataInitPass(scope);
            NDList output;
            try {
                output = block.forward(pass, batch, true);
            } catch (RuntimeException e) {
                pass.rollback();
                throw e;
            } finally {
                restoreState(state, pass.getAssigned());
            }
            output.attach(owner);
            return new Run(output, pass.getAssigned());
        }
    }

    /** The network's class name for messages (e.g. SequentialBlock, Discriminator). */
    private static String nameOf(Block block) {
        String simple = block.getClass().getSimpleName();
        return simple.isEmpty() ? block.getClass().getName() : simple;
    }

    /** Copies of the non-trainable parameters, which a training-mode forward may update. */
    private static List<Pair<Parameter, NDArray>> snapshotState(Block block, NDManager scope) {
        List<Pair<Parameter, NDArray>> state = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter parameter = p.getValue();
            if (!parameter.requiresGradient()) {
                NDArray copy = parameter.getArray().duplicate();
                copy.attach(scope);
                state.add(new Pair<>(parameter, copy));
            }
        }
        return state;
    }

    private static void restoreState(List<Pair<Parameter, NDArray>> state, Set<Parameter> keep) {
        for (Pair<Parameter, NDArray> s : state) {
            if (!keep.contains(s.getKey())) {
                s.getValue().copyTo(s.getKey().getArray());
            }
        }
    }

    /** The result of one pass. */
    private static final class Run {
        final NDList output;
        final Set<Parameter> assigned;

        Run(NDList output, Set<Parameter> assigned) {
            this.output = output;
            this.assigned = assigned;
        }
    }
}
