package io.github.djlgan.examples.gan;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.training.DetachedParameterStore;
import io.github.djlgan.util.Tensors;
import io.github.djlgan.zoo.ImprovedGanMnist;

/**
 * improved-gan's semi-supervised GAN with feature matching (Salimans et al., "Improved Techniques
 * for Training GANs", NIPS 2016, §3.1 and §5; {@code train_mnist_feature_matching.py}) on the
 * project's {@link ImprovedGanMnist} networks, one {@link #step} at a time. Used by the {@code
 * fashion-mnist} example, the {@code soak} memory test and the {@code gan_step} benchmark.
 *
 * <p>The discriminator (GaussianNoise and WeightNorm layers, data-initialized with {@link
 * DataInit}) has 10 logits l, the K = 10 real classes (the K+1-th, "generated", has logit 0); the
 * generator (LasagneBatchNorm layers, WeightNorm output layer) is fed z ~ U(0, 1)<sup>100</sup>.
 * Losses, with lse(l) = log Σ<sub>k</sub> exp l<sub>k</sub> and f the discriminator's features (its
 * last hidden layer):
 *
 * <pre>
 *   L_lab = mean(lse(l(x_lab)) − l_y(x_lab))                      (cross-entropy on labelled data)
 *   L_unl = −½ mean(lse(l(x_unl))) + ½ mean(softplus(lse(l(x_unl))))
 *           + ½ mean(softplus(lse(l(G(z)))))
 *   L_D   = L_lab + L_unl
 *   L_G   = mean over features of (mean_batch f(G(z')) − mean_batch f(x_unl'))²   (feature matching)
 * </pre>
 *
 * <p>The discriminator's update runs the labelled, unlabelled and generated batches through the
 * discriminator as one concatenated batch: its layers treat samples independently, so this equals
 * three passes and runs faster.
 *
 * <p>Each network has its own {@link Trainer} with Adam. During the discriminator's update the
 * generator runs on a {@link DetachedParameterStore}, and during the generator's update the
 * discriminator does, so neither network receives gradient from the other's update.
 *
 * <p>Memory discipline: every array of a step is created on, or derived from, the step's inputs, so
 * it belongs to the caller's per-step manager; the losses are written with array scalars ({@link
 * Tensors#scalar}), never {@code x.mul(number)}, because DJL 0.35.1's PyTorch engine frees a Java
 * number's tensor while autograd still holds it.
 */
public final class ImprovedGan implements AutoCloseable {

    /** improved-gan's Adam learning rate, 0.0003. */
    public static final float LEARNING_RATE = 3e-4f;

    /** improved-gan's Adam β₁, 0.5. */
    public static final float BETA1 = 0.5f;

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
     * @param learningRate Adam's learning rate (both networks)
     * @param beta1 Adam's β₁
     * @param initBatch training images (N, 784) for {@link DataInit}; any manager
     */
    public ImprovedGan(
            String engine, int batch, float learningRate, float beta1, NDArray initBatch) {
        gModel = Model.newInstance("generator", engine);
        dModel = Model.newInstance("discriminator", engine);
        gModel.setBlock(ImprovedGanMnist.generator());
        dModel.setBlock(ImprovedGanMnist.discriminator());
        g = gModel.newTrainer(adam(learningRate, beta1));
        d = dModel.newTrainer(adam(learningRate, beta1));
        g.initialize(new Shape(batch, ImprovedGanMnist.LATENT));
        d.initialize(new Shape(batch, ImprovedGanMnist.IMAGE));
        DataInit.initialize(d, new NDList(initBatch));
    }

    /**
     * The training configuration of every network here: Adam with a fixed learning rate. The losses
     * are computed by hand; the configuration's loss is never evaluated.
     *
     * @param learningRate the learning rate
     * @param beta1 Adam's β₁
     * @return the configuration
     */
    public static DefaultTrainingConfig adam(float learningRate, float beta1) {
        return new DefaultTrainingConfig(Loss.l1Loss())
                .optOptimizer(
                        Optimizer.adam()
                                .optLearningRateTracker(Tracker.fixed(learningRate))
                                .optBeta1(beta1)
                                .build());
    }

    /**
     * One step: a discriminator update on a labelled, an unlabelled and a generated batch, then a
     * generator update by feature matching against a second unlabelled batch. Every array it
     * creates belongs to the manager of {@code xLab}, which the caller closes after the step.
     *
     * @param xLab labelled images (B, 784)
     * @param yLab their labels (B), integer
     * @param xUnl unlabelled images (B, 784)
     * @param xUnl2 unlabelled images (B, 784) for the generator's update (may be {@code xUnl})
     * @param z latent vectors for the discriminator's update (B, 100)
     * @param z2 latent vectors for the generator's update (B, 100)
     * @return {L_lab, L_unl, L_G}
     */
    public float[] step(
            NDArray xLab, NDArray yLab, NDArray xUnl, NDArray xUnl2, NDArray z, NDArray z2) {
        NDManager s = xLab.getManager();
        NDArray half = Tensors.scalar(xLab, 0.5);
        NDArray generated =
                gModel.getBlock()
                        .forward(new DetachedParameterStore(s), new NDList(z), true)
                        .head();
        float lossLab;
        float lossUnl;
        try (GradientCollector collector = d.newGradientCollector()) {
            // the three batches in one pass: the discriminator treats samples independently
            // (element-wise noise, dense layers), and one (3B, 784) product runs faster than three
            long n = xLab.getShape().get(0);
            NDList logits =
                    d.forward(new NDList(NDArrays.concat(new NDList(xLab, xUnl, generated))))
                            .head()
                            .split(new long[] {n, n + xUnl.getShape().get(0)});
            NDArray lab = logits.get(0);
            NDArray unl = logits.get(1);
            NDArray gen = logits.get(2);
            NDArray supervised = crossEntropy(lab, yLab);
            NDArray lseUnl = logSumExp(unl);
            NDArray unsupervised =
                    Activation.softPlus(lseUnl)
                            .sub(lseUnl)
                            .mean()
                            .add(Activation.softPlus(logSumExp(gen)).mean())
                            .mul(half);
            collector.backward(supervised.add(unsupervised));
            lossLab = supervised.getFloat();
            lossUnl = unsupervised.getFloat();
        }
        d.step();
        float lossGen;
        ImprovedGanMnist.Discriminator disc = (ImprovedGanMnist.Discriminator) dModel.getBlock();
        try (GradientCollector collector = g.newGradientCollector()) {
            NDArray fake = g.forward(new NDList(z2)).head();
            ParameterStore frozen = new DetachedParameterStore(s);
            NDArray fGen = disc.features().forward(frozen, new NDList(fake), true).head();
            NDArray fReal = disc.features().forward(frozen, new NDList(xUnl2), true).head();
            NDArray loss = fGen.mean(new int[] {0}).sub(fReal.mean(new int[] {0})).square().mean();
            collector.backward(loss);
            lossGen = loss.getFloat();
        }
        g.step();
        return new float[] {lossLab, lossUnl, lossGen};
    }

    /**
     * The discriminator's class logits in inference mode (no noise).
     *
     * @param x images (N, 784)
     * @return the logits (N, 10), attached to x's manager
     */
    public NDArray logits(NDArray x) {
        return dModel.getBlock()
                .forward(new ParameterStore(x.getManager(), false), new NDList(x), false)
                .head();
    }

    /**
     * Generates images in inference mode (batch norm uses its running averages).
     *
     * @param z latent vectors (N, 100)
     * @return the images (N, 784) in [0, 1], attached to z's manager
     */
    public NDArray generate(NDArray z) {
        return gModel.getBlock()
                .forward(new ParameterStore(z.getManager(), false), new NDList(z), false)
                .head();
    }

    /**
     * Random images, uniform on [0, 1): stand-ins where time and memory do not depend on the pixels
     * (the soak and the benchmark).
     *
     * @param manager the manager of the result
     * @param n the number of images
     * @return (n, 784), float32
     */
    public static NDArray randomImages(NDManager manager, int n) {
        return manager.randomUniform(
                0f, 1f, new Shape(n, ImprovedGanMnist.IMAGE), DataType.FLOAT32);
    }

    /**
     * Latent vectors z ~ U(0, 1)<sup>100</sup>, as improved-gan draws them.
     *
     * @param manager the manager of the result
     * @param n the number of vectors
     * @return (n, 100), float32
     */
    public static NDArray randomLatent(NDManager manager, int n) {
        return manager.randomUniform(
                0f, 1f, new Shape(n, ImprovedGanMnist.LATENT), DataType.FLOAT32);
    }

    /**
     * lse over the class axis: log Σ exp l, computed as m + log Σ exp(l − m).
     *
     * @param logits (N, K)
     * @return (N)
     */
    public static NDArray logSumExp(NDArray logits) {
        NDArray max = logits.max(new int[] {1}, true).stopGradient();
        return logits.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
    }

    /**
     * The mean over the batch of lse(l) − l<sub>y</sub>: softmax cross-entropy.
     *
     * @param logits (N, K)
     * @param labels (N), integer
     * @return the scalar loss
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray picked =
                logits.mul(labels.oneHot(ImprovedGanMnist.CLASSES, logits.getDataType()))
                        .sum(new int[] {1});
        return logSumExp(logits).sub(picked).mean();
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
}
