package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class GaussianNoiseTest extends EngineTest {

    private static final int SAMPLES = 100_000;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GaussianNoiseTest(String engine) {
        super(engine);
    }

    /** The noise y − x of one training pass, as doubles. */
    private double[] noise(GaussianNoise block, NDArray x) {
        NDArray y = forward(block, true, x);
        assertEquals(y.getShape(), x.getShape());
        assertEquals(y.getDataType(), x.getDataType());
        double[] out = NDAssert.toDoubles(y);
        double[] in = NDAssert.toDoubles(x);
        for (int i = 0; i < out.length; i++) {
            out[i] -= in[i];
        }
        return out;
    }

    /**
     * Checks sample mean, standard deviation and lag-1 autocorrelation of {@code e} against N(0,
     * σ²), each within 5 standard errors.
     */
    private static void assertGaussian(double[] e, double sigma) {
        int n = e.length;
        double mean = 0;
        for (double v : e) {
            mean += v;
        }
        mean /= n;
        double var = 0;
        double lag = 0;
        for (int i = 0; i < n; i++) {
            var += (e[i] - mean) * (e[i] - mean);
            if (i > 0) {
                lag += (e[i] - mean) * (e[i - 1] - mean);
            }
        }
        double std = Math.sqrt(var / (n - 1));
        double correlation = lag / var;
        double meanBound = 5 * sigma / Math.sqrt(n);
        double stdBound = 5 * sigma / Math.sqrt(2.0 * n);
        double correlationBound = 5 / Math.sqrt(n);
        assertTrue(Math.abs(mean) < meanBound, "mean " + mean + " beyond ±" + meanBound);
        assertTrue(Math.abs(std - sigma) < stdBound, "std " + std + " not within " + stdBound);
        assertTrue(
                Math.abs(correlation) < correlationBound,
                "lag-1 correlation " + correlation + " beyond ±" + correlationBound);
    }

    @Test
    public void identityAtInference() {
        GaussianNoise block = GaussianNoise.builder().optSigma(0.5f).build();
        for (long[] dims : new long[][] {{7}, {4, 3}, {2, 3, 5}, {2, 3, 4, 5}, {1, 2, 2, 2, 2}}) {
            NDArray x = randn(1, dims);
            NDAssert.assertEqual(forward(block, false, x), x);
        }
    }

    @Test
    public void sigmaZeroIsIdentityInTraining() {
        GaussianNoise block = GaussianNoise.builder().optSigma(0).build();
        NDArray x = randn(2, 4, 3, 2);
        NDAssert.assertEqual(forward(block, true, x), x);
    }

    @Test
    public void noiseStatisticsFloat32() {
        Engine.getEngine(engineName).setRandomSeed(1234);
        GaussianNoise block = GaussianNoise.builder().optSigma(0.5f).build();
        NDArray x = randn(3, 100, 10, 10, 10);
        double[] e = noise(block, x);
        assertEquals(e.length, SAMPLES);
        assertGaussian(e, 0.5);
    }

    @Test
    public void noiseStatisticsFloat64DefaultSigma() {
        Engine.getEngine(engineName).setRandomSeed(4321);
        GaussianNoise block = GaussianNoise.builder().build();
        assertEquals(block.getSigma(), 0.1f);
        NDArray x = randn(4, DataType.FLOAT64, 1000, 100);
        assertGaussian(noise(block, x), 0.1f);
    }

    @Test
    public void freshNoiseEveryCallAndSeededByTheEngine() {
        GaussianNoise block = GaussianNoise.builder().build();
        NDArray x = manager.zeros(new Shape(4, 50));
        Engine engine = Engine.getEngine(engineName);
        engine.setRandomSeed(42);
        double[] first = noise(block, x);
        double[] second = noise(block, x);
        engine.setRandomSeed(42);
        double[] again = noise(block, x);
        int same = 0;
        for (int i = 0; i < first.length; i++) {
            same += first[i] == second[i] ? 1 : 0;
        }
        assertEquals(same, 0, "two calls drew the same noise at " + same + " positions");
        NDAssert.assertClose(manager.create(again, x.getShape()), first, x.getShape(), 0, 0);
    }

    @Test
    public void gradientIsOneInTraining() {
        GaussianNoise block = GaussianNoise.builder().optSigma(0.3f).build();
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            NDArray x = randn(5, type, 3, 4, 5);
            x.setRequiresGradient(true);
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray y = forward(block, true, x);
                collector.backward(y.sum());
            }
            NDAssert.assertAllClose(x.getGradient(), 1, 0, 0);
        }
    }

    @Test
    public void gradientCheckAtInference() {
        GaussianNoise block = GaussianNoise.builder().build();
        int checked =
                GradientCheck.of(block)
                        .training(false)
                        .check(manager, randn(6, DataType.FLOAT64, 2, 3, 4));
        assertEquals(checked, 24);
    }

    @Test
    public void noiseDoesNotAccumulateOnTheInputManager() {
        GaussianNoise block = GaussianNoise.builder().build();
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.zeros(new Shape(8, 8));
            int before = scope.getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                forward(block, true, x);
            }
            // one output per call stays with the input's manager, the noise is closed
            assertEquals(scope.getManagedArrays().size(), before + 5);
        }
    }

    @Test
    public void worksWithoutInitialization() {
        GaussianNoise block = GaussianNoise.builder().build();
        assertEquals(block.getOutputShapes(new Shape[] {new Shape(3, 4)})[0], new Shape(3, 4));
        assertEquals(forward(block, true, randn(7, 3, 4)).getShape(), new Shape(3, 4));
    }

    @Test
    public void saveLoadRoundTrip() {
        GaussianNoise trained = GaussianNoise.builder().optSigma(0.25f).build();
        init(trained, DataType.FLOAT32, new Shape(2, 3));
        GaussianNoise fresh = GaussianNoise.builder().optSigma(0.25f).build();
        RoundTrip.assertSameAfterReload(manager, trained, fresh, randn(8, 2, 3));
        assertEquals(fresh.getInputShapes()[0], new Shape(2, 3));
    }

    @Test
    public void loadIntoDifferentSigmaFails() {
        GaussianNoise saved = GaussianNoise.builder().optSigma(0.25f).build();
        init(saved, DataType.FLOAT32, new Shape(2, 3));
        RoundTrip.assertLoadRefused(
                manager,
                saved,
                GaussianNoise.builder().build(),
                "GaussianNoise",
                "sigma=0.25",
                "sigma=0.1");
    }

    @Test
    public void integerInputIsRejected() {
        GaussianNoise block = GaussianNoise.builder().build();
        NDArray x = manager.ones(new Shape(2, 3)).toType(DataType.INT32, false);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> forward(block, true, x));
        assertMessage(e, "GaussianNoise", "floating-point", "int32", "(2, 3)");
    }

    @Test
    public void builderRejectsBadSigma() {
        for (float sigma : new float[] {-0.1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> GaussianNoise.builder().optSigma(sigma).build());
            assertMessage(e, "GaussianNoise", "sigma >= 0", String.valueOf(sigma));
        }
    }
}
