package io.github.djlgan.examples.fashion;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import io.github.djlgan.examples.gan.ImprovedGan;
import io.github.djlgan.examples.gan.SemiSupervisedObjective;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;

/**
 * Semi-supervised GAN with feature matching, after improved-gan's MNIST setup (Salimans et al.,
 * "Improved Techniques for Training GANs", NIPS 2016, §3.1 and §5; {@code
 * train_mnist_feature_matching.py}), plus a supervised-only baseline with the same classifier.
 *
 * <p>The GAN — networks, losses and training step — is {@link ImprovedGan}: {@link
 * ImprovedGanMnist}'s discriminator (data-initialized with {@link DataInit} on 500 training images)
 * and generator.
 *
 * <p>The baseline is the same classifier trained with L_lab alone on the same labelled batches, for
 * the same number of steps, with the same optimizer.
 */
public final class SemiSupervisedGan implements AutoCloseable {

    private final ImprovedGan gan;
    private final Model bModel;
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
     * @param seed the seed of the GAN's latent stream
     */
    public SemiSupervisedGan(
            Engine engine,
            int batch,
            float learningRate,
            float beta1,
            NDArray initBatch,
            long seed) {
        gan = new ImprovedGan(engine.getEngineName(), batch, learningRate, beta1, initBatch, seed);
        bModel = Model.newInstance("baseline", engine.getEngineName());
        bModel.setBlock(ImprovedGanMnist.discriminator());
        bModel.getBlock()
                .initialize(
                        bModel.getNDManager(),
                        bModel.getDataType(),
                        new Shape(batch, ImprovedGanMnist.IMAGE));
        // before the trainer exists: MXNet's parameter server copies the weights when it does
        DataInit.initialize(bModel, new NDList(initBatch)).close();
        baseline = bModel.newTrainer(ImprovedGan.config("baseline_loss", learningRate, beta1));
        baseline.initialize(new Shape(batch, ImprovedGanMnist.IMAGE));
    }

    /**
     * One step of the GAN ({@link ImprovedGan#step}).
     *
     * @param xLab labelled images (B, 784)
     * @param yLab their labels (B), int
     * @param xUnl unlabelled images (B, 784)
     * @param xUnl2 other unlabelled images (B, 784), for the generator's update
     * @return {L_lab, L_unl, L_G}
     */
    public float[] step(NDArray xLab, NDArray yLab, NDArray xUnl, NDArray xUnl2) {
        return gan.step(xLab, yLab, xUnl, xUnl2);
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
            NDArray ce = SemiSupervisedObjective.crossEntropy(logits, yLab);
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
        NDArray baselineLogits =
                bModel.getBlock()
                        .forward(new ParameterStore(x.getManager(), false), new NDList(x), false)
                        .head();
        return new long[] {hits(gan.logits(x), y), hits(baselineLogits, y)};
    }

    private static long hits(NDArray logits, NDArray y) {
        return logits.argMax(1).toType(DataType.INT32, false).eq(y).sum().getLong();
    }

    /**
     * Generates images in inference mode (batch norm uses its running averages).
     *
     * @param z latent vectors (N, 100)
     * @return the images (N, 784) in [0, 1], attached to z's manager
     */
    public NDArray generate(NDArray z) {
        return gan.generate(z);
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        baseline.close();
        bModel.close();
        gan.close();
    }
}
