package io.github.djlgan.examples.modes;

/**
 * Mode-coverage metrics of generated 2D samples against a {@link GaussianMixture} with M modes of
 * standard deviation σ, as in VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018).
 *
 * <p>Each of the n samples is assigned to the mode whose mean is nearest (Euclidean). A sample is
 * <b>high quality</b> when that distance is at most 3σ. With h<sub>j</sub> the number of
 * high-quality samples whose nearest mode is j and H = Σ<sub>j</sub> h<sub>j</sub>:
 *
 * <ul>
 *   <li><b>modes captured</b> = #{j : h<sub>j</sub> ≥ 1} (a mode counts when at least one
 *       high-quality sample is nearest to it);
 *   <li><b>high quality</b> = 100 · H / n, in percent (a sample with a NaN or infinite coordinate
 *       counts in n and is never high quality);
 *   <li><b>reverse KL</b> = KL(p ‖ u) = Σ<sub>j</sub> p<sub>j</sub> ln(p<sub>j</sub> · M), in nats,
 *       where p<sub>j</sub> = h<sub>j</sub> / H is the generated mode histogram and u<sub>j</sub> =
 *       1/M the uniform distribution over the modes. Empty bins (p<sub>j</sub> = 0) contribute 0
 *       (the limit of x ln x), so the value is finite: 0 when the high-quality samples are spread
 *       evenly over all modes, ln M when they all sit on one mode. If there is no high-quality
 *       sample at all (H = 0) the histogram is undefined; it is then reported as ln M, the value of
 *       a generator that has collapsed completely.
 * </ul>
 *
 * @param numModes M, the number of modes of the mixture
 * @param numSamples n, the number of samples evaluated
 * @param modesCaptured the number of modes with at least one high-quality sample
 * @param highQualityPercent the percentage of high-quality samples
 * @param reverseKl KL(p ‖ uniform) in nats
 * @param histogram h<sub>j</sub>, the number of high-quality samples per nearest mode
 */
public record ModeMetrics(
        int numModes,
        int numSamples,
        int modesCaptured,
        double highQualityPercent,
        double reverseKl,
        int[] histogram) {

    /**
     * Computes the metrics of a set of points.
     *
     * @param mixture the real distribution
     * @param points the generated points as a flat array x0, y0, x1, y1, …
     * @return the metrics
     * @throws IllegalArgumentException if the array is empty or of odd length
     */
    public static ModeMetrics of(GaussianMixture mixture, float[] points) {
        if (points.length == 0 || points.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "ModeMetrics: expected a non-empty flat array of (x, y) pairs, got length "
                            + points.length);
        }
        int m = mixture.numModes();
        double[][] means = mixture.means();
        double radius = 3 * mixture.sigma();
        int n = points.length / 2;
        int[] histogram = new int[m];
        for (int i = 0; i < n; i++) {
            double x = points[2 * i];
            double y = points[2 * i + 1];
            int j = mixture.nearestMode(x, y);
            if (j >= 0 && Math.hypot(x - means[j][0], y - means[j][1]) <= radius) {
                histogram[j]++;
            }
        }
        int total = 0;
        int captured = 0;
        for (int h : histogram) {
            total += h;
            captured += h > 0 ? 1 : 0;
        }
        double reverseKl = Math.log(m);
        if (total > 0) {
            reverseKl = 0;
            for (int h : histogram) {
                if (h > 0) {
                    double p = (double) h / total;
                    reverseKl += p * Math.log(p * m);
                }
            }
        }
        return new ModeMetrics(m, n, captured, 100.0 * total / n, reverseKl, histogram);
    }

    /**
     * Returns the histogram (a copy).
     *
     * @return h<sub>j</sub> per mode
     */
    @Override
    public int[] histogram() {
        return histogram.clone();
    }
}
