package io.github.djlgan.init;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Fixtures;
import io.github.djlgan.testing.NDAssert;
import java.util.Arrays;
import java.util.Locale;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class OrthogonalInitializerTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public OrthogonalInitializerTest(String engine) {
        super(engine);
    }

    /**
     * Asserts W·Wᵀ = gain²·I (rows ≤ cols) or Wᵀ·W = gain²·I (rows &gt; cols) for W viewed as
     * (shape[0], rest), computed with plain loops.
     */
    static void assertOrthogonal(double[] w, Shape shape, double gain, double tol) {
        int rows = (int) shape.get(0);
        int cols = w.length / rows;
        boolean wide = rows <= cols;
        int n = wide ? rows : cols;
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                if (wide) { // (W·Wᵀ)[i][j] = Σ_c W[i][c]·W[j][c]
                    for (int c = 0; c < cols; c++) {
                        s += w[i * cols + c] * w[j * cols + c];
                    }
                } else { // (Wᵀ·W)[i][j] = Σ_r W[r][i]·W[r][j]
                    for (int r = 0; r < rows; r++) {
                        s += w[r * cols + i] * w[r * cols + j];
                    }
                }
                worst = Math.max(worst, Math.abs(s - (i == j ? gain * gain : 0)));
            }
        }
        assertTrue(
                worst <= tol,
                String.format(
                        Locale.ROOT,
                        "%s: largest |Gram − gain²·I| entry %.3g > %.1g",
                        shape,
                        worst,
                        tol));
    }

    private NDArray draw(float gain, DataType type, long... dims) {
        return new OrthogonalInitializer(gain).initialize(manager, new Shape(dims), type);
    }

    @Test
    public void orthonormalRowsOrColumnsForEveryShape() {
        long[][] shapes = {
            {4, 3, 3, 3},
            {128, 2},
            {2, 128},
            {128, 128},
            {3, 5},
            {5, 3},
            {1, 1},
            {7, 1},
            {1, 7},
            {6, 2, 3}
        };
        for (float gain : new float[] {1f, 1.4f}) {
            for (long[] dims : shapes) {
                NDArray w = draw(gain, DataType.FLOAT32, dims);
                assertEquals(w.getShape(), new Shape(dims));
                assertEquals(w.getDataType(), DataType.FLOAT32);
                assertEquals(w.getDevice(), manager.getDevice());
                assertOrthogonal(NDAssert.toDoubles(w), w.getShape(), gain, 1e-5);
            }
        }
    }

    /**
     * torch.nn.init.orthogonal_ (orthogonal.py) on the same Gaussian matrix G gives the same
     * weight: the QR decomposition with R's diagonal positive is unique.
     */
    @Test
    public void sameGaussianMatrixGivesTorchsWeight() {
        Fixtures fx = Fixtures.load(manager, "orthogonal");
        Object[][] cases = {{"tall", 1f}, {"wide", 1.4f}, {"square", 1.4f}, {"conv", 1.4f}};
        for (Object[] c : cases) {
            NDArray g = fx.get(c[0] + "_g");
            NDArray torch = fx.get(c[0] + "_w");
            int rows = (int) g.getShape().get(0);
            int cols = (int) g.getShape().get(1);
            double[] w =
                    OrthogonalInitializer.orthogonal(g.toFloatArray(), rows, cols, (float) c[1]);
            NDAssert.assertClose(torch, w, torch.getShape(), 0, 1e-5); // torch computed in float32
        }
    }

    @Test
    public void noArgumentConstructorHasGainOne() {
        OrthogonalInitializer init = new OrthogonalInitializer();
        assertEquals(init.getGain(), 1f);
        NDArray w = init.initialize(manager, new Shape(6, 10), DataType.FLOAT32);
        assertOrthogonal(NDAssert.toDoubles(w), w.getShape(), 1, 1e-5);
    }

    @Test
    public void float64IsOrthogonalToDoublePrecision() {
        for (long[] dims : new long[][] {{64, 64}, {16, 3, 3, 3}, {50, 7}}) {
            NDArray w = draw(1.4f, DataType.FLOAT64, dims);
            assertEquals(w.getDataType(), DataType.FLOAT64);
            assertOrthogonal(NDAssert.toDoubles(w), w.getShape(), 1.4f, 1e-12);
        }
    }

    @Test
    public void float16IsRoundedFromTheSameMatrix() {
        NDArray w = draw(1f, DataType.FLOAT16, 8, 8);
        assertEquals(w.getDataType(), DataType.FLOAT16);
        assertOrthogonal(NDAssert.toDoubles(w), w.getShape(), 1, 1e-2);
    }

    @Test
    public void theEngineSeedMakesItReproducible() {
        Engine engine = Engine.getEngine(engineName);
        engine.setRandomSeed(1234);
        float[] a = draw(1.4f, DataType.FLOAT32, 32, 3, 3, 3).toFloatArray();
        engine.setRandomSeed(1234);
        float[] b = draw(1.4f, DataType.FLOAT32, 32, 3, 3, 3).toFloatArray();
        engine.setRandomSeed(1235);
        float[] c = draw(1.4f, DataType.FLOAT32, 32, 3, 3, 3).toFloatArray();
        assertTrue(Arrays.equals(a, b), "same seed, same weights");
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == c[i] ? 1 : 0;
        }
        assertEquals(same, 0, "another seed shares no entry");
    }

    /**
     * A Haar-distributed n×n orthogonal matrix W: the entries of √n·W are close to N(0, 1) (mean 0,
     * E z⁴ = 3n/(n+2), and P(|z| &lt; 1) = 0.6817 for n = 256 against 0.6827 for N(0, 1), from the
     * density ∝ (1 − z²/n)^((n−3)/2) of a coordinate of the sphere), and its trace is close to N(0,
     * 1) (Diaconis &amp; Shahshahani 1994). Q from a QR decomposition without the sign correction
     * fails the trace test (its diagonal leans to one sign: trace ≈ −9 for n = 256 with LAPACK's
     * convention).
     */
    @Test
    public void entriesAndTraceLookHaarDistributed() {
        int n = 256;
        int draws = 4;
        double sum = 0;
        double sumSq = 0;
        double sum4 = 0;
        int inside = 0;
        double traces = 0;
        for (int d = 0; d < draws; d++) {
            double[] w = NDAssert.toDoubles(draw(1f, DataType.FLOAT64, n, n));
            for (int i = 0; i < w.length; i++) {
                double z = Math.sqrt(n) * w[i];
                sum += z;
                sumSq += z * z;
                sum4 += z * z * z * z;
                inside += Math.abs(z) < 1 ? 1 : 0;
            }
            for (int i = 0; i < n; i++) {
                traces += w[i * n + i];
            }
        }
        double count = (double) draws * n * n;
        double mean = sum / count; // sd 1/(n·√draws) for Haar W
        double meanSquare = sumSq / count; // exactly 1: Σ W_ij² = n for orthogonal W
        double kurtosis = sum4 / count; // 2.977 for n = 256; sd of the estimate ≈ 0.02
        double fraction = inside / count; // sd ≈ 0.001
        double meanTrace = traces / draws; // sd 1/√draws = 0.5
        String report =
                String.format(
                        Locale.ROOT,
                        "mean %.4f E z^2 %.6f E z^4 %.3f P(|z|<1) %.4f mean trace %.2f",
                        mean,
                        meanSquare,
                        kurtosis,
                        fraction,
                        meanTrace);
        assertTrue(Math.abs(mean) < 5.0 / (n * Math.sqrt(draws)), report);
        assertEquals(meanSquare, 1.0, 1e-9, report);
        assertEquals(kurtosis, 3.0 * n / (n + 2), 0.1, report);
        assertEquals(fraction, 0.6817, 0.005, report);
        assertTrue(Math.abs(meanTrace) < 2.5, report);
    }

    @Test
    public void linearWeightSetByParameterType() {
        Linear linear = Linear.builder().setUnits(128).build();
        linear.setInitializer(new OrthogonalInitializer(1.4f), Parameter.Type.WEIGHT);
        init(linear, DataType.FLOAT32, new Shape(8, 2));
        NDArray w = linear.getParameters().get("weight").getArray();
        assertEquals(w.getShape(), new Shape(128, 2));
        assertOrthogonal(NDAssert.toDoubles(w), w.getShape(), 1.4, 1e-5);
        // the bias keeps DJL's default (zeros)
        NDAssert.assertAllClose(linear.getParameters().get("bias").getArray(), 0, 0, 0);

        Linear wide = Linear.builder().setUnits(2).build();
        wide.setInitializer(new OrthogonalInitializer(1.4f), Parameter.Type.WEIGHT);
        init(wide, DataType.FLOAT32, new Shape(8, 128));
        NDArray v = wide.getParameters().get("weight").getArray();
        assertOrthogonal(NDAssert.toDoubles(v), v.getShape(), 1.4, 1e-5);
    }

    @Test
    public void convolutionFiltersAreOrthogonal() {
        Conv2d conv = Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build();
        conv.setInitializer(new OrthogonalInitializer(), Parameter.Type.WEIGHT);
        init(conv, DataType.FLOAT32, new Shape(1, 3, 5, 5));
        NDArray w = conv.getParameters().get("weight").getArray();
        assertEquals(w.getShape(), new Shape(4, 3, 3, 3));
        assertOrthogonal(NDAssert.toDoubles(w), w.getShape(), 1, 1e-5);
    }

    @Test
    public void rankBelowTwoIsRejected() {
        for (Shape shape : new Shape[] {new Shape(5), new Shape()}) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    new OrthogonalInitializer()
                                            .initialize(manager, shape, DataType.FLOAT32));
            assertMessage(e, "OrthogonalInitializer:", "rank >= 2", shape.toString());
        }
    }

    @Test
    public void integerTypeAndNonFiniteGainAreRejected() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                new OrthogonalInitializer()
                                        .initialize(manager, new Shape(3, 4), DataType.INT32));
        assertMessage(e, "OrthogonalInitializer:", "floating-point", "int32", "(3, 4)");
        for (float gain : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            e = expectThrows(IllegalArgumentException.class, () -> new OrthogonalInitializer(gain));
            assertMessage(e, "OrthogonalInitializer:", "gain", String.valueOf(gain));
        }
    }

    @Test
    public void emptyShapeGivesAnEmptyArray() {
        NDArray w = draw(1f, DataType.FLOAT32, 0, 3);
        assertEquals(w.getShape(), new Shape(0, 3));
        assertFalse(w.getShape().size() > 0);
    }
}
