package io.github.djlgan.examples.modes;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.training.Adam;
import io.github.djlgan.training.GanStepResult;
import io.github.djlgan.training.GanTrainer;
import io.github.djlgan.training.LatentSampler;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * One GAN run on a 2D {@link GaussianMixture}: an MLP generator against a {@link Variant}'s
 * discriminator, trained with the non-saturating GAN loss, Adam and a fixed number of steps.
 *
 * <p>Trained by a {@link GanTrainer}: each step updates the discriminator once, on a real and a
 * generated batch passed separately (so a minibatch layer sees either real or generated samples,
 * never a mix), with the non-saturating loss, then the generator once, on a fresh latent batch.
 * Real samples come from a {@code java.util.Random} seeded with the run's seed and latent vectors
 * from the trainer's Java latent stream with the same seed, so the data are the same on every
 * engine; the networks see the points divided by {@link GaussianMixture#scale()} and the generated
 * samples are multiplied back before they are returned; weights are initialized by the engine's
 * generator, seeded with the same seed.
 *
 * <p>Before the first step, {@link GanTrainer#dataInit} runs the discriminator once on a real batch
 * (this sets up {@code WeightNorm} and {@code MinibatchDiscrimination}; for the other variants it
 * changes nothing). All arrays of a step live in a sub-manager closed at the end of the step.
 */
public final class ToyGan {

    /**
     * The sizes and hyper-parameters of a run.
     *
     * @param hidden units per hidden layer (generator and discriminator)
     * @param layers hidden layers (generator and discriminator)
     * @param latent dimension of the generator's standard normal input
     * @param batch batch size (real and generated)
     * @param steps discriminator + generator updates
     * @param learningRateD the discriminator's Adam learning rate
     * @param learningRateG the generator's Adam learning rate
     * @param beta1 Adam's β₁ (both networks)
     * @param decay whether both learning rates decay linearly to 0 over the run
     * @param dataInit whether data-dependent init runs on a real batch before training
     * @param kernels minibatch discrimination kernels
     * @param kernelDim minibatch discrimination dimension per kernel
     * @param groupSize minibatch std-dev group size (0 = whole batch)
     * @param evalSamples generated samples drawn for the metrics and the plot
     */
    public record Settings(
            int hidden,
            int layers,
            int latent,
            int batch,
            int steps,
            float learningRateD,
            float learningRateG,
            float beta1,
            boolean decay,
            boolean dataInit,
            int kernels,
            int kernelDim,
            int groupSize,
            int evalSamples) {}

    /**
     * The outcome of a run.
     *
     * @param samples the generated evaluation samples, flat x0, y0, x1, y1, …
     * @param lossD the discriminator's loss at the last step
     * @param lossG the generator's loss at the last step
     * @param seconds wall-clock training time
     */
    public record Result(float[] samples, float lossD, float lossG, double seconds) {}

    private ToyGan() {}

    /**
     * Trains one GAN and draws samples from it.
     *
     * @param engine the engine to run on
     * @param mixture the real distribution
     * @param variant the discriminator variant
     * @param settings sizes and hyper-parameters
     * @param seed the seed of the data, the latent vectors and the weights
     * @param onStep called with the number of finished steps after every step
     * @return the generated samples and the final losses
     */
    public static Result train(
            Engine engine,
            GaussianMixture mixture,
            Variant variant,
            Settings settings,
            long seed,
            IntConsumer onStep) {
        engine.setRandomSeed((int) seed);
        Random random = new Random(seed);
        int batch = settings.batch();
        long start = System.nanoTime();
        try (Model gModel = Model.newInstance("generator", engine.getEngineName());
                Model dModel = Model.newInstance("discriminator", engine.getEngineName())) {
            gModel.setBlock(generator(settings));
            dModel.setBlock(variant.discriminator(settings));
            try (GanTrainer gan =
                            GanTrainer.builder()
                                    .setGenerator(gModel)
                                    .setDiscriminator(dModel)
                                    .optLatent(
                                            LatentSampler.normal(settings.latent()).withSeed(seed))
                                    .optGeneratorConfig(config(settings.learningRateG(), settings))
                                    .optDiscriminatorConfig(
                                            config(settings.learningRateD(), settings))
                                    .build();
                    NDManager base = engine.newBaseManager()) {
                gan.initialize(new Shape(batch, 2));
                if (settings.dataInit()) {
                    try (NDManager init = base.newSubManager()) {
                        gan.dataInit(new NDList(real(init, mixture, random, batch)));
                    }
                }
                GanStepResult last = null;
                for (int step = 0; step < settings.steps(); step++) {
                    try (NDManager s = base.newSubManager()) {
                        last = gan.step(new NDList(real(s, mixture, random, batch)));
                    }
                    onStep.accept(step + 1);
                }
                float[] samples;
                try (NDManager s = base.newSubManager()) {
                    samples =
                            gan.sample(s, settings.evalSamples())
                                    .mul(mixture.scale())
                                    .toFloatArray();
                }
                return new Result(
                        samples,
                        last == null ? Float.NaN : last.getDiscriminatorLoss(),
                        last == null ? Float.NaN : last.getGeneratorLoss(),
                        (System.nanoTime() - start) / 1e9);
            }
        }
    }

    /** The generator: hidden layers of Linear + ReLU, then a Linear(2) output. */
    static Block generator(Settings settings) {
        SequentialBlock g = new SequentialBlock();
        for (int i = 0; i < settings.layers(); i++) {
            g.add(linear(settings.hidden(), i == 0 ? settings.latent() : settings.hidden()))
                    .add(Activation::relu);
        }
        return g.add(linear(2, settings.hidden()));
    }

    /**
     * A Linear layer whose bias starts as PyTorch's {@code nn.Linear} does, uniform in ±1/√fanIn
     * (DJL starts biases at 0, which makes a ReLU network positively homogeneous at first: its
     * output is a fan of rays through the origin, and it takes long to learn its way out).
     */
    static Linear linear(int units, int fanIn) {
        Linear linear = Linear.builder().setUnits(units).build();
        linear.setInitializer(
                new UniformInitializer((float) (1 / Math.sqrt(fanIn))), Parameter.Type.BIAS);
        return linear;
    }

    private static DefaultTrainingConfig config(float learningRate, Settings settings) {
        int steps = settings.steps();
        // update n = 1, 2, ...: lr · (1 − (n − 1)/steps)
        Tracker tracker =
                settings.decay()
                        ? n -> learningRate * Math.max(0f, 1f - (float) (n - 1) / steps)
                        : Tracker.fixed(learningRate);
        return GanTrainer.config(
                "loss",
                Adam.builder().optLearningRateTracker(tracker).optBeta1(settings.beta1()).build());
    }

    /** Real samples in the networks' coordinates: divided by the mixture's scale. */
    private static NDArray real(NDManager m, GaussianMixture mixture, Random random, int n) {
        float[] points = mixture.sample(random, n);
        float scale = (float) mixture.scale();
        for (int i = 0; i < points.length; i++) {
            points[i] /= scale;
        }
        return m.create(points, new Shape(n, 2));
    }
}
