package io.github.djlgan.examples.modes;

import java.util.Locale;
import java.util.Random;

/**
 * A mixture of equally weighted isotropic 2D Gaussians with a common standard deviation σ: the
 * standard synthetic benchmarks for mode collapse (Metz et al., "Unrolled GANs", 2017; Srivastava
 * et al., "VEEGAN", 2017; Lin et al., "PacGAN", 2018).
 *
 * <ul>
 *   <li>{@link #grid()}: 25 modes with means on {−4, −2, 0, 2, 4}², σ = 0.05;
 *   <li>{@link #ring()}: 8 modes with means evenly spaced on the circle of radius 1 (mode k at
 *       angle 2πk/8), σ = 0.01.
 * </ul>
 *
 * <p>Samples are drawn on the fly: a mode chosen uniformly, plus σ times a standard normal in each
 * coordinate. The class is immutable.
 */
public final class GaussianMixture {

    private final String name;
    private final double[][] means;
    private final double sigma;
    private final double extent;

    private GaussianMixture(String name, double[][] means, double sigma, double extent) {
        this.name = name;
        this.means = means;
        this.sigma = sigma;
        this.extent = extent;
    }

    /**
     * The 25-mode grid: means on {−4, −2, 0, 2, 4}², σ = 0.05.
     *
     * @return the mixture
     */
    public static GaussianMixture grid() {
        double[][] means = new double[25][];
        int i = 0;
        for (int a = -2; a <= 2; a++) {
            for (int b = -2; b <= 2; b++) {
                means[i++] = new double[] {2.0 * a, 2.0 * b};
            }
        }
        return new GaussianMixture("grid", means, 0.05, 6);
    }

    /**
     * The 8-mode ring: means (cos 2πk/8, sin 2πk/8), k = 0 … 7, σ = 0.01.
     *
     * @return the mixture
     */
    public static GaussianMixture ring() {
        double[][] means = new double[8][];
        for (int k = 0; k < 8; k++) {
            double angle = 2 * Math.PI * k / 8;
            means[k] = new double[] {Math.cos(angle), Math.sin(angle)};
        }
        return new GaussianMixture("ring", means, 0.01, 1.5);
    }

    /**
     * A custom mixture, e.g. for tests.
     *
     * @param name the name shown in tables and plots
     * @param means the means, one (x, y) pair per mode
     * @param sigma the standard deviation of every mode, &gt; 0
     * @return the mixture
     * @throws IllegalArgumentException if there is no mode, a mean is not a pair, or σ ≤ 0
     */
    public static GaussianMixture of(String name, double[][] means, double sigma) {
        if (means.length == 0 || !(sigma > 0)) {
            throw new IllegalArgumentException(
                    "GaussianMixture: need at least one mode and sigma > 0, got "
                            + means.length
                            + " modes and sigma "
                            + sigma);
        }
        double extent = 0;
        double[][] copy = new double[means.length][];
        for (int i = 0; i < means.length; i++) {
            if (means[i].length != 2) {
                throw new IllegalArgumentException(
                        "GaussianMixture: mean " + i + " has " + means[i].length + " coordinates");
            }
            copy[i] = means[i].clone();
            extent = Math.max(extent, Math.max(Math.abs(copy[i][0]), Math.abs(copy[i][1])));
        }
        return new GaussianMixture(name, copy, sigma, 1.5 * extent + 10 * sigma);
    }

    /**
     * Returns the mixture with the given name.
     *
     * @param name {@code grid} or {@code ring}
     * @return the mixture
     * @throws IllegalArgumentException for another name
     */
    public static GaussianMixture named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "grid":
                return grid();
            case "ring":
                return ring();
            default:
                throw new IllegalArgumentException(
                        "unknown data set " + name + "; expected grid or ring");
        }
    }

    /**
     * Returns the name ({@code grid}, {@code ring}, or a custom one).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the number of modes.
     *
     * @return the number of modes
     */
    public int numModes() {
        return means.length;
    }

    /**
     * Returns a copy of the means of the modes.
     *
     * @return the means, one (x, y) pair per mode
     */
    public double[][] means() {
        double[][] copy = new double[means.length][];
        for (int i = 0; i < means.length; i++) {
            copy[i] = means[i].clone();
        }
        return copy;
    }

    /**
     * Returns the standard deviation σ of every mode.
     *
     * @return σ
     */
    public double sigma() {
        return sigma;
    }

    /**
     * Returns a half-width that frames the mixture in a plot: [−extent, extent]².
     *
     * @return the half-width
     */
    public double extent() {
        return extent;
    }

    /**
     * Returns the index of the mode whose mean is nearest (Euclidean) to a point; ties go to the
     * lower index.
     *
     * @param x the point's x
     * @param y the point's y
     * @return the index of the nearest mode, or −1 if the point is not finite
     */
    public int nearestMode(double x, double y) {
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            return -1;
        }
        int best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int i = 0; i < means.length; i++) {
            double dx = x - means[i][0];
            double dy = y - means[i][1];
            double d = dx * dx + dy * dy;
            if (d < bestDistance) {
                bestDistance = d;
                best = i;
            }
        }
        return best;
    }

    /**
     * Draws samples.
     *
     * @param random the random source
     * @param n the number of samples
     * @return the samples as a flat array x0, y0, x1, y1, … of length 2n
     */
    public float[] sample(Random random, int n) {
        float[] points = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double[] mean = means[random.nextInt(means.length)];
            points[2 * i] = (float) (mean[0] + sigma * random.nextGaussian());
            points[2 * i + 1] = (float) (mean[1] + sigma * random.nextGaussian());
        }
        return points;
    }
}
