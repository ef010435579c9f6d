package io.github.djlgan.examples.fashion;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
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
import io.github.djlgan.examples.gan.DetachedParameterStore;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.util.Tensors;
import io.github.djlgan.zoo.ImprovedGanMnist;

/**
 * Semi-supervised GAN with feature matching, after improved-gan's MNIST setup (Salimans et al.,
 * "Improved Techniques for Training GANs", NIPS 2016, §3.1 and §5; {@code
 * train_mnist_feature_matching.py}), plus a supervised-only baseline with the same classifier.
 *
 * <p>The networks are the project's {@link ImprovedGanMnist}: a discriminator of GaussianNoise and
 * WeightNorm layers (data-initialized with {@link DataInit} on 500 training images), whose 10
 * logits l are the K = 10 real classes (the K+1-th, "generated", has logit 0), and a generator of
 * LasagneBatchNorm layers with a WeightNorm output layer, fed z ~ U(0, 1)<sup>100</sup>.
 *
 * <p>Losses, with lse(l) = log Σ<sub>k</sub> exp l<sub>k</sub> and f the discriminator's features
 * (its last hidden layer):
 *
 * <pre>
 *   L_lab = mean(lse(l(x_lab)) − l_y(x_lab))                      (cross-entropy on labelled data)
 *   L_unl = −½ mean(lse(l(x_unl))) + ½ mean(softplus(lse(l(x_unl))))
 *           + ½ mean(softplus(lse(l(G(z)))))
 *   L_D   = L_lab + L_unl
 *   L_G   = mean over features of (mean_batch f(G(z)) − mean_batch f(x_unl'))²   (feature matching)
 * </pre>
 *
 * <p>The baseline is the same classifier trained with L_lab alone on the same labelled batches, for
 * the same number of steps, with the same optimizer. The generator's update runs the discriminator
 * on a {@link DetachedParameterStore}, so the discriminator gets no gradient from it.
 */
public final class SemiSupervisedGan implements AutoCloseable {

    private final Model gModel;
    private final Model dModel;
    private final Model bModel;
    private final Trainer g;
    private final Trainer d;
    private final Trainer baseline;

    /**
     * Builds and initializes the three networks (generator, discriminator, baseline classifier).
     *
     * @param engine the engine
     * @param batch the batch size
     * @param learningRate Adam's learning rate (all three networks)
     * @param beta1 Adam's β₁
     * @param initBatch a batch of training images (N, 784) for the data-dependent initialization of
     *     both classifiers
     */
    public SemiSupervisedGan(
            Engine engine, int batch, float learningRate, float beta1, NDArray initBatch) {
        gModel = Model.newInstance("generator", engine.getEngineName());
        dModel = Model.newInstance("discriminator", engine.getEngineName());
        bModel = Model.newInstance("baseline", engine.getEngineName());
        gModel.setBlock(ImprovedGanMnist.generator());
        dModel.setBlock(ImprovedGanMnist.discriminator());
        bModel.setBlock(ImprovedGanMnist.discriminator());
        g = gModel.newTrainer(config(learningRate, beta1));
        d = dModel.newTrainer(config(learningRate, beta1));
        baseline = bModel.newTrainer(config(learningRate, beta1));
        g.initialize(new Shape(batch, ImprovedGanMnist.LATENT));
        d.initialize(new Shape(batch, ImprovedGanMnist.IMAGE));
        baseline.initialize(new Shape(batch, ImprovedGanMnist.IMAGE));
        DataInit.initialize(d, new NDList(initBatch));
        DataInit.initialize(baseline, new NDList(initBatch));
    }

    private static DefaultTrainingConfig config(float learningRate, float beta1) {
        // losses are computed by hand; the trainer's loss is never evaluated
        return new DefaultTrainingConfig(Loss.l2Loss())
                .optOptimizer(
                        Optimizer.adam()
                                .optLearningRateTracker(Tracker.fixed(learningRate))
                                .optBeta1(beta1)
                                .build());
    }

    /**
     * One step of the GAN: a discriminator update on a labelled, an unlabelled and a generated
     * batch, then a generator update by feature matching against a second unlabelled batch.
     *
     * @param xLab labelled images (B, 784)
     * @param yLab their labels (B), int
     * @param xUnl unlabelled images (B, 784)
     * @param xUnl2 other unlabelled images (B, 784), for the generator's update
     * @param z latent vectors for the discriminator's update (B, 100)
     * @param z2 latent vectors for the generator's update (B, 100)
     * @return {L_lab, L_unl, L_G}
     */
    public float[] step(
            NDArray xLab, NDArray yLab, NDArray xUnl, NDArray xUnl2, NDArray z, NDArray z2) {
        NDManager s = xLab.getManager();
        NDArray half = Tensors.scalar(xLab, 0.5);
        // the generator runs on detached parameters: no gradient reaches it in this update
        NDArray generated =
                gModel.getBlock()
                        .forward(new DetachedParameterStore(s), new NDList(z), true)
                        .head();
        float lossLab;
        float lossUnl;
        try (GradientCollector collector = d.newGradientCollector()) {
            NDArray lab = d.forward(new NDList(xLab)).head();
            NDArray unl = d.forward(new NDList(xUnl)).head();
            NDArray gen = d.forward(new NDList(generated)).head();
            NDArray supervised = crossEntropy(lab, yLab);
            NDArray lseUnl = logSumExp(unl);
            NDArray lseGen = logSumExp(gen);
            NDArray unsupervised =
                    Activation.softPlus(lseUnl)
                            .sub(lseUnl)
                            .mean()
                            .add(Activation.softPlus(lseGen).mean())
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
     * One step of the supervised-only baseline on a labelled batch.
     *
     * @param xLab labelled images (B, 784)
     * @param yLab their labels (B), int
     * @return the cross-entropy
     */
    public float baselineStep(NDArray xLab, NDArray yLab) {
        float loss;
        try (GradientCollector collector = baseline.newGradientCollector()) {
            NDArray logits = baseline.forward(new NDList(xLab)).head();
            NDArray ce = crossEntropy(logits, yLab);
            collector.backward(ce);
            loss = ce.getFloat();
        }
        baseline.step();
        return loss;
    }

    /**
     * Counts correct predictions of the GAN's discriminator and of the baseline (inference mode: no
     * noise).
     *
     * @param x images (N, 784)
     * @param y labels (N), int
     * @return {correct by the GAN's classifier, correct by the baseline}
     */
    public long[] correct(NDArray x, NDArray y) {
        NDManager s = x.getManager();
        long[] out = new long[2];
        Model[] models = {dModel, bModel};
        for (int i = 0; i < 2; i++) {
            NDArray logits =
                    models[i]
                            .getBlock()
                            .forward(new ParameterStore(s, false), new NDList(x), false)
                            .head();
            out[i] = logits.argMax(1).toType(DataType.INT32, false).eq(y).sum().getLong();
        }
        return out;
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

    /** lse over the class axis: log Σ exp l, computed as m + log Σ exp(l − m). */
    static NDArray logSumExp(NDArray logits) {
        NDArray max = logits.max(new int[] {1}, true).stopGradient();
        return logits.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
    }

    /** mean over the batch of lse(l) − l_y. */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray picked = logits.mul(labels.oneHot(ImprovedGanMnist.CLASSES)).sum(new int[] {1});
        return logSumExp(logits).sub(picked).mean();
    }

    public void debugParams() {
        for (Model m : new Model[] {gModel, dModel}) {
            for (var p : m.getBlock().getParameters()) {
                NDArray a = p.getValue().getArray();
                System.out.printf(
                        "%s %s %s maxabs %.4g grad %.4g%n",
                        m.getName(),
                        p.getKey(),
                        a.getShape(),
                        a.abs().max().getFloat(),
                        a.hasGradient() ? a.getGradient().abs().max().getFloat() : -1f);
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        g.close();
        d.close();
        baseline.close();
        gModel.close();
        dModel.close();
        bModel.close();
    }
}
