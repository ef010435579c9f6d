package io.github.djlgan.examples.soak;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.util.Tensors;
import io.github.djlgan.zoo.ImprovedGanMnist;

/**
 * The improved-gan MNIST GAN ({@link ImprovedGanMnist}'s generator and discriminator) trained with
 * improved-gan's semi-supervised losses and feature matching (Salimans et al., "Improved Techniques
 * for Training GANs", NIPS 2016; {@code train_mnist_feature_matching.py}), one {@link #step} at a
 * time.
 *
 * <p>Losses, with lse(l) = log Σ<sub>k</sub> exp l<sub>k</sub> over the 10 logits l of the
 * discriminator and f its features (last hidden layer):
 *
 * <pre>
 *   L_D = mean(lse(l(x_lab)) − l_y(x_lab))
 *         − ½ mean(lse(l(x_unl))) + ½ mean(softplus(lse(l(x_unl)))) + ½ mean(softplus(lse(l(G(z)))))
 *   L_G = mean over features of (mean_batch f(G(z')) − mean_batch f(x_unl))²
 * </pre>
 *
 * <p>Each network has its own {@link Trainer} with Adam. During the discriminator's update the
 * generator runs on detached parameters, and during the generator's update the discriminator does,
 * so neither network receives gradient from the other's update.
 *
 * <p>Memory discipline: every array of a step is created on, or derived from, the step's inputs, so
 * it belongs to the caller's per-step manager; the losses are written with array scalars ({@link
 * Tensors#scalar}), never {@code x.mul(number)}, because DJL 0.35.1's PyTorch engine frees a Java
 * number's tensor while autograd still holds it. (DJL's own {@code L2Loss} multiplies by a Java
 * number — its default weight ½ — and {@code SoftmaxCrossEntropyLoss} and {@code
 * SigmoidBinaryCrossEntropyLoss} do when their weight is not 1; the losses here avoid them.)
 */
public final class MnistGan implements AutoCloseable {

    private final Model gModel;
    private final Model dModel;
    private final Trainer g;
    private final Trainer d;

    /**
     * Builds both networks, initializes them for the batch size and runs the discriminator's
     * data-dependent initialization on {@code initBatch}.
     *
     * @param engine the engine name
     * @param batch the batch size
     * @param learningRate Adam's learning rate
     * @param initBatch images (N, 784) for {@link DataInit}; any manager
     */
    public MnistGan(String engine, int batch, float learningRate, NDArray initBatch) {
        gModel = Model.newInstance("generator", engine);
        dModel = Model.newInstance("discriminator", engine);
        gModel.setBlock(ImprovedGanMnist.generator());
        dModel.setBlock(ImprovedGanMnist.discriminator());
        g = gModel.newTrainer(config(learningRate));
        d = dModel.newTrainer(config(learningRate));
        g.initialize(new Shape(batch, ImprovedGanMnist.LATENT));
        d.initialize(new Shape(batch, ImprovedGanMnist.IMAGE));
        DataInit.initialize(d, new NDList(initBatch));
    }

    private static DefaultTrainingConfig config(float learningRate) {
        // the losses are computed by hand; the trainer's loss is never evaluated
        return new DefaultTrainingConfig(Loss.l1Loss())
                .optOptimizer(
                        Optimizer.adam()
                                .optLearningRateTracker(Tracker.fixed(learningRate))
                                .optBeta1(0.5f)
                                .build());
    }

    /**
     * One step: a discriminator update, then a generator update. Every array it creates is attached
     * to the manager of {@code xLab}, which the caller closes after the step.
     *
     * @param xLab labelled images (B, 784)
     * @param yLab their labels (B), integer
     * @param xUnl unlabelled images (B, 784)
     * @param z latent vectors for the discriminator's update (B, 100)
     * @param z2 latent vectors for the generator's update (B, 100)
     * @return {L_D, L_G}
     */
    public float[] step(NDArray xLab, NDArray yLab, NDArray xUnl, NDArray z, NDArray z2) {
        NDManager step = xLab.getManager();
        NDArray half = Tensors.scalar(xLab, 0.5);
        NDArray generated =
                gModel.getBlock().forward(new Detached(step), new NDList(z), true).head();
        float lossD;
        try (GradientCollector collector = d.newGradientCollector()) {
            NDArray lab = d.forward(new NDList(xLab)).head();
            NDArray unl = d.forward(new NDList(xUnl)).head();
            NDArray gen = d.forward(new NDList(generated)).head();
            NDArray picked =
                    lab.mul(yLab.oneHot(ImprovedGanMnist.CLASSES, lab.getDataType()))
                            .sum(new int[] {1});
            NDArray supervised = logSumExp(lab).sub(picked).mean();
            NDArray lseUnl = logSumExp(unl);
            NDArray unsupervised =
                    Activation.softPlus(lseUnl)
                            .sub(lseUnl)
                            .mean()
                            .add(Activation.softPlus(logSumExp(gen)).mean())
                            .mul(half);
            NDArray loss = supervised.add(unsupervised);
            collector.backward(loss);
            lossD = loss.getFloat();
        }
        d.step();
        float lossG;
        ImprovedGanMnist.Discriminator disc = (ImprovedGanMnist.Discriminator) dModel.getBlock();
        try (GradientCollector collector = g.newGradientCollector()) {
            NDArray fake = g.forward(new NDList(z2)).head();
            ParameterStore frozen = new Detached(step);
            NDArray fGen = disc.features().forward(frozen, new NDList(fake), true).head();
            NDArray fReal = disc.features().forward(frozen, new NDList(xUnl), true).head();
            NDArray loss =
                    fGen.mean(new int[] {0})
                            .sub(fReal.mean(new int[] {0}).stopGradient())
                            .square()
                            .mean();
            collector.backward(loss);
            lossG = loss.getFloat();
        }
        g.step();
        return new float[] {lossD, lossG};
    }

    /** lse over the class axis, computed as m + log Σ exp(l − m). */
    private static NDArray logSumExp(NDArray logits) {
        NDArray max = logits.max(new int[] {1}, true).stopGradient();
        return logits.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
    }

    /**
     * Returns the generator's model.
     *
     * @return the generator's model
     */
    public Model generator() {
        return gModel;
    }

    /**
     * Returns the discriminator's model.
     *
     * @return the discriminator's model
     */
    public Model discriminator() {
        return dModel;
    }

    /**
     * Counts the arrays held by both models' managers (parameters, gradients, optimizer state and
     * anything a block leaked onto them). Constant from step to step in a leak-free loop.
     *
     * @return the number of arrays
     */
    public int modelArrays() {
        return gModel.getNDManager().getManagedArrays().size()
                + dModel.getNDManager().getManagedArrays().size();
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        g.close();
        d.close();
        gModel.close();
        dModel.close();
    }

    /**
     * Hands a block detached views of its parameters ({@link NDArray#stopGradient()}), attached to
     * the step's manager: a forward pass through it lets the gradient reach the block's input but
     * not its parameters. (On DJL's PyTorch engine gradients accumulate until an optimizer update,
     * so the other network must not collect any.)
     */
    private static final class Detached extends ParameterStore {

        private final NDManager scope;

        Detached(NDManager scope) {
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
            NDArray detached = value.stopGradient();
            detached.attach(scope);
            return detached;
        }
    }
}
