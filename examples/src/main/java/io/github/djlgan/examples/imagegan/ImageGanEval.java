package io.github.djlgan.examples.imagegan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.examples.fashion.FashionMnistData;
import io.github.djlgan.training.LatentSampler;
import java.util.function.Function;

/**
 * Measures a generator the same way after every epoch of every variant: the images it makes from
 * one fixed set of latents (the same for every variant and epoch) go through the {@link
 * FashionClassifier}; the Gaussian fitted to their penultimate features is compared with the one
 * fitted to the test images ({@link FrechetDistance}), and their predicted classes give the {@link
 * ClassCoverage}.
 */
final class ImageGanEval {

    /** Images generated and classified at a time. */
    static final int CHUNK = 500;

    private final FashionClassifier classifier;
    private final FrechetDistance.Gaussian reference;
    private final float[] latents;
    private final int samples;

    /**
     * One measurement.
     *
     * @param fd the Fréchet distance to the test images' features (NaN if the images were not
     *     finite)
     * @param coverage the predicted classes (null if the images were not finite)
     * @param grid the first images, in [−1, 1], row-major (for a sample grid)
     */
    record Measurement(double fd, ClassCoverage coverage, float[] grid) {}

    /**
     * Prepares the measurement: fits the reference Gaussian to the first {@code samples} test
     * images and draws the fixed latents.
     *
     * @param classifier the classifier
     * @param test the test split
     * @param samples images compared per measurement (≤ the test split's size)
     * @param seed the seed of the fixed latents
     */
    ImageGanEval(FashionClassifier classifier, FashionMnistData test, int samples, long seed) {
        this.classifier = classifier;
        this.samples = samples;
        this.reference = fit(classifier, test, ImageBatches.range(0, samples)).gaussian();
        try (NDManager s = classifier.manager().newSubManager()) {
            latents =
                    LatentSampler.normal(ImageGanNetworks.LATENT)
                            .withSeed(seed)
                            .sample(s, samples, DataType.FLOAT32)
                            .toFloatArray();
        }
    }

    private static RealFit fit(FashionClassifier classifier, FashionMnistData data, int[] idx) {
        FrechetDistance.Accumulator acc =
                new FrechetDistance.Accumulator(FashionClassifier.FEATURES);
        int[] classes = new int[idx.length];
        for (int from = 0; from < idx.length; from += CHUNK) {
            int n = Math.min(CHUNK, idx.length - from);
            int[] part = new int[n];
            System.arraycopy(idx, from, part, 0, n);
            try (NDManager s = classifier.manager().newSubManager()) {
                FashionClassifier.Outputs o =
                        classifier.outputs(ImageBatches.images(s, data, part));
                acc.add(o.features());
                System.arraycopy(o.classes(), 0, classes, from, n);
            }
        }
        return new RealFit(acc, classes);
    }

    private record RealFit(FrechetDistance.Accumulator acc, int[] classes) {
        FrechetDistance.Gaussian gaussian() {
            return acc.gaussian();
        }
    }

    /**
     * Measures real images against the test images: the floor of the Fréchet distance.
     *
     * @param data a split
     * @param idx the images
     * @return the distance and the coverage of the images' predicted classes
     */
    Measurement measureReal(FashionMnistData data, int[] idx) {
        RealFit f = fit(classifier, data, idx);
        return new Measurement(
                FrechetDistance.distance(f.gaussian(), reference),
                ClassCoverage.of(f.classes(), FashionMnistData.CLASSES),
                new float[0]);
    }

    /**
     * Measures a generator on the fixed latents.
     *
     * @param generator latents (n, 128) → images (n, 1, 28, 28), in inference mode
     * @param gridImages how many of the first images to return for a grid
     * @return the measurement
     */
    Measurement measure(Function<NDList, NDArray> generator, int gridImages) {
        FrechetDistance.Accumulator acc =
                new FrechetDistance.Accumulator(FashionClassifier.FEATURES);
        int[] classes = new int[samples];
        float[] grid = new float[0];
        boolean finite = true;
        for (int from = 0; from < samples && finite; from += CHUNK) {
            int n = Math.min(CHUNK, samples - from);
            float[] z = new float[n * ImageGanNetworks.LATENT];
            System.arraycopy(latents, from * ImageGanNetworks.LATENT, z, 0, z.length);
            try (NDManager s = classifier.manager().newSubManager()) {
                NDArray images =
                        generator.apply(
                                new NDList(s.create(z, new Shape(n, ImageGanNetworks.LATENT))));
                if (from == 0) {
                    int k = Math.min(gridImages, n);
                    float[] all = images.toFloatArray();
                    grid = new float[k * FashionMnistData.PIXELS];
                    System.arraycopy(all, 0, grid, 0, grid.length);
                }
                FashionClassifier.Outputs o = classifier.outputs(images);
                try {
                    acc.add(o.features());
                } catch (IllegalArgumentException notFinite) {
                    finite = false;
                }
                System.arraycopy(o.classes(), 0, classes, from, n);
            }
        }
        if (!finite) {
            return new Measurement(Double.NaN, null, grid);
        }
        return new Measurement(
                FrechetDistance.distance(acc.gaussian(), reference),
                ClassCoverage.of(classes, FashionMnistData.CLASSES),
                grid);
    }

    /**
     * Returns the fixed latents' first rows.
     *
     * @param manager the manager of the result
     * @param n how many
     * @return (n, 128)
     */
    NDArray latents(NDManager manager, int n) {
        float[] z = new float[n * ImageGanNetworks.LATENT];
        System.arraycopy(latents, 0, z, 0, z.length);
        return manager.create(z, new Shape(n, ImageGanNetworks.LATENT));
    }
}
