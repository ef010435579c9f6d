package io.github.djlgan.init;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import io.github.djlgan.util.BlockChecks;

/**
 * Orthogonal initialization: the weight, viewed as a matrix of rows = shape[0] and cols = the
 * product of the other sizes, is gain times a random matrix with orthonormal rows (rows ≤ cols) or
 * orthonormal columns (rows &gt; cols), drawn uniformly (from the Haar measure):
 *
 * <pre>
 *   G ~ N(0, 1)^(rows × cols)              drawn by the engine
 *   A = G if rows ≥ cols, else Gᵀ           (tall: m × n, m ≥ n)
 *   A = Q·R                                 thin QR, Q (m × n) with QᵀQ = I
 *   Q ← Q · diag(sign(R_kk))                so that the factorization has R_kk &gt; 0
 *   W = gain · Q if rows ≥ cols, else gain · Qᵀ
 * </pre>
 *
 * <p>so W·Wᵀ = gain²·I when rows ≤ cols and Wᵀ·W = gain²·I when rows &gt; cols. Without the sign
 * correction Q would depend on the QR algorithm's sign convention and not be uniformly distributed.
 * This is what {@code torch.nn.init.orthogonal_(w, gain)} computes; Lasagne's {@code
 * init.Orthogonal(gain)} takes the orthogonal factor of an SVD instead. For a convolution weight
 * (F, C, kh, kw) the F filters, each of C·kh·kw values, are orthogonal to each other.
 *
 * <p>The Gaussian matrix is drawn with {@link NDManager#randomNormal(Shape)} (float32) on the
 * manager's engine and device, so {@code Engine.getEngine(name).setRandomSeed(seed)} makes the
 * weights reproducible. DJL's {@code NDArray} has no QR decomposition, so the Householder QR runs
 * in Java in double precision (about 2·m·n² operations) and the result is converted to the
 * requested floating-point type.
 *
 * <p>Reference: A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear
 * dynamics of learning in deep linear neural networks", ICLR 2014.
 */
public class OrthogonalInitializer implements Initializer {

    private static final String NAME = "OrthogonalInitializer";

    private final float gain;

    /** Creates an orthogonal initializer with gain 1. */
    public OrthogonalInitializer() {
        this(1f);
    }

    /**
     * Creates an orthogonal initializer.
     *
     * @param gain the factor the orthogonal matrix is multiplied by, finite
     * @throws IllegalArgumentException if the gain is NaN or infinite
     */
    public OrthogonalInitializer(float gain) {
        BlockChecks.checkArgument(Float.isFinite(gain), NAME, "gain must be finite, got %s", gain);
        this.gain = gain;
    }

    /**
     * Returns the gain.
     *
     * @return the factor the orthogonal matrix is multiplied by
     */
    public float getGain() {
        return gain;
    }

    /**
     * Draws an orthogonal weight.
     *
     * @param manager the manager whose engine draws the Gaussian matrix and that holds the result
     * @param shape the weight's shape, of rank ≥ 2
     * @param dataType a floating-point data type
     * @return gain times a random (semi-)orthogonal matrix, of the given shape and type
     * @throws IllegalArgumentException if the shape has rank &lt; 2 or the type is not floating
     *     point
     */
    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        BlockChecks.checkShape(
                shape.dimension() >= 2 && shape.getUnknownValueCount() == 0,
                NAME,
                "a weight shape of rank >= 2 with known sizes (rows, cols...)",
                shape);
        BlockChecks.checkArgument(
                dataType.isFloating(),
                NAME,
                "expected a floating-point weight type, got %s for shape %s",
                dataType,
                shape);
        if (shape.size() == 0) {
            return manager.zeros(shape, dataType);
        }
        int size = Math.toIntExact(shape.size());
        int rows = Math.toIntExact(shape.get(0));
        int cols = size / rows;
        float[] g;
        try (NDArray gaussian = manager.randomNormal(new Shape(rows, cols))) {
            g = gaussian.toFloatArray();
        }
        double[] w = orthogonal(g, rows, cols, gain);
        if (dataType == DataType.FLOAT64) {
            return manager.create(w, shape);
        }
        float[] f = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            f[i] = (float) w[i];
        }
        NDArray single = manager.create(f, shape);
        if (dataType == DataType.FLOAT32) {
            return single;
        }
        NDArray converted = single.toType(dataType, false);
        single.close();
        return converted;
    }

    /**
     * The weight for a given Gaussian matrix: gain · Q (rows ≥ cols) or gain · Qᵀ (rows &lt; cols),
     * Q from the QR decomposition of G or Gᵀ with R's diagonal positive.
     *
     * @param g the Gaussian matrix G (rows × cols), row-major
     * @param rows the number of rows
     * @param cols the number of columns
     * @param gain the gain
     * @return the weight (rows × cols), row-major
     */
    static double[] orthogonal(float[] g, int rows, int cols, double gain) {
        // the tall matrix A (m × n, m ≥ n) stored by columns: a[j][i] = A[i][j]
        boolean tall = rows >= cols;
        int m = Math.max(rows, cols);
        int n = Math.min(rows, cols);
        double[][] a = new double[n][m];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (tall) {
                    a[c][r] = g[r * cols + c];
                } else {
                    a[r][c] = g[r * cols + c];
                }
            }
        }
        double[][] q = orthonormalColumns(a, m);
        double[] w = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = gain * (tall ? q[c][r] : q[r][c]);
            }
        }
        return w;
    }

    /**
     * The Q factor of the thin QR decomposition A = Q·R with R's diagonal positive, by Householder
     * reflections.
     *
     * @param a the columns of A (n columns of length m, m ≥ n); overwritten
     * @param m the length of a column
     * @return the n columns of Q, each of length m
     */
    private static double[][] orthonormalColumns(double[][] a, int m) {
        int n = a.length;
        double[][] v = new double[n][]; // Householder vectors, v[k] acting on rows k … m−1
        double[] sign = new double[n]; // sign of R[k][k]
        for (int k = 0; k < n; k++) {
            double[] x = a[k];
            double norm = 0;
            for (int i = k; i < m; i++) {
                norm += x[i] * x[i];
            }
            norm = Math.sqrt(norm);
            double alpha = x[k] >= 0 ? -norm : norm; // H·x = alpha·e_k, so R[k][k] = alpha
            sign[k] = alpha >= 0 ? 1 : -1;
            double[] vk = new double[m - k];
            vk[0] = x[k] - alpha;
            for (int i = k + 1; i < m; i++) {
                vk[i - k] = x[i];
            }
            double vv = dot(vk, vk);
            if (vv == 0) {
                continue; // x is already alpha·e_k (only when x is 0): H = I
            }
            v[k] = vk;
            for (int j = k + 1; j < n; j++) {
                reflect(vk, vv, a[j], k);
            }
        }
        // Q e_j = H_0 H_1 … H_{n−1} e_j, then column j times sign(R[j][j])
        double[][] q = new double[n][m];
        for (int j = 0; j < n; j++) {
            q[j][j] = 1;
            for (int k = j; k >= 0; k--) { // H_k e_j = e_j for k > j
                if (v[k] != null) {
                    reflect(v[k], dot(v[k], v[k]), q[j], k);
                }
            }
            for (int i = 0; i < m; i++) {
                q[j][i] *= sign[j];
            }
        }
        return q;
    }

    /** y[k …] ← (I − 2·v·vᵀ/vᵀv)·y[k …]. */
    private static void reflect(double[] v, double vv, double[] y, int k) {
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += v[i] * y[k + i];
        }
        s = 2 * s / vv;
        for (int i = 0; i < v.length; i++) {
            y[k + i] -= s * v[i];
        }
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
