package io.github.djlgan.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * A parameter store that hands a block detached copies of its parameters ({@link
 * NDArray#stopGradient()}), so that a forward pass through it inside a gradient collector lets the
 * gradient reach the block's <em>input</em> but not its parameters.
 *
 * <p>This is what the generator's update needs: the generator's loss is computed through the
 * discriminator, but the discriminator must neither be stepped nor accumulate gradient from it. (On
 * DJL's PyTorch engine gradients accumulate until an optimizer update zeroes them, so a
 * discriminator run with its own parameter store during the generator's update would carry the
 * generator's gradient into its next update.)
 *
 * <p>Parameters that take no gradient (the running averages of batch norm) are handed out as they
 * are, not detached: they are outside autograd anyway, and a block that updates them in place (as
 * {@code LasagneBatchNorm} does in training) must update the parameter itself on every engine — a
 * detached array shares the parameter's memory on PyTorch but is a copy on MXNet.
 *
 * <p>The detached arrays are attached to the store's manager, which should be the manager of the
 * training step (closed after the step), so nothing is left on the parameters' manager:
 *
 * <pre>{@code
 * try (NDManager step = manager.newSubManager();
 *         GradientCollector collector = generatorTrainer.newGradientCollector()) {
 *     NDArray fake = generatorTrainer.forward(new NDList(z)).head();
 *     NDList scores = discriminator.forward(new DetachedParameterStore(step), new NDList(fake), true);
 *     collector.backward(generatorLoss(scores)); // reaches the generator's parameters only
 * }
 * generatorTrainer.step();
 * }</pre>
 *
 * <p>Without a parent the store hands out the parameters' own arrays (moved to the requested device
 * when they live elsewhere). With a parent — the store a block was called with, when the block runs
 * a part of itself detached — it detaches the parent's values; a data-dependent initialization pass
 * then reaches the blocks below it ({@link WrappingParameterStore#getParent()}).
 */
public final class DetachedParameterStore extends WrappingParameterStore {

    private final NDManager scope;

    /**
     * Creates a store that detaches the parameters' own arrays; the detached arrays live on {@code
     * scope}.
     *
     * @param scope the manager of the current step
     */
    public DetachedParameterStore(NDManager scope) {
        this(new OwnArrays(scope), scope);
    }

    /**
     * Creates a store that detaches the values of {@code parent}; the detached arrays live on
     * {@code scope}.
     *
     * @param parent the store whose values are detached
     * @param scope the manager of the current step
     */
    public DetachedParameterStore(ParameterStore parent, NDManager scope) {
        super(parent, scope);
        this.scope = scope;
    }

    /** {@inheritDoc} */
    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
        NDArray value = super.getValue(parameter, device, training);
        if (value == null || !parameter.requiresGradient()) {
            return value;
        }
        NDArray detached = value.stopGradient();
        detached.attach(scope);
        return detached;
    }

    /** The parameters' own arrays, moved to the requested device if they live elsewhere. */
    private static final class OwnArrays extends ParameterStore {

        private final NDManager scope;

        OwnArrays(NDManager scope) {
            super(scope, false);
            this.scope = scope;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            if (parameter == null) {
                return null;
            }
            NDArray value = parameter.getArray();
            if (!value.getDevice().equals(device)) {
                value = value.toDevice(device, true);
                value.attach(scope);
            }
            return value;
        }
    }
}
