package io.github.djlgan.examples.imagegan;

/**
 * How the classifier's predicted classes of a set of images spread over the K classes: the
 * histogram, the classes covered and the KL divergence to the uniform distribution (Fashion-MNIST's
 * test set holds 1,000 images of each of its 10 classes).
 *
 * <pre>
 *   p_k = n_k / n,   KL(p ‖ uniform) = Σ_k p_k ln(K p_k)  (nats; 0 ln 0 = 0)
 * </pre>
 *
 * <p>KL is 0 when the images are spread evenly and ln K (2.30 for 10 classes) when they all fall in
 * one class. A class is <em>covered</em> if it receives at least a tenth of its uniform share, n /
 * (10 K) images (1 % for 10 classes): a single stray prediction does not count.
 *
 * @param counts the number of images predicted as each class
 * @param total the number of images
 */
record ClassCoverage(int[] counts, long total) {

    /**
     * Counts the predicted classes.
     *
     * @param classes the predicted class of each image, in [0, k)
     * @param k the number of classes
     * @return the coverage
     * @throws IllegalArgumentException for a class outside [0, k) or no images
     */
    static ClassCoverage of(int[] classes, int k) {
        if (classes.length == 0) {
            throw new IllegalArgumentException("ClassCoverage: no images");
        }
        int[] counts = new int[k];
        for (int c : classes) {
            if (c < 0 || c >= k) {
                throw new IllegalArgumentException(
                        "ClassCoverage: class " + c + " outside [0, " + k + ")");
            }
            counts[c]++;
        }
        return new ClassCoverage(counts, classes.length);
    }

    /**
     * Returns the number of classes that receive at least n / (10 K) images.
     *
     * @return the classes covered, 0 … K
     */
    int covered() {
        int covered = 0;
        for (int c : counts) {
            if (10.0 * counts.length * c >= total) {
                covered++;
            }
        }
        return covered;
    }

    /**
     * Returns KL(p ‖ uniform) in nats.
     *
     * @return the divergence, 0 … ln K
     */
    double klToUniform() {
        double kl = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                kl += p * Math.log(counts.length * p);
            }
        }
        return kl;
    }
}
