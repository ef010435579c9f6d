package io.github.djlgan.examples.imagegan;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.examples.Shuffle;
import io.github.djlgan.examples.fashion.FashionMnistData;
import io.github.djlgan.training.Adam;
import io.github.djlgan.training.Progress;
import io.github.djlgan.zoo.Checkpoints;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;

/**
 * The Fashion-MNIST classifier whose penultimate layer gives the features of the Fréchet distance
 * (in place of Inception, whose weights cannot be downloaded here) and whose predictions give the
 * class coverage of generated images:
 *
 * <pre>
 *   features: Conv2d 3×3 p1 (32) → ReLU → max-pool 2 → Conv2d 3×3 p1 (64) → ReLU → max-pool 2
 *             → flatten → Linear 128 → ReLU                       (N, 128)
 *   head:     Linear 10                                           class logits
 * </pre>
 *
 * <p>Trained once with softmax cross-entropy and Adam (10⁻³, batches of 128) on images in [−1, 1],
 * then saved under its cache directory with the settings it was trained with; a later run with the
 * same settings loads it (checked, {@link Checkpoints}) instead of training again, on either
 * engine.
 */
final class FashionClassifier implements AutoCloseable {

    /** The feature dimension. */
    static final int FEATURES = 128;

    private static final String NAME = "fashion-cnn";
    private static final int BATCH = 128;

    private final Model model;
    private final SequentialBlock features;
    private final SequentialBlock head;
    private final double testAccuracy;
    private final boolean trained;

    private FashionClassifier(
            Model model,
            SequentialBlock features,
            SequentialBlock head,
            double testAccuracy,
            boolean trained) {
        this.model = model;
        this.features = features;
        this.head = head;
        this.testAccuracy = testAccuracy;
        this.trained = trained;
    }

    /**
     * What the classifier of a given run is trained with: its cache key.
     *
     * @param epochs passes over the training images
     * @param trainImages how many training images (the first ones of the split)
     * @param seed the seed of the weights and the batch order
     */
    record Settings(int epochs, int trainImages, long seed) {

        Properties toProperties() {
            Properties p = new Properties();
            p.setProperty("epochs", Integer.toString(epochs));
            p.setProperty("trainImages", Integer.toString(trainImages));
            p.setProperty("seed", Long.toString(seed));
            return p;
        }

        boolean matches(Properties p) {
            return Integer.toString(epochs).equals(p.getProperty("epochs"))
                    && Integer.toString(trainImages).equals(p.getProperty("trainImages"))
                    && Long.toString(seed).equals(p.getProperty("seed"));
        }
    }

    /**
     * Loads the cached classifier trained with these settings, or trains it and caches it; then
     * measures its test accuracy.
     *
     * @param engine the engine
     * @param dir the cache directory
     * @param settings the training settings
     * @param train the training split
     * @param test the test split
     * @param out where progress and the accuracy are printed
     * @return the classifier
     * @throws IOException if the cache cannot be read or written
     */
    static FashionClassifier loadOrTrain(
            Engine engine,
            Path dir,
            Settings settings,
            FashionMnistData train,
            FashionMnistData test,
            PrintStream out)
            throws IOException {
        Path info = dir.resolve(NAME + ".properties");
        SequentialBlock features = features();
        SequentialBlock head = new SequentialBlock().add(Linear.builder().setUnits(10).build());
        Model model = Model.newInstance(NAME, engine.getEngineName());
        model.setBlock(new SequentialBlock().add(features).add(head));
        boolean trained = false;
        try {
            Properties cached = new Properties();
            if (Files.isRegularFile(info)) {
                try (Reader r = Files.newBufferedReader(info)) {
                    cached.load(r);
                }
            }
            if (settings.matches(cached)) {
                try {
                    Checkpoints.load(model, dir, NAME);
                    out.printf(Locale.ROOT, "Classifier: loaded from %s%n", dir);
                } catch (MalformedModelException e) {
                    throw new IOException("cannot load the cached classifier in " + dir, e);
                }
            } else {
                train(model, settings, train, out);
                Files.createDirectories(dir);
                model.save(dir, NAME);
                try (Writer w = Files.newBufferedWriter(info)) {
                    settings.toProperties().store(w, "settings of " + NAME + "-0000.params");
                }
                trained = true;
            }
            FashionClassifier c = new FashionClassifier(model, features, head, 0, trained);
            double accuracy = c.accuracy(test);
            return new FashionClassifier(model, features, head, accuracy, trained);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static SequentialBlock features() {
        return new SequentialBlock()
                .add(conv(32))
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(conv(64))
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(FEATURES).build())
                .add(Activation::relu);
    }

    private static Conv2d conv(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(filters)
                .optPadding(new Shape(1, 1))
                .build();
    }

    private static void train(
            Model model, Settings settings, FashionMnistData train, PrintStream out) {
        int n = Math.min(settings.trainImages(), train.size());
        int steps = Math.max(1, n / BATCH);
        Random random = new Random(settings.seed());
        model.getNDManager().getEngine().setRandomSeed((int) settings.seed());
        DefaultTrainingConfig config =
                new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(
                                Adam.builder()
                                        .optLearningRateTracker(Tracker.fixed(1e-3f))
                                        .build());
        out.printf(
                Locale.ROOT,
                "Classifier: training on %d images, %d epochs of %d steps%n",
                n,
                settings.epochs(),
                steps);
        try (Trainer trainer = model.newTrainer(config);
                Progress progress = new Progress("Classifier", (long) settings.epochs() * steps)) {
            trainer.initialize(new Shape(BATCH).addAll(ImageBatches.IMAGE));
            for (int epoch = 0; epoch < settings.epochs(); epoch++) {
                int[] order = Shuffle.permutation(n, random);
                for (int t = 0; t < steps; t++) {
                    int[] idx = new int[Math.min(BATCH, n)];
                    System.arraycopy(order, t * idx.length, idx, 0, idx.length);
                    try (NDManager s = model.getNDManager().newSubManager()) {
                        NDArray x = ImageBatches.images(s, train, idx);
                        float[] labels = new float[idx.length];
                        for (int k = 0; k < idx.length; k++) {
                            labels[k] = train.label(idx[k]);
                        }
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDArray logits = trainer.forward(new NDList(x)).head();
                            NDArray loss =
                                    trainer.getLoss()
                                            .evaluate(
                                                    new NDList(s.create(labels)),
                                                    new NDList(logits));
                            collector.backward(loss);
                        }
                        trainer.step();
                    }
                    progress.update(
                            (long) epoch * steps + t + 1,
                            String.format(
                                    Locale.ROOT, "epoch %d/%d", epoch + 1, settings.epochs()));
                }
            }
        }
    }

    /**
     * Features and predicted classes of a batch of images.
     *
     * @param features (n, 128), row-major
     * @param classes the predicted class of each image
     */
    record Outputs(float[] features, int[] classes) {}

    /**
     * Runs the classifier in inference mode.
     *
     * @param images (n, 1, 28, 28) in [−1, 1]
     * @return the penultimate features and the predicted classes
     */
    Outputs outputs(NDArray images) {
        try (NDManager s = images.getManager().newSubManager()) {
            ParameterStore store = new ParameterStore(s, false);
            NDArray f = features.forward(store, new NDList(images), false).head();
            NDArray logits = head.forward(store, new NDList(f), false).head();
            long[] classes = logits.argMax(1).toLongArray();
            int[] c = new int[classes.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = (int) classes[i];
            }
            return new Outputs(f.toFloatArray(), c);
        }
    }

    private double accuracy(FashionMnistData test) {
        long correct = 0;
        try (NDManager base = model.getNDManager().newSubManager()) {
            for (int from = 0; from < test.size(); from += 1000) {
                int[] idx = ImageBatches.range(from, Math.min(1000, test.size() - from));
                try (NDManager s = base.newSubManager()) {
                    int[] predicted = outputs(ImageBatches.images(s, test, idx)).classes();
                    for (int k = 0; k < idx.length; k++) {
                        if (predicted[k] == test.label(idx[k])) {
                            correct++;
                        }
                    }
                }
            }
        }
        return 100.0 * correct / test.size();
    }

    /**
     * Returns the accuracy on the test split, in percent.
     *
     * @return the accuracy measured when the classifier was loaded or trained
     */
    double testAccuracy() {
        return testAccuracy;
    }

    /**
     * Returns whether this run trained the classifier (rather than loading it).
     *
     * @return true if trained now
     */
    boolean trainedNow() {
        return trained;
    }

    /**
     * Returns the classifier's manager, for the arrays given to {@link #outputs}.
     *
     * @return the model's manager
     */
    NDManager manager() {
        return model.getNDManager();
    }

    @Override
    public void close() {
        model.close();
    }
}
