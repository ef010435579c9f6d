package io.github.djlgan.examples.imagegan;

/**
 * Eigenvalues and eigenvectors of a real symmetric matrix by the cyclic Jacobi method (Jacobi 1846;
 * Golub &amp; Van Loan, "Matrix Computations", 4th ed., §8.5): plane rotations J(p, q, θ) chosen to
 * zero A[p][q] are applied, row pair after row pair, until every off-diagonal element is
 * negligible:
 *
 * <pre>
 *   θ from  τ = (A[q][q] − A[p][p]) / (2 A[p][q]),  t = sign(τ) / (|τ| + √(1 + τ²)),
 *   c = 1/√(1 + t²), s = t·c;   A ← Jᵀ A J,  V ← V J
 * </pre>
 *
 * <p>At the end A = V Λ Vᵀ with V orthogonal (its columns the eigenvectors) and Λ the diagonal.
 * Accurate to about machine precision relative to ‖A‖ (Demmel &amp; Veselić 1992); O(n³) per sweep,
 * a handful of sweeps: milliseconds for the 128 × 128 covariances of {@link FrechetDistance}. DJL's
 * {@code NDArray} has no eigen-decomposition or SVD, hence this.
 */
final class SymmetricEigen {

    private static final int MAX_SWEEPS = 100;

    private final double[] values;
    private final double[][] vectors;

    private SymmetricEigen(double[] values, double[][] vectors) {
        this.values = values;
        this.vectors = vectors;
    }

    /**
     * Decomposes a symmetric matrix (only the upper triangle is read).
     *
     * @param matrix an n × n matrix, unchanged
     * @return the decomposition
     * @throws IllegalArgumentException if the matrix is not square or holds a non-finite value
     * @throws ArithmeticException if the sweeps do not converge
     */
    static SymmetricEigen of(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            if (matrix[i].length != n) {
                throw new IllegalArgumentException(
                        "SymmetricEigen: expected a square matrix, row "
                                + i
                                + " has "
                                + matrix[i].length
                                + " values, not "
                                + n);
            }
            for (int j = i; j < n; j++) {
                if (!Double.isFinite(matrix[i][j])) {
                    throw new IllegalArgumentException(
                            "SymmetricEigen: the matrix holds "
                                    + matrix[i][j]
                                    + " at "
                                    + i
                                    + ", "
                                    + j);
                }
                a[i][j] = matrix[i][j];
                a[j][i] = matrix[i][j];
            }
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            double diagonal = 0;
            for (int i = 0; i < n; i++) {
                diagonal += a[i][i] * a[i][i];
                for (int j = i + 1; j < n; j++) {
                    off += a[i][j] * a[i][j];
                }
            }
            if (off <= 1e-30 * diagonal || off == 0) {
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = a[i][i];
                }
                return new SymmetricEigen(values, v);
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] != 0) {
                        rotate(a, v, p, q);
                    }
                }
            }
        }
        throw new ArithmeticException(
                "SymmetricEigen: no convergence after " + MAX_SWEEPS + " Jacobi sweeps");
    }

    /** One rotation in the (p, q) plane that zeroes a[p][q]; a stays symmetric. */
    private static void rotate(double[][] a, double[][] v, int p, int q) {
        int n = a.length;
        double tau = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        double t = Math.signum(tau) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        if (tau == 0) {
            t = 1;
        }
        double c = 1 / Math.sqrt(1 + t * t);
        double s = t * c;
        for (int k = 0; k < n; k++) { // A ← A J: columns p and q
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) { // A ← Jᵀ A: rows p and q
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
        }
        a[p][q] = 0;
        a[q][p] = 0;
        for (int k = 0; k < n; k++) { // V ← V J
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
        }
    }

    /**
     * Returns the eigenvalues, in no particular order.
     *
     * @return λ, paired with the columns of {@link #vectors()}
     */
    double[] values() {
        return values.clone();
    }

    /**
     * Returns the eigenvectors as the columns of an orthogonal matrix.
     *
     * @return V with A = V diag(λ) Vᵀ
     */
    double[][] vectors() {
        double[][] copy = new double[vectors.length][];
        for (int i = 0; i < vectors.length; i++) {
            copy[i] = vectors[i].clone();
        }
        return copy;
    }

    /**
     * Returns f(A) = V diag(f(λ)) Vᵀ for the decomposed matrix A.
     *
     * @param f the function applied to each eigenvalue
     * @return the symmetric matrix f(A)
     */
    double[][] apply(java.util.function.DoubleUnaryOperator f) {
        int n = values.length;
        double[] fl = new double[n];
        for (int k = 0; k < n; k++) {
            fl[k] = f.applyAsDouble(values[k]);
        }
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += vectors[i][k] * fl[k] * vectors[j][k];
                }
                out[i][j] = sum;
                out[j][i] = sum;
            }
        }
        return out;
    }
}
