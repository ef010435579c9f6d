package io.github.djlgan.examples.imagegan;

/**
 * The Fréchet distance between two Gaussians (Dowson &amp; Landau 1982), the formula of the FID
 * (Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
 * Equilibrium", NeurIPS 2017):
 *
 * <pre>
 *   d²(N(μ₁, Σ₁), N(μ₂, Σ₂)) = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½
 * </pre>
 *
 * <p>tr (Σ₁^½ Σ₂ Σ₁^½)^½ equals the tr (Σ₁Σ₂)^½ of the usual statement (Σ₁Σ₂ is similar to the
 * symmetric Σ₁^½ Σ₂ Σ₁^½, so they have the same eigenvalues) but stays in symmetric matrices: Σ₁^½
 * from a Jacobi eigen-decomposition of Σ₁, then the eigenvalues λ of Σ₁^½ Σ₂ Σ₁^½, and the trace Σ
 * √max(λ, 0) (rounding can make an eigenvalue of a singular product slightly negative). Everything
 * in double precision. As the FID, the Gaussians are fitted to features with the sample mean and
 * the unbiased covariance (divisor n − 1, NumPy's {@code np.cov}).
 */
final class FrechetDistance {

    private FrechetDistance() {}

    /**
     * A Gaussian fitted to samples.
     *
     * @param mean μ (d)
     * @param covariance Σ (d × d), symmetric
     * @param count the number of samples it was fitted to
     */
    record Gaussian(double[] mean, double[][] covariance, long count) {}

    /**
     * Fits a Gaussian to feature vectors arriving in batches: sums of x − s and (x − s)(x − s)ᵀ in
     * double precision, shifted by the first vector s against cancellation.
     */
    static final class Accumulator {
        private final int dim;
        private final double[] shift;
        private final double[] sum;
        private final double[][] outer;
        private long count;

        /**
         * Creates an accumulator for vectors of the given dimension.
         *
         * @param dim d
         */
        Accumulator(int dim) {
            this.dim = dim;
            shift = new double[dim];
            sum = new double[dim];
            outer = new double[dim][dim];
        }

        /**
         * Adds feature vectors, row-major.
         *
         * @param rows n·d values
         * @throws IllegalArgumentException if the length is not a multiple of d or a value is not
         *     finite
         */
        void add(float[] rows) {
            if (rows.length % dim != 0) {
                throw new IllegalArgumentException(
                        "FrechetDistance: " + rows.length + " values are not rows of " + dim);
            }
            for (int k = 0; k < rows.length; k++) { // all checked first: nothing half-added
                if (!Float.isFinite(rows[k])) {
                    throw new IllegalArgumentException(
                            "FrechetDistance: feature " + k % dim + " of a sample is " + rows[k]);
                }
            }
            double[] x = new double[dim];
            for (int r = 0; r < rows.length / dim; r++) {
                for (int i = 0; i < dim; i++) {
                    float v = rows[r * dim + i];
                    if (count == 0) {
                        shift[i] = v;
                    }
                    x[i] = v - shift[i];
                }
                for (int i = 0; i < dim; i++) {
                    sum[i] += x[i];
                    double xi = x[i];
                    if (xi != 0) {
                        double[] row = outer[i];
                        for (int j = i; j < dim; j++) {
                            row[j] += xi * x[j];
                        }
                    }
                }
                count++;
            }
        }

        /**
         * Returns the fitted Gaussian: the mean and the unbiased covariance.
         *
         * @return the Gaussian
         * @throws IllegalStateException with fewer than two samples
         */
        Gaussian gaussian() {
            if (count < 2) {
                throw new IllegalStateException(
                        "FrechetDistance: a covariance needs two samples, got " + count);
            }
            double[] mean = new double[dim];
            double[] centred = new double[dim];
            for (int i = 0; i < dim; i++) {
                centred[i] = sum[i] / count;
                mean[i] = shift[i] + centred[i];
            }
            double[][] cov = new double[dim][dim];
            for (int i = 0; i < dim; i++) {
                for (int j = i; j < dim; j++) {
                    double c = (outer[i][j] - count * centred[i] * centred[j]) / (count - 1);
                    cov[i][j] = c;
                    cov[j][i] = c;
                }
            }
            return new Gaussian(mean, cov, count);
        }
    }

    /**
     * Returns the Fréchet distance d² between two Gaussians.
     *
     * @param a the first Gaussian
     * @param b the second, of the same dimension
     * @return d² ≥ 0 (up to rounding)
     * @throws IllegalArgumentException if the dimensions differ
     */
    static double distance(Gaussian a, Gaussian b) {
        return distance(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    /**
     * Returns the Fréchet distance d² between N(μ₁, Σ₁) and N(μ₂, Σ₂).
     *
     * @param mu1 μ₁
     * @param sigma1 Σ₁, symmetric positive semi-definite
     * @param mu2 μ₂
     * @param sigma2 Σ₂, symmetric positive semi-definite
     * @return d²
     * @throws IllegalArgumentException if the dimensions differ
     */
    static double distance(double[] mu1, double[][] sigma1, double[] mu2, double[][] sigma2) {
        int d = mu1.length;
        if (mu2.length != d || sigma1.length != d || sigma2.length != d) {
            throw new IllegalArgumentException(
                    "FrechetDistance: dimensions differ: μ "
                            + d
                            + " and "
                            + mu2.length
                            + ", Σ "
                            + sigma1.length
                            + " and "
                            + sigma2.length);
        }
        double meanTerm = 0;
        double traces = 0;
        for (int i = 0; i < d; i++) {
            double diff = mu1[i] - mu2[i];
            meanTerm += diff * diff;
            traces += sigma1[i][i] + sigma2[i][i];
        }
        return meanTerm + traces - 2 * traceSqrtProduct(sigma1, sigma2);
    }

    /**
     * Returns tr (Σ₁^½ Σ₂ Σ₁^½)^½ = tr (Σ₁Σ₂)^½ for symmetric positive semi-definite Σ₁, Σ₂.
     *
     * @param sigma1 Σ₁
     * @param sigma2 Σ₂
     * @return the trace
     */
    static double traceSqrtProduct(double[][] sigma1, double[][] sigma2) {
        int d = sigma1.length;
        double[][] root = SymmetricEigen.of(sigma1).apply(l -> Math.sqrt(Math.max(l, 0)));
        double[][] tmp = multiply(root, sigma2, d);
        double[][] product = multiply(tmp, root, d);
        double trace = 0;
        for (double l : SymmetricEigen.of(product).values()) {
            trace += Math.sqrt(Math.max(l, 0));
        }
        return trace;
    }

    private static double[][] multiply(double[][] a, double[][] b, int d) {
        double[][] c = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double aik = a[i][k];
                if (aik != 0) {
                    for (int j = 0; j < d; j++) {
                        c[i][j] += aik * b[k][j];
                    }
                }
            }
        }
        return c;
    }
}
