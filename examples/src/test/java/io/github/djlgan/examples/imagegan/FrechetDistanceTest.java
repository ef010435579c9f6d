package io.github.djlgan.examples.imagegan;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.Random;
import org.testng.annotations.Test;

/**
 * {@link FrechetDistance} and {@link SymmetricEigen} against closed forms: Gaussians whose
 * covariances commute (d² = ‖Δμ‖² + Σ (√aᵢ − √bᵢ)² in their common eigenbasis), 2 × 2 covariances
 * that do not (tr (Σ₁Σ₂)^½ = √(tr Σ₁Σ₂ + 2 √(det Σ₁ det Σ₂)), the square root of a sum of two
 * square roots of eigenvalues), and the estimate from samples of such Gaussians.
 */
public class FrechetDistanceTest {

    /** A random orthogonal matrix: Gram–Schmidt on Gaussian columns. */
    private static double[][] rotation(int d, Random random) {
        double[][] q = new double[d][d];
        for (int j = 0; j < d; j++) {
            double[] col = new double[d];
            for (int i = 0; i < d; i++) {
                col[i] = random.nextGaussian();
            }
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += col[i] * q[i][k];
                }
                for (int i = 0; i < d; i++) {
                    col[i] -= dot * q[i][k];
                }
            }
            double norm = 0;
            for (double c : col) {
                norm += c * c;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                q[i][j] = col[i] / norm;
            }
        }
        return q;
    }

    /** Q diag(λ) Qᵀ. */
    private static double[][] compose(double[][] q, double[] lambda) {
        int d = lambda.length;
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    a[i][j] += q[i][k] * lambda[k] * q[j][k];
                }
            }
        }
        return a;
    }

    private static double[] positive(int d, Random random) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = 0.1 + 3 * random.nextDouble();
        }
        return v;
    }

    private static double[] gaussian(int d, Random random) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }

    /** ‖Δμ‖² + Σ (√aᵢ − √bᵢ)²: the distance of Gaussians with covariances Q diag(a|b) Qᵀ. */
    private static double commutingClosedForm(double[] mu1, double[] a, double[] mu2, double[] b) {
        double d2 = 0;
        for (int i = 0; i < a.length; i++) {
            d2 += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
            double r = Math.sqrt(a[i]) - Math.sqrt(b[i]);
            d2 += r * r;
        }
        return d2;
    }

    @Test
    public void jacobiReconstructsASymmetricMatrix() {
        Random random = new Random(1);
        int d = 20;
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                a[i][j] = random.nextGaussian();
                a[j][i] = a[i][j];
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a);
        double[][] v = e.vectors();
        double[] l = e.values();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double vtv = 0;
                double rebuilt = 0;
                for (int k = 0; k < d; k++) {
                    vtv += v[k][i] * v[k][j];
                    rebuilt += v[i][k] * l[k] * v[j][k];
                }
                assertEquals(vtv, i == j ? 1 : 0, 1e-12, "VᵀV at " + i + ", " + j);
                assertEquals(rebuilt, a[i][j], 1e-12, "V Λ Vᵀ at " + i + ", " + j);
            }
        }
        // the eigenvalues of a diagonal matrix are its diagonal; f(A) = V f(Λ) Vᵀ
        double[][] diag = {{4, 0}, {0, 9}};
        double[][] root = SymmetricEigen.of(diag).apply(Math::sqrt);
        assertEquals(root[0][0], 2, 1e-15);
        assertEquals(root[1][1], 3, 1e-15);
        assertEquals(root[0][1], 0, 0);
    }

    @Test
    public void commutingCovariancesMatchTheClosedForm() {
        Random random = new Random(2);
        for (int d : new int[] {1, 3, 16, 64}) {
            double[][] q = rotation(d, random);
            double[] a = positive(d, random);
            double[] b = positive(d, random);
            double[] mu1 = gaussian(d, random);
            double[] mu2 = gaussian(d, random);
            double expected = commutingClosedForm(mu1, a, mu2, b);
            double got = FrechetDistance.distance(mu1, compose(q, a), mu2, compose(q, b));
            assertEquals(got, expected, 1e-10 * (1 + expected), "d = " + d);
            // symmetric in its arguments; zero for identical Gaussians
            double back = FrechetDistance.distance(mu2, compose(q, b), mu1, compose(q, a));
            assertEquals(back, expected, 1e-10 * (1 + expected), "d = " + d);
            double same = FrechetDistance.distance(mu1, compose(q, a), mu1, compose(q, a));
            assertEquals(same, 0, 1e-10, "d = " + d);
        }
    }

    @Test
    public void nonCommutingTwoByTwoMatchesTheClosedForm() {
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            double[][] s1 = compose(rotation(2, random), positive(2, random));
            double[][] s2 = compose(rotation(2, random), positive(2, random));
            double[] mu1 = gaussian(2, random);
            double[] mu2 = gaussian(2, random);
            double tr12 =
                    s1[0][0] * s2[0][0]
                            + s1[0][1] * s2[1][0]
                            + s1[1][0] * s2[0][1]
                            + s1[1][1] * s2[1][1];
            double det1 = s1[0][0] * s1[1][1] - s1[0][1] * s1[1][0];
            double det2 = s2[0][0] * s2[1][1] - s2[0][1] * s2[1][0];
            double traceRoot = Math.sqrt(tr12 + 2 * Math.sqrt(det1 * det2));
            double dm =
                    (mu1[0] - mu2[0]) * (mu1[0] - mu2[0]) + (mu1[1] - mu2[1]) * (mu1[1] - mu2[1]);
            double expected = dm + s1[0][0] + s1[1][1] + s2[0][0] + s2[1][1] - 2 * traceRoot;
            assertEquals(FrechetDistance.traceSqrtProduct(s1, s2), traceRoot, 1e-12 * traceRoot);
            assertEquals(
                    FrechetDistance.distance(mu1, s1, mu2, s2), expected, 1e-10 * (1 + expected));
        }
    }

    @Test
    public void singularCovariancesAreHandled() {
        // Σ₂ = 0 (a point mass): d² = ‖Δμ‖² + tr Σ₁; a rank-1 Σ₁ against itself: 0
        Random random = new Random(4);
        double[][] q = rotation(5, random);
        double[] a = {2, 1, 0.5, 0, 0};
        double[][] s1 = compose(q, a);
        double[][] zero = new double[5][5];
        double[] mu = gaussian(5, random);
        assertEquals(FrechetDistance.distance(mu, s1, mu, zero), 3.5, 1e-12);
        assertEquals(FrechetDistance.distance(mu, zero, mu, s1), 3.5, 1e-12);
        assertEquals(FrechetDistance.distance(mu, s1, mu, s1), 0, 1e-7);
    }

    /**
     * Four 2-D vectors far from the origin, in two batches: the mean and the unbiased (n − 1)
     * covariance by hand — deviations from (10003, 20001): x −2, 0, −1, 3 and y −1, −3, 0, 4, so Σ
     * = [[14, 14], [14, 26]] / 3.
     */
    @Test
    public void accumulatorGivesTheMeanAndTheUnbiasedCovarianceExactly() {
        FrechetDistance.Accumulator acc = new FrechetDistance.Accumulator(2);
        acc.add(new float[] {10001, 20000, 10003, 19998});
        acc.add(new float[] {10002, 20001, 10006, 20005});
        FrechetDistance.Gaussian g = acc.gaussian();
        assertEquals(g.count(), 4);
        assertEquals(g.mean()[0], 10003.0, 1e-12);
        assertEquals(g.mean()[1], 20001.0, 1e-12);
        double[][] expected = {{14 / 3.0, 14 / 3.0}, {14 / 3.0, 26 / 3.0}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertEquals(g.covariance()[i][j], expected[i][j], 1e-12, "Σ at " + i + ", " + j);
            }
        }
    }

    @Test
    public void estimateFromSamplesConvergesToTheClosedForm() {
        Random random = new Random(5);
        int d = 6;
        int n = 40_000;
        double[][] q = rotation(d, random);
        double[] a = positive(d, random);
        double[] b = positive(d, random);
        double[] mu1 = gaussian(d, random);
        double[] mu2 = gaussian(d, random);
        double expected = commutingClosedForm(mu1, a, mu2, b);
        FrechetDistance.Accumulator x = new FrechetDistance.Accumulator(d);
        FrechetDistance.Accumulator y = new FrechetDistance.Accumulator(d);
        // x = μ + Q diag(√λ) g, in batches of 1,000
        for (int batch = 0; batch < n / 1000; batch++) {
            x.add(draw(1000, mu1, q, a, random));
            y.add(draw(1000, mu2, q, b, random));
        }
        FrechetDistance.Gaussian gx = x.gaussian();
        assertEquals(gx.count(), n);
        double got = FrechetDistance.distance(gx, y.gaussian());
        // sampling error of the estimate at this n: 0.020 measured (this seed)
        assertEquals(got, expected, 0.05, "closed form " + expected + ", estimate " + got);
        // and the fitted moments themselves
        for (int i = 0; i < d; i++) {
            assertEquals(gx.mean()[i], mu1[i], 0.05);
        }
        double[][] s1 = compose(q, a);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                assertEquals(gx.covariance()[i][j], s1[i][j], 0.1, "Σ at " + i + ", " + j);
            }
        }
    }

    private static float[] draw(int n, double[] mu, double[][] q, double[] lambda, Random r) {
        int d = mu.length;
        float[] rows = new float[n * d];
        double[] g = new double[d];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < d; k++) {
                g[k] = Math.sqrt(lambda[k]) * r.nextGaussian();
            }
            for (int i = 0; i < d; i++) {
                double v = mu[i];
                for (int k = 0; k < d; k++) {
                    v += q[i][k] * g[k];
                }
                rows[s * d + i] = (float) v;
            }
        }
        return rows;
    }

    @Test
    public void rejectsNonFiniteFeaturesAndTooFewSamples() {
        FrechetDistance.Accumulator acc = new FrechetDistance.Accumulator(2);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> acc.add(new float[3]));
        assertTrue(e.getMessage().contains("not rows of 2"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> acc.add(new float[] {1, Float.NaN}));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        acc.add(new float[] {1, 2});
        IllegalStateException s = expectThrows(IllegalStateException.class, acc::gaussian);
        assertTrue(s.getMessage().contains("two samples, got 1"), s.getMessage());
    }
}
