package io.github.djlgan.training;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.nn.convolutional.Convolutions;
import io.github.djlgan.nn.convolutional.FilterPadding;
import io.github.djlgan.nn.gan.Pack;
import io.github.djlgan.util.BlockChecks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two-player GAN training: a generator and a discriminator {@link Model}, an objective, an update
 * schedule, and the options GAN practice adds (packing, a moving average of the generator, weight
 * clipping), with DJL's traps handled once.
 *
 * <pre>{@code
 * try (GanTrainer gan = GanTrainer.builder()
 *         .setGenerator(generator).setDiscriminator(discriminator)
 *         .optLatent(LatentSampler.normal(128))
 *         .build()) {
 *     gan.initialize(new Shape(64, 1, 28, 28));
 *     for (NDList batch : batches) {
 *         GanStepResult r = gan.step(batch);
 *     }
 *     NDArray images = gan.sample(manager, 16);
 * }
 * }</pre>
 *
 * <p><b>How a step avoids DJL's gradient traps.</b> DJL allows one {@code GradientCollector} at a
 * time, and on its PyTorch engine gradients accumulate in the parameters until an optimizer step
 * zeroes them. So in each network's update the other network runs on detached parameters ({@link
 * DetachedParameterStore}): the discriminator's update runs the generator detached to make its
 * generated batch, and the generator's update runs the discriminator detached, so the loss's
 * gradient reaches the generator through the discriminator's input but never the discriminator's
 * parameters. The discriminator sees the real and the generated batch in two separate passes, so
 * minibatch layers ({@code MinibatchStdDev}, {@code MinibatchDiscrimination}) never mix them. Every
 * array a step creates lives on a sub-manager of the batch's manager, closed when the step ends.
 *
 * <p><b>Schedules</b> ({@link GanSchedule}): alternating D-then-G (default), n<sub>critic</sub>
 * discriminator steps per generator step, or simultaneous updates from one forward pass of each
 * network. <b>Objectives</b>: {@link GanLoss} (non-saturating by default, minimax, hinge, least
 * squares, Wasserstein) or any {@link GanObjective}. <b>Packing</b> (PacGAN, {@link
 * Builder#optPacking(int)}): the discriminator sees m samples concatenated along axis 1; real and
 * generated samples are packed separately ({@link Pack}). <b>Generator EMA</b> ({@link
 * Builder#optGeneratorEma(float)}): {@link #sample} then draws from the average. <b>Weight
 * clipping</b> ({@link Builder#optWeightClipping(float)}): every trainable discriminator parameter
 * is clipped to [−c, c] after initialization and after every discriminator update (WGAN).
 *
 * <p><b>Divergence.</b> By default, before each network's update, a step checks that the network's
 * loss is finite, and throws an {@link IllegalStateException} naming the step, the network and the
 * loss instead of training on; a NaN gradient under a finite loss is caught one step later, or
 * before the update with {@link NonFiniteCheck#LOSSES_AND_GRADIENTS} ({@link
 * Builder#optCheckFinite(NonFiniteCheck)}).
 *
 * <p><b>Devices.</b> A GanTrainer trains on one device: the device of the batches, which must be
 * the device of both models' parameters (the first device of their {@code TrainingConfig}s).
 *
 * <p><b>Life cycle.</b> {@link #initialize} (the data shape; the latent shape comes from the
 * sampler), optionally {@link #dataInit} before the first step, or {@link #load} to resume; then
 * {@link #step} or {@link #fit}; {@link #save} at any time. The DJL {@link Trainer} of each network
 * is created at the first step (or by {@link #getDiscriminatorTrainer()}/{@link
 * #getGeneratorTrainer()}), after any data-dependent initialization or loading, so it holds the
 * parameters training starts from.
 */
public final class GanTrainer implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(GanTrainer.class);
    private static final String NAME = "GanTrainer";
    private static final String DISCRIMINATOR = "discriminator";
    private static final String GENERATOR = "generator";
    private static final String NOTHING_UPDATED = "no parameter was updated in this step";
    private static final String DISCRIMINATOR_UPDATED =
            "the discriminator's update of this step stands (the step is counted in getSteps()),"
                    + " the generator was not updated";

    private final Model generator;
    private final Model discriminator;
    private final GanObjective objective;
    private final TrainingConfig generatorConfig;
    private final TrainingConfig discriminatorConfig;
    private final LatentSampler latent;
    private final LatentSampler sampling;
    private final GanSchedule schedule;
    private final int packing;
    private final float emaDecay;
    private final float clip;
    private final boolean generatorDataInit;
    private final NonFiniteCheck checkFinite;

    private Shape dataShape;
    private Shape latentShape;
    private Shape discriminatorShape;
    private Trainer gTrainer;
    private Trainer dTrainer;
    private GeneratorEma ema;
    private long steps;
    private long generatorUpdates;
    private boolean closed;

    GanTrainer(Builder builder) {
        generator = builder.generator;
        discriminator = builder.discriminator;
        objective = builder.objective;
        generatorConfig = builder.generatorConfig;
        discriminatorConfig =
                builder.clip > 0
                        ? new ClippedConfig(builder.discriminatorConfig, builder.clip)
                        : builder.discriminatorConfig;
        latent = builder.latent;
        sampling = latent.withSeed(samplingSeed(latent));
        schedule = builder.schedule;
        packing = builder.packing;
        emaDecay = builder.emaDecay;
        clip = builder.clip;
        generatorDataInit = builder.generatorDataInit;
        checkFinite = builder.checkFinite;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A training configuration for one network of a GAN: the given optimizer, and a {@link
     * ReportedLoss} so that DJL's listeners show the loss the GAN step computed.
     *
     * @param lossName the name listeners show, e.g. {@code "discriminator_loss"}
     * @param optimizer the optimizer
     * @return the configuration, to which listeners can be added
     */
    public static DefaultTrainingConfig config(String lossName, Optimizer optimizer) {
        return new DefaultTrainingConfig(new ReportedLoss(lossName)).optOptimizer(optimizer);
    }

    /**
     * DCGAN's optimizer (Radford et al. 2016): {@link Adam} with learning rate 2e-4, β₁ = 0.5, β₂ =
     * 0.999, ε = 1e-8.
     *
     * @return a new optimizer
     */
    public static Adam dcganAdam() {
        return Adam.builder().optLearningRateTracker(Tracker.fixed(2e-4f)).optBeta1(0.5f).build();
    }

    /**
     * Initializes both networks for batches of real samples of the given shape: the generator for
     * latents (N, sampler shape…), the discriminator for (N/m, m·C, …) with packing m. On the
     * PyTorch engine on CPU, outside float64, logs a warning naming each DJL convolution of either
     * network whose float32 input gradient that engine may compute wrongly ({@link
     * Convolutions#needingFilterPadding}: wrap it in {@link FilterPadding}).
     *
     * @param dataShape the shape of a real batch (N, C, …); N is the batch size the networks are
     *     initialized with, later batches may have another N
     * @throws IllegalStateException if already initialized
     * @throws IllegalArgumentException if the shape is not (N, C, …) with N divisible by the
     *     packing, or the generator does not produce samples of this shape
     */
    public void initialize(Shape dataShape) {
        checkOpen();
        BlockChecks.checkState(
                dataShape == null || this.dataShape == null, NAME, "already initialized");
        BlockChecks.checkShape(
                dataShape != null
                        && dataShape.dimension() >= 2
                        && dataShape.getUnknownValueCount() == 0
                        && dataShape.get(0) > 0
                        && dataShape.get(0) % packing == 0,
                NAME,
                "a data shape (N, C, ...) with known sizes and N divisible by the packing "
                        + packing,
                dataShape);
        Shape z = new Shape(dataShape.get(0)).addAll(latent.getShape());
        Block g = generator.getBlock();
        g.initialize(generator.getNDManager(), generator.getDataType(), z);
        Shape produced = g.getOutputShapes(new Shape[] {z})[0];
        BlockChecks.checkArgument(
                produced.equals(dataShape),
                NAME,
                "the generator maps latents %s to %s, but the data are %s",
                z,
                produced,
                dataShape);
        Shape packed =
                packing > 1
                        ? Pack.builder()
                                .setPackSize(packing)
                                .build()
                                .getOutputShapes(new Shape[] {dataShape})[0]
                        : dataShape;
        discriminator
                .getBlock()
                .initialize(discriminator.getNDManager(), discriminator.getDataType(), packed);
        this.dataShape = dataShape;
        this.latentShape = z;
        this.discriminatorShape = packed;
        if (emaDecay > 0) {
            ema = new GeneratorEma(g, emaDecay, generator.getNDManager());
        }
        clipDiscriminator();
        warnAboutConvolutions(GENERATOR, generator);
        warnAboutConvolutions(DISCRIMINATOR, discriminator);
    }

    /**
     * Logs a warning for each convolution of a network on the PyTorch engine whose float32 input
     * gradient that engine may get wrong ({@link Convolutions#needingFilterPadding}).
     */
    private static void warnAboutConvolutions(String network, Model model) {
        NDManager manager = model.getNDManager();
        if (!Convolutions.affected(manager.getEngine(), manager.getDevice(), model.getDataType())) {
            return;
        }
        for (String conv : Convolutions.needingFilterPadding(model.getBlock())) {
            LOGGER.warn(
                    "{}: the {}'s {}: DJL 0.35.1's PyTorch engine may compute the float32 input"
                            + " gradient of an ungrouped convolution whose filters are not a"
                            + " multiple of 16 wrongly on CPU; wrap it in {} to train through it",
                    NAME,
                    network,
                    conv,
                    FilterPadding.class.getName());
        }
    }

    /**
     * Data-dependent initialization ({@link DataInit}) of both networks, before the first step: the
     * discriminator on the real batch (packed as in training), the generator on a batch of latents
     * of the same size from the training stream (unless {@link
     * Builder#optGeneratorDataInit(boolean)} turned that off). Networks without {@code
     * DataInitializable} blocks are unchanged. All or nothing: if either network cannot be
     * initialized, neither changes.
     *
     * @param realBatch real samples; its first array is the discriminator's input
     * @throws IllegalStateException if not initialized or a step was already taken
     * @throws IllegalArgumentException if the batch does not fit or cannot initialize a block
     */
    public void dataInit(NDList realBatch) {
        checkReady();
        BlockChecks.checkState(dTrainer == null, NAME, "dataInit must come before the first step");
        NDArray x = checkBatch(realBatch);
        try (NDManager scope = x.getManager().newSubManager()) {
            List<Pair<Parameter, NDArray>> before = snapshot(discriminator.getBlock(), scope);
            NDArray packed = packing > 1 ? Pack.pack(x, packing) : x;
            DataInit.initialize(discriminator.getBlock(), null, new NDList(packed)).close();
            try {
                if (generatorDataInit) {
                    NDArray z = drawLatent(latent, scope, x.getShape().get(0));
                    DataInit.initialize(generator.getBlock(), null, new NDList(z)).close();
                }
            } catch (RuntimeException e) {
                before.forEach(p -> p.getValue().copyTo(p.getKey().getArray()));
                throw e;
            }
        }
        if (ema != null) {
            ema.reset();
        }
        clipDiscriminator();
    }

    /**
     * One training step on a batch of real samples, following the schedule: a discriminator update,
     * and a generator update unless the schedule skips it in this step.
     *
     * @param realBatch real samples (N, …) as initialized (N may differ, divisible by the packing);
     *     further arrays are passed to a custom {@link GanObjective}
     * @return the losses and extras of this step
     * @throws IllegalStateException if not initialized; or if a network's loss (or, as {@link
     *     Builder#optCheckFinite} sets, a gradient of its parameters) is NaN or infinite: that
     *     network is not updated, nor is any network after it in the step; with simultaneous
     *     updates nothing is updated, with alternating updates a failing generator update leaves
     *     the discriminator's update of the step (and {@link #getSteps()} counts the step). The
     *     latent stream keeps the draws of the step, and running statistics that its forward passes
     *     update (batch norm) are not restored.
     * @throws IllegalArgumentException if the batch does not fit; nothing changes then
     */
    public GanStepResult step(NDList realBatch) {
        checkReady();
        NDArray x = checkBatch(realBatch);
        long n = x.getShape().get(0);
        ensureTrainers();
        Map<String, Float> dExtras = new LinkedHashMap<>();
        Map<String, Float> gExtras = new LinkedHashMap<>();
        float lossD;
        float lossG = Float.NaN;
        boolean updateG = schedule.isSimultaneous() || (steps + 1) % schedule.getCriticSteps() == 0;
        boolean discriminatorUpdated = false;
        try (NDManager s = x.getManager().newSubManager()) {
            NDArray z = drawLatent(latent, s, n);
            ParameterStore live = new ParameterStore(s, false);
            ParameterStore detached = new DetachedParameterStore(s);
            Block g = generator.getBlock();
            Block d = discriminator.getBlock();
            try {
                if (schedule.isSimultaneous()) {
                    LossTerms dTerms;
                    LossTerms gTerms;
                    try (GradientCollector collector = dTrainer.newGradientCollector()) {
                        NDArray fake = g.forward(live, new NDList(z), true).head();
                        dTerms =
                                objective.discriminatorLoss(
                                        update(realBatch, fake.stopGradient(), d, live, true));
                        gTerms =
                                objective.generatorLoss(
                                        update(realBatch, fake, d, detached, false));
                        collector.backward(dTerms.getTotal().add(gTerms.getTotal()));
                    }
                    lossD = read(dTerms, dExtras);
                    lossG = read(gTerms, gExtras);
                    checkFinite.check(steps + 1, DISCRIMINATOR, lossD, d, s, NOTHING_UPDATED);
                    checkFinite.check(steps + 1, GENERATOR, lossG, g, s, NOTHING_UPDATED);
                    optimizerStep(d, discriminatorConfig);
                    optimizerStep(g, generatorConfig);
                } else {
                    NDArray fake = g.forward(detached, new NDList(z), true).head();
                    LossTerms dTerms;
                    try (GradientCollector collector = dTrainer.newGradientCollector()) {
                        dTerms =
                                objective.discriminatorLoss(update(realBatch, fake, d, live, true));
                        collector.backward(dTerms.getTotal());
                    }
                    lossD = read(dTerms, dExtras);
                    checkFinite.check(steps + 1, DISCRIMINATOR, lossD, d, s, NOTHING_UPDATED);
                    optimizerStep(d, discriminatorConfig);
                    discriminatorUpdated = true;
                    if (updateG) {
                        NDArray z2 = drawLatent(latent, s, n);
                        LossTerms gTerms;
                        try (GradientCollector collector = gTrainer.newGradientCollector()) {
                            NDArray fake2 = g.forward(live, new NDList(z2), true).head();
                            gTerms =
                                    objective.generatorLoss(
                                            update(realBatch, fake2, d, detached, false));
                            collector.backward(gTerms.getTotal());
                        }
                        lossG = read(gTerms, gExtras);
                        checkFinite.check(steps + 1, GENERATOR, lossG, g, s, DISCRIMINATOR_UPDATED);
                        optimizerStep(g, generatorConfig);
                    }
                }
            } catch (RuntimeException e) {
                // nothing may carry over into the next step on engines that accumulate gradients
                zeroGradients(g);
                zeroGradients(d);
                if (discriminatorUpdated) {
                    steps++;
                }
                throw e;
            }
        }
        if (updateG) {
            generatorUpdates++;
            if (ema != null) {
                ema.update();
            }
        }
        steps++;
        return new GanStepResult(steps, lossD, lossG, updateG, dExtras, gExtras);
    }

    /**
     * Trains for whole epochs over a dataset, calling each network's DJL {@link TrainingListener}s:
     * {@code onTrainingBatch} after every step (with the step's loss as both label and prediction,
     * which {@link ReportedLoss} reports) and {@code onEpoch} after every epoch. ({@code
     * onTrainingBegin} and {@code onTrainingEnd} are called by DJL's {@link Trainer} when it is
     * created and closed.) Only each batch's data is used; its labels are ignored. A step that
     * throws (see {@link #step}) ends the call; no listener hears of that step.
     *
     * @param dataset the real samples; batches are read on the discriminator trainer's manager
     * @param epochs the number of passes, &ge; 1
     * @throws IOException if the dataset cannot be read
     * @throws TranslateException if the dataset cannot be read
     */
    public void fit(Dataset dataset, int epochs) throws IOException, TranslateException {
        checkReady();
        BlockChecks.checkArgument(epochs >= 1, NAME, "fit needs epochs >= 1, got %d", epochs);
        ensureTrainers();
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (Batch batch : dTrainer.iterateDataset(dataset)) {
                try (batch) {
                    GanStepResult result = step(batch.getData());
                    notifyBatch(dTrainer, batch, result.getDiscriminatorLoss());
                    if (result.isGeneratorUpdated()) {
                        notifyBatch(gTrainer, batch, result.getGeneratorLoss());
                    }
                }
            }
            dTrainer.notifyListeners(listener -> listener.onEpoch(dTrainer));
            gTrainer.notifyListeners(listener -> listener.onEpoch(gTrainer));
        }
    }

    private static void notifyBatch(Trainer trainer, Batch batch, float loss) {
        NDArray value = batch.getManager().create(loss);
        NDList list = new NDList(value);
        Map<ai.djl.Device, NDList> byDevice = Collections.singletonMap(value.getDevice(), list);
        TrainingListener.BatchData data = new TrainingListener.BatchData(batch, byDevice, byDevice);
        trainer.notifyListeners(listener -> listener.onTrainingBatch(trainer, data));
    }

    /**
     * Draws n samples from the generator in inference mode — from the moving average when EMA is
     * on. The latents come from a stream of their own, so drawing samples does not change the
     * training run.
     *
     * @param manager the manager (and device) of the result; it receives the result only
     * @param n the number of samples
     * @return the samples (n, …)
     */
    public NDArray sample(NDManager manager, int n) {
        checkReady();
        BlockChecks.checkArgument(n >= 1, NAME, "sample needs n >= 1, got %d", n);
        try (NDManager scope = manager.newSubManager()) {
            return generate(scope, new NDList(drawLatent(sampling, scope, n)), manager);
        }
    }

    /**
     * Runs the generator in inference mode on given latents — with the moving average of its
     * parameters when EMA is on. The generator's intermediate arrays are closed before this
     * returns, so that sampling again and again from the same latents does not fill their manager.
     *
     * @param latents the latents (n, sampler shape…), n ≥ 1, left as they are
     * @return the samples (n, …), attached to the latents' manager, which receives nothing else
     * @throws IllegalArgumentException if the list is not one array of shape (n, sampler shape…)
     */
    public NDArray sample(NDList latents) {
        checkReady();
        BlockChecks.checkArgument(
                latents.size() == 1,
                NAME,
                "sample needs one array of latents, got a list of %d",
                latents.size());
        Shape z = latents.head().getShape();
        Shape one = latentShape.slice(1);
        BlockChecks.checkShape(
                z.dimension() == one.dimension() + 1 && z.get(0) >= 1 && z.slice(1).equals(one),
                NAME,
                (one.dimension() == 0
                                ? "latents (n)"
                                : "latents (n, " + one.toString().replaceAll("[()]", "") + ")")
                        + " with n >= 1",
                z);
        NDManager m = latents.head().getManager();
        try (NDManager scope = m.newSubManager()) {
            latents.tempAttach(scope); // back to their managers when scope closes
            return generate(scope, latents, m);
        }
    }

    /** The generator's inference output on z, computed in scope, attached to target. */
    private NDArray generate(NDManager scope, NDList z, NDManager target) {
        ParameterStore store = ema != null ? ema.store(scope) : new ParameterStore(scope, false);
        NDArray out = generator.getBlock().forward(store, z, false).head();
        out.attach(target);
        return out;
    }

    /**
     * Saves both networks, the generator's moving average (a generator parameter file of its own,
     * loadable as a plain generator), the step counters, the training latent stream, the stream of
     * {@link #sample(NDManager, int)} and the optimizers' state (when they are {@link
     * StatefulOptimizer}s) as {@code <name>-generator-NNNN.params}, {@code
     * <name>-discriminator-NNNN.params}, {@code <name>-generator-ema-NNNN.params} and {@code
     * <name>-trainer-NNNN.state}, NNNN the step count.
     *
     * @param dir the directory
     * @param name the checkpoint's name
     * @throws IOException if writing fails
     */
    public void save(Path dir, String name) throws IOException {
        checkReady();
        GanCheckpoint.save(this, dir, name);
    }

    /**
     * Resumes from the newest checkpoint {@link #save} wrote under {@code name}: parameters, moving
     * average, counters, both latent streams (training and {@link #sample(NDManager, int)}'s; a
     * state file of format version 1, written before the sampling stream was saved, leaves that one
     * as it is) and stateful optimizers' state. Call it after {@link #initialize} and before the
     * first step, on a trainer built with the same options ({@link Builder#optCheckFinite}
     * excepted: it changes no value, and a run that failed its check may resume with another). All
     * or nothing: if any file does not fit, nothing changes.
     *
     * <p>With a {@link StatefulOptimizer} (such as this project's {@link Adam}) on both networks,
     * and latents drawn in Java, the next step equals the next step of the run that saved the
     * checkpoint, bit for bit on the same engine, and so do the samples of {@link
     * #sample(NDManager, int)}. DJL's own optimizers cannot be saved: their state restarts from
     * zero (Adam: the moments and the bias correction), so the resumed run differs.
     *
     * @param dir the directory
     * @param name the checkpoint's name
     * @throws IOException if the files cannot be found or read
     * @throws MalformedModelException if a file does not fit the networks or the options
     * @throws IllegalStateException if not initialized or a step was already taken
     */
    public void load(Path dir, String name) throws IOException, MalformedModelException {
        checkReady();
        BlockChecks.checkState(dTrainer == null, NAME, "load must come before the first step");
        GanCheckpoint.load(this, dir, name);
    }

    /**
     * Returns the DJL trainer of the discriminator, creating both networks' trainers if they do not
     * exist yet (after which {@link #dataInit} and {@link #load} are refused). Its listeners and
     * gradient collectors are the ones {@link #step} and {@link #fit} use; its {@code step()} is
     * not: a GanTrainer updates the parameters with the network's optimizer directly, so on MXNet
     * the DJL trainer's parameter-server copies are not kept up to date and calling its {@code
     * step()} would write them back over the parameters.
     *
     * @return the discriminator's trainer
     */
    public Trainer getDiscriminatorTrainer() {
        checkReady();
        ensureTrainers();
        return dTrainer;
    }

    /**
     * Returns the DJL trainer of the generator, creating both networks' trainers if they do not
     * exist yet; as with {@link #getDiscriminatorTrainer()}, do not call its {@code step()}.
     *
     * @return the generator's trainer
     */
    public Trainer getGeneratorTrainer() {
        checkReady();
        ensureTrainers();
        return gTrainer;
    }

    /**
     * Returns the generator's model.
     *
     * @return the generator
     */
    public Model getGenerator() {
        return generator;
    }

    /**
     * Returns the discriminator's model.
     *
     * @return the discriminator
     */
    public Model getDiscriminator() {
        return discriminator;
    }

    /**
     * Returns the number of steps taken (discriminator updates).
     *
     * @return the step count
     */
    public long getSteps() {
        return steps;
    }

    /**
     * Returns the number of generator updates taken.
     *
     * @return the generator update count
     */
    public long getGeneratorUpdates() {
        return generatorUpdates;
    }

    /**
     * Returns the data shape given to {@link #initialize}, or null before.
     *
     * @return the data shape
     */
    public Shape getDataShape() {
        return dataShape;
    }

    /**
     * Returns the latent sampler of the training stream.
     *
     * @return the sampler
     */
    public LatentSampler getLatent() {
        return latent;
    }

    /** The stream of {@link #sample(NDManager, int)}, which checkpoints save with the other. */
    LatentSampler samplingLatent() {
        return sampling;
    }

    /**
     * Returns the update schedule.
     *
     * @return the schedule
     */
    public GanSchedule getSchedule() {
        return schedule;
    }

    /**
     * Returns the packing degree m (1 = no packing).
     *
     * @return m
     */
    public int getPacking() {
        return packing;
    }

    /**
     * Returns the generator EMA's decay, or 0 when EMA is off.
     *
     * @return the decay
     */
    public float getEmaDecay() {
        return emaDecay;
    }

    /**
     * Returns the weight-clipping bound c, or 0 when clipping is off.
     *
     * @return c
     */
    public float getWeightClipping() {
        return clip;
    }

    /**
     * Returns what each step checks for NaN and infinity before an update.
     *
     * @return the check ({@link NonFiniteCheck#LOSSES} unless set)
     */
    public NonFiniteCheck getCheckFinite() {
        return checkFinite;
    }

    /** Closes both networks' DJL trainers and the moving average; the models stay open. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (dTrainer != null) {
            dTrainer.close();
            gTrainer.close();
        }
        if (ema != null) {
            ema.close();
        }
    }

    // ---- internals shared with GanCheckpoint ----

    GeneratorEma ema() {
        return ema;
    }

    TrainingConfig generatorConfig() {
        return generatorConfig;
    }

    TrainingConfig discriminatorConfig() {
        return discriminatorConfig;
    }

    void restoreCounters(long steps, long generatorUpdates) {
        this.steps = steps;
        this.generatorUpdates = generatorUpdates;
    }

    /** The options a checkpoint must have been written with, in a stable text form. */
    String describeOptions() {
        return "schedule="
                + schedule
                + ", packing="
                + packing
                + ", ema="
                + emaDecay
                + ", clip="
                + clip
                + ", objective="
                + objective.getClass().getName()
                + ", latent="
                + latent.getShape()
                + ", data="
                + dataShape.slice(1);
    }

    private void ensureTrainers() {
        if (dTrainer == null) {
            dTrainer = discriminator.newTrainer(discriminatorConfig);
            gTrainer = generator.newTrainer(generatorConfig);
            // caches the current parameter arrays (after any data init or load) on the devices
            // the blocks are initialized: this only makes the trainers hold the current arrays
            dTrainer.initialize(discriminatorShape);
            gTrainer.initialize(latentShape);
        }
    }

    /**
     * One network's optimizer step: every trainable parameter updated in place from its gradient by
     * the network's optimizer, keyed by {@code Parameter.getId()} — what DJL's {@code
     * Trainer.step()} does on one device, without the copy of each gradient its parameter server
     * makes first (a copy for aggregating the gradients of several devices; a GanTrainer trains on
     * one), and without its first-step check that the gradients are not all zero (a GanTrainer
     * always runs the backward pass before the step).
     */
    private static void optimizerStep(Block block, TrainingConfig config) {
        Optimizer optimizer = config.getOptimizer();
        for (Pair<String, Parameter> p : trainable(block)) {
            Parameter parameter = p.getValue();
            NDArray weight = parameter.getArray();
            try (NDArray grad = weight.getGradient()) {
                optimizer.update(parameter.getId(), weight, grad);
            }
        }
    }

    /**
     * A network's trainable parameters (those that require a gradient), by path, in the block's
     * order: what a step updates, checks ({@link NonFiniteCheck}), zeroes after a failure and
     * clips.
     */
    static List<Pair<String, Parameter>> trainable(Block block) {
        List<Pair<String, Parameter>> trainable = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                trainable.add(p);
            }
        }
        return trainable;
    }

    private GanUpdate update(
            NDList real, NDArray fake, Block d, ParameterStore store, boolean discriminatorUpdate) {
        return new GanUpdate(real, fake, d, store, packing, discriminatorUpdate);
    }

    private static float read(LossTerms terms, Map<String, Float> extras) {
        terms.getExtras().forEach((k, v) -> extras.put(k, v.getFloat()));
        return terms.getTotal().getFloat();
    }

    /**
     * The seed of {@link #sample(NDManager, int)}'s stream: the complement of the training stream's
     * seed for a {@link RandomLatentSampler}, a fixed one for other samplers, so that the same
     * settings draw the same samples in every run and process.
     */
    private static long samplingSeed(LatentSampler latent) {
        return ~(latent instanceof RandomLatentSampler r ? r.getSeed() : 0L);
    }

    private NDArray drawLatent(LatentSampler sampler, NDManager manager, long n) {
        NDArray z = sampler.sample(manager, n, generator.getDataType());
        Shape expected = new Shape(n).addAll(sampler.getShape());
        if (!z.getShape().equals(expected)) {
            Shape got = z.getShape();
            z.close();
            throw new IllegalArgumentException(
                    NAME + ": the latent sampler produced shape " + got + ", expected " + expected);
        }
        return z;
    }

    private NDArray checkBatch(NDList realBatch) {
        BlockChecks.checkArgument(
                realBatch != null && !realBatch.isEmpty(), NAME, "the real batch holds no array");
        NDArray x = realBatch.head();
        Shape s = x.getShape();
        BlockChecks.checkShape(
                s.dimension() == dataShape.dimension()
                        && s.slice(1).equals(dataShape.slice(1))
                        && s.get(0) > 0
                        && s.get(0) % packing == 0,
                NAME,
                "a real batch (N"
                        + (dataShape.dimension() > 1 ? ", " : "")
                        + dataShape.slice(1).toString().replaceAll("[()]", "")
                        + ") like the data shape "
                        + dataShape
                        + " given to initialize"
                        + (packing > 1 ? ", N divisible by the packing " + packing : ""),
                s);
        BlockChecks.checkArgument(
                x.getDataType() == discriminator.getDataType(),
                NAME,
                "expected a %s batch like the discriminator, got %s of shape %s",
                discriminator.getDataType(),
                x.getDataType(),
                s);
        NDArray any = firstParameter(discriminator.getBlock());
        BlockChecks.checkArgument(
                any == null || any.getDevice().equals(x.getDevice()),
                NAME,
                "the batch of shape %s is on %s, the networks' parameters on %s; move it there",
                s,
                x.getDevice(),
                any == null ? null : any.getDevice());
        return x;
    }

    private static NDArray firstParameter(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().isInitialized()) {
                return p.getValue().getArray();
            }
        }
        return null;
    }

    /**
     * Clips every trainable discriminator parameter to [−c, c], in place: after initialization and
     * data init (a loaded checkpoint of the same options holds clipped values), before the DJL
     * trainer holds the parameters (after that the clipping is part of every update, see {@link
     * ClippedConfig}).
     */
    private void clipDiscriminator() {
        if (clip <= 0) {
            return;
        }
        for (Pair<String, Parameter> p : trainable(discriminator.getBlock())) {
            NDArray w = p.getValue().getArray();
            try (NDArray clipped = w.clip(-clip, clip)) {
                clipped.copyTo(w);
            }
        }
    }

    private static List<Pair<Parameter, NDArray>> snapshot(Block block, NDManager scope) {
        List<Pair<Parameter, NDArray>> copies = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray copy = p.getValue().getArray().duplicate();
            copy.attach(scope);
            copies.add(new Pair<>(p.getValue(), copy));
        }
        return copies;
    }

    /** Zeroes the gradients a failed step may have left in a network's parameters. */
    private static void zeroGradients(Block block) {
        for (Pair<String, Parameter> p : trainable(block)) {
            Parameter parameter = p.getValue();
            if (parameter.isInitialized()) {
                NDArray w = parameter.getArray();
                if (w.hasGradient()) {
                    try (NDArray grad = w.getGradient()) {
                        grad.set(new ai.djl.ndarray.index.NDIndex("..."), 0);
                    }
                }
            }
        }
    }

    private void checkOpen() {
        BlockChecks.checkState(!closed, NAME, "the trainer is closed");
    }

    private void checkReady() {
        checkOpen();
        BlockChecks.checkState(
                dataShape != null,
                NAME,
                "call initialize(dataShape) before training, sampling or saving");
    }

    /** The builder of a {@link GanTrainer}. */
    public static final class Builder {

        private Model generator;
        private Model discriminator;
        private GanObjective objective = GanLoss.nonSaturating();
        private TrainingConfig generatorConfig;
        private TrainingConfig discriminatorConfig;
        private LatentSampler latent;
        private GanSchedule schedule = GanSchedule.alternating();
        private int packing = 1;
        private float emaDecay;
        private float clip;
        private boolean generatorDataInit = true;
        private NonFiniteCheck checkFinite = NonFiniteCheck.LOSSES;

        Builder() {}

        /**
         * Sets the generator (required); its block maps latents (N, sampler shape…) to samples.
         *
         * @param generator the generator's model, with its block set
         * @return this builder
         */
        public Builder setGenerator(Model generator) {
            this.generator = generator;
            return this;
        }

        /**
         * Sets the discriminator (required); its block maps (packed) samples to logits.
         *
         * @param discriminator the discriminator's model, with its block set
         * @return this builder
         */
        public Builder setDiscriminator(Model discriminator) {
            this.discriminator = discriminator;
            return this;
        }

        /**
         * Sets the objective (default {@link GanLoss#nonSaturating()}).
         *
         * @param objective a {@link GanLoss} or any {@link GanObjective}
         * @return this builder
         */
        public Builder optLoss(GanObjective objective) {
            this.objective = objective;
            return this;
        }

        /**
         * Sets the generator's training configuration (default: {@link #config} with {@link
         * #dcganAdam()}). Its devices' first must be the generator's parameters' device.
         *
         * @param config the configuration
         * @return this builder
         */
        public Builder optGeneratorConfig(TrainingConfig config) {
            this.generatorConfig = config;
            return this;
        }

        /**
         * Sets the discriminator's training configuration (default: {@link #config} with {@link
         * #dcganAdam()}).
         *
         * @param config the configuration
         * @return this builder
         */
        public Builder optDiscriminatorConfig(TrainingConfig config) {
            this.discriminatorConfig = config;
            return this;
        }

        /**
         * Sets the latent sampler (default {@code LatentSampler.normal(100)}, DCGAN's z ~ N(0,
         * I)<sup>100</sup> drawn in Java from seed 0).
         *
         * @param latent the sampler
         * @return this builder
         */
        public Builder optLatent(LatentSampler latent) {
            this.latent = latent;
            return this;
        }

        /**
         * Sets the update schedule (default {@link GanSchedule#alternating()}).
         *
         * @param schedule the schedule
         * @return this builder
         */
        public Builder optSchedule(GanSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /**
         * Sets the packing degree m (PacGAN; default 1, no packing): the discriminator sees m
         * samples concatenated along axis 1, real and generated samples packed separately.
         *
         * @param m the samples per pack, &ge; 1
         * @return this builder
         */
        public Builder optPacking(int m) {
            this.packing = m;
            return this;
        }

        /**
         * Keeps an exponential moving average of the generator's parameters, ema ← decay·ema + (1 −
         * decay)·θ after each generator update, and samples from it (default off).
         *
         * @param decay the decay, in (0, 1), e.g. 0.999
         * @return this builder
         */
        public Builder optGeneratorEma(float decay) {
            this.emaDecay = decay;
            return this;
        }

        /**
         * Clips every trainable discriminator parameter to [−c, c] after each discriminator update
         * (WGAN; default off).
         *
         * @param c the bound, &gt; 0
         * @return this builder
         */
        public Builder optWeightClipping(float c) {
            this.clip = c;
            return this;
        }

        /**
         * Sets whether {@link GanTrainer#dataInit} initializes the generator too (default true).
         * improved-gan, for one, initializes its discriminator only.
         *
         * @param generatorDataInit whether the generator takes part in data-dependent init
         * @return this builder
         */
        public Builder optGeneratorDataInit(boolean generatorDataInit) {
            this.generatorDataInit = generatorDataInit;
            return this;
        }

        /**
         * Sets what every step checks for NaN and infinity before each network's update (default
         * {@link NonFiniteCheck#LOSSES}): a step that finds one throws an {@link
         * IllegalStateException} naming the step, the network and the loss or the parameter, before
         * the update (see {@link GanTrainer#step}). {@link NonFiniteCheck#LOSSES_AND_GRADIENTS}
         * also keeps a NaN gradient under a finite loss out of the parameters, at the cost of one
         * reduction per parameter and update.
         *
         * @param check what to check
         * @return this builder
         */
        public Builder optCheckFinite(NonFiniteCheck check) {
            this.checkFinite = check;
            return this;
        }

        /**
         * Builds the trainer.
         *
         * @return a new {@link GanTrainer}
         * @throws IllegalArgumentException if a model or its block is missing, or an option is out
         *     of range
         */
        public GanTrainer build() {
            BlockChecks.checkArgument(
                    generator != null && generator.getBlock() != null,
                    NAME,
                    "setGenerator(Model) needs a model with its block set");
            BlockChecks.checkArgument(
                    discriminator != null && discriminator.getBlock() != null,
                    NAME,
                    "setDiscriminator(Model) needs a model with its block set");
            BlockChecks.checkArgument(
                    generator != discriminator,
                    NAME,
                    "the generator and the discriminator must be two models");
            BlockChecks.checkArgument(objective != null, NAME, "optLoss needs an objective");
            BlockChecks.checkArgument(schedule != null, NAME, "optSchedule needs a schedule");
            BlockChecks.checkArgument(
                    checkFinite != null, NAME, "optCheckFinite needs a NonFiniteCheck");
            BlockChecks.checkArgument(
                    packing >= 1, NAME, "optPacking needs m >= 1, got %d", packing);
            BlockChecks.checkArgument(
                    emaDecay == 0 || (emaDecay > 0 && emaDecay < 1),
                    NAME,
                    "optGeneratorEma needs a decay in (0, 1), got %s",
                    emaDecay);
            BlockChecks.checkArgument(
                    clip == 0 || (clip > 0 && Float.isFinite(clip)),
                    NAME,
                    "optWeightClipping needs c > 0, got %s",
                    clip);
            if (latent == null) {
                latent = LatentSampler.normal(100);
            }
            if (generatorConfig == null) {
                generatorConfig = config("generator_loss", dcganAdam());
            }
            if (discriminatorConfig == null) {
                discriminatorConfig = config("discriminator_loss", dcganAdam());
            }
            return new GanTrainer(this);
        }
    }
}
