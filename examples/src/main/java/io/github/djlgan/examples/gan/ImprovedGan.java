package io.github.djlgan.examples.gan;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.training.Adam;
import io.github.djlgan.training.GanStepResult;
import io.github.djlgan.training.GanTrainer;
import io.github.djlgan.training.LatentSampler;
import io.github.djlgan.training.RandomLatentSampler;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;

/**
 * improved-gan's semi-supervised GAN with feature matching (Salimans et al., "Improved Techniques
 * for Training GANs", NIPS 2016; {@code train_mnist_feature_matching.py}) on the project's {@link
 * ImprovedGanMnist} networks, trained by a {@link GanTrainer} with the {@link
 * SemiSupervisedObjective}. Used by the {@code fashion-mnist} example, the {@code soak} memory test
 * and the {@code gan_step} benchmark.
 *
 * <p>As in improved-gan: the discriminator is data-initialized on a batch of training images, the
 * generator is not; latents z ~ U(0, 1)<sup>100</sup>; Adam with improved-gan's {@link
 * #LEARNING_RATE} and {@link #BETA1} for both networks; one discriminator update, then one
 * generator update, per step. (improved-gan's Adam adds its ε = 1e-8 inside the square root, to the
 * bias-corrected second moment; this project's {@link Adam} adds it to √v, as DJL's and
 * TensorFlow's do.)
 */
public final class ImprovedGan implements AutoCloseable {

    /**
     * improved-gan's Adam learning rate, for both networks: {@code lr = 0.003} at line 122 of
     * {@code mnist_svhn_cifar10/train_mnist_feature_matching.py} (openai/improved-gan, commit
     * 4f5d1ec).
     */
    public static final float LEARNING_RATE = 0.003f;

    /** improved-gan's Adam β₁ ({@code mom1=0.5}). */
    public static final float BETA1 = 0.5f;

    private final Model gModel;
    private final Model dModel;
    private final GanTrainer trainer;

    /**
     * Builds both networks and their trainer, initializes them for the batch size and runs the
     * discriminator's data-dependent initialization on {@code initBatch}.
     *
     * @param engine the engine name
     * @param batch the batch size
     * @param learningRate Adam's learning rate (both networks)
     * @param beta1 Adam's β₁
     * @param initBatch training images (N, 784) for the discriminator's data-dependent init
     * @param seed the seed of the latent stream
     */
    public ImprovedGan(
            String engine,
            int batch,
            float learningRate,
            float beta1,
            NDArray initBatch,
            long seed) {
        gModel = Model.newInstance("generator", engine);
        dModel = Model.newInstance("discriminator", engine);
        gModel.setBlock(ImprovedGanMnist.generator());
        ImprovedGanMnist.Discriminator discriminator = ImprovedGanMnist.discriminator();
        dModel.setBlock(discriminator);
        trainer =
                GanTrainer.builder()
                        .setGenerator(gModel)
                        .setDiscriminator(dModel)
                        .optLoss(new SemiSupervisedObjective(discriminator))
                        .optLatent(latent(seed))
                        .optGeneratorConfig(config("generator_loss", learningRate, beta1))
                        .optDiscriminatorConfig(config("discriminator_loss", learningRate, beta1))
                        .optGeneratorDataInit(false)
                        .build();
        trainer.initialize(new Shape(batch, ImprovedGanMnist.IMAGE));
        trainer.dataInit(new NDList(initBatch));
    }

    /**
     * improved-gan's latents, U(0, 1)<sup>100</sup>, drawn in Java.
     *
     * @param seed the seed
     * @return the sampler
     */
    public static RandomLatentSampler latent(long seed) {
        return LatentSampler.uniform(0f, 1f, ImprovedGanMnist.LATENT).withSeed(seed);
    }

    /**
     * A network's training configuration: this project's {@link Adam} with a fixed learning rate.
     *
     * @param lossName the name listeners report the loss under
     * @param learningRate the learning rate
     * @param beta1 Adam's β₁
     * @return the configuration
     */
    public static DefaultTrainingConfig config(String lossName, float learningRate, float beta1) {
        return GanTrainer.config(lossName, adam(learningRate, beta1));
    }

    /**
     * This project's Adam with a fixed learning rate.
     *
     * @param learningRate the learning rate
     * @param beta1 Adam's β₁
     * @return the optimizer
     */
    public static Optimizer adam(float learningRate, float beta1) {
        return Adam.builder()
                .optLearningRateTracker(Tracker.fixed(learningRate))
                .optBeta1(beta1)
                .build();
    }

    /**
     * One step: a discriminator update on a labelled, an unlabelled and a generated batch, then a
     * generator update by feature matching against a second unlabelled batch. Every array it
     * creates is closed by the trainer.
     *
     * @param xLab labelled images (B, 784)
     * @param yLab their labels (B), integer
     * @param xUnl unlabelled images (B, 784)
     * @param xUnl2 unlabelled images (B, 784) for the generator's update (may be {@code xUnl})
     * @return {L_lab, L_unl, L_G}
     */
    public float[] step(NDArray xLab, NDArray yLab, NDArray xUnl, NDArray xUnl2) {
        GanStepResult r = trainer.step(new NDList(xUnl, xLab, yLab, xUnl2));
        return new float[] {
            r.getDiscriminatorExtras().get("L_lab"),
            r.getDiscriminatorExtras().get("L_unl"),
            r.getGeneratorLoss()
        };
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
        return trainer.sample(new NDList(z));
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
     * Returns the trainer.
     *
     * @return the trainer
     */
    public GanTrainer trainer() {
        return trainer;
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
        trainer.close();
        gModel.close();
        dModel.close();
    }
}
