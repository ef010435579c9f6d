package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import java.util.Arrays;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** {@link RandomLatentSampler}: the Java stream, its state, its distributions. */
public class LatentSamplerTest extends EngineTest {

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public LatentSamplerTest(String engine) {
        super(engine);
    }

    /**
     * SplitMix64 from seed 0 starts with 0xe220a8397b1dcdaf (the reference implementation's first
     * output, Vigna's splitmix64.c); a uniform is its top 24 bits over 2²⁴.
     */
    @Test
    public void theJavaStreamIsSplitMix64() {
        NDArray u = LatentSampler.uniform(0, 1, 1).sample(manager, 1, DataType.FLOAT32);
        double expected = (0xe220a8397b1dcdafL >>> 40) / (double) (1 << 24);
        assertEquals(u.getFloat(), (float) expected);
    }

    @Test
    public void normalLatentsAreStandardNormal() {
        NDArray z = LatentSampler.normal(100).sample(manager, 1000, DataType.FLOAT32);
        assertEquals(z.getShape(), new Shape(1000, 100));
        double[] v = toDoubles(z);
        double mean = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / v.length;
        double fourth = Arrays.stream(v).map(x -> Math.pow(x - mean, 4)).sum() / v.length;
        // 100,000 draws: standard errors 0.0032 (mean), 0.0045 (variance), 0.03 (4th moment)
        assertEquals(mean, 0, 0.015);
        assertEquals(var, 1, 0.02);
        assertEquals(fourth, 3, 0.15);
        long beyond3 = Arrays.stream(v).filter(x -> Math.abs(x) > 3).count();
        assertEquals(beyond3 / (double) v.length, 0.0027, 0.001); // P(|x| > 3)
    }

    /**
     * Kolmogorov–Smirnov against Φ on 200,000 draws: sup |F_n − Φ| below 1.63/√n (the 1% critical
     * value), and the tail beyond the ziggurat's base, |x| > 3.654, holds its 2.58·10⁻⁴ share.
     */
    @Test
    public void normalLatentsPassAKolmogorovSmirnovTest() {
        int n = 200_000;
        double[] v =
                toDoubles(LatentSampler.normal(1000).sample(manager, n / 1000, DataType.FLOAT32));
        Arrays.sort(v);
        double d = 0;
        for (int i = 0; i < n; i++) {
            double cdf = phi(v[i]);
            d = Math.max(d, Math.max(cdf - (double) i / n, (i + 1.0) / n - cdf));
        }
        assertTrue(d < 1.63 / Math.sqrt(n), "KS distance " + d);
        long tail = Arrays.stream(v).filter(x -> Math.abs(x) > 3.6541528853610088).count();
        assertEquals(tail / (double) n, 2 * (1 - phi(3.6541528853610088)), 1.5e-4);
    }

    /** Φ(x) = ½ erfc(−x/√2), with erfc from Numerical Recipes' Chebyshev fit (|error| < 1.2e-7). */
    private static double phi(double x) {
        double z = Math.abs(x) / Math.sqrt(2);
        double t = 1 / (1 + 0.5 * z);
        double erfc =
                t
                        * Math.exp(
                                -z * z
                                        - 1.26551223
                                        + t
                                                * (1.00002368
                                                        + t
                                                                * (0.37409196
                                                                        + t
                                                                                * (0.09678418
                                                                                        + t
                                                                                                * (-0.18628806
                                                                                                        + t
                                                                                                                * (0.27886807
                                                                                                                        + t
                                                                                                                                * (-1.13520398
                                                                                                                                        + t
                                                                                                                                                * (1.48851587
                                                                                                                                                        + t
                                                                                                                                                                * (-0.82215223
                                                                                                                                                                        + t
                                                                                                                                                                                * 0.17087277)))))))));
        return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
    }

    @Test
    public void uniformLatentsFillTheirRange() {
        NDArray z = LatentSampler.uniform(-2, 3, 5).sample(manager, 2000, DataType.FLOAT64);
        assertEquals(z.getDataType(), DataType.FLOAT64);
        double[] v = z.toDoubleArray();
        assertTrue(Arrays.stream(v).allMatch(x -> x >= -2 && x < 3));
        assertEquals(Arrays.stream(v).average().orElseThrow(), 0.5, 0.05);
        assertTrue(Arrays.stream(v).min().orElseThrow() < -1.99);
        assertTrue(Arrays.stream(v).max().orElseThrow() > 2.99);
    }

    @Test
    public void theStateResumesTheStream() {
        RandomLatentSampler a = LatentSampler.normal(3);
        a.sample(manager, 3, DataType.FLOAT32);
        long[] state = a.getState();
        float[] next = a.sample(manager, 4, DataType.FLOAT32).toFloatArray();
        RandomLatentSampler b = LatentSampler.normal(3);
        b.setState(state);
        assertEquals(b.sample(manager, 4, DataType.FLOAT32).toFloatArray(), next);
    }

    @Test
    public void seedsGiveIndependentStreams() {
        float[] a = LatentSampler.normal(8).sample(manager, 2, DataType.FLOAT32).toFloatArray();
        float[] same = LatentSampler.normal(8).sample(manager, 2, DataType.FLOAT32).toFloatArray();
        float[] other =
                LatentSampler.normal(8)
                        .withSeed(1)
                        .sample(manager, 2, DataType.FLOAT32)
                        .toFloatArray();
        assertEquals(same, a);
        assertFalse(Arrays.equals(other, a));
        assertEquals(LatentSampler.normal(8).withSeed(1).getSeed(), 1);
    }

    @Test
    public void engineDrawsHaveTheShapeAndNoState() {
        RandomLatentSampler s =
                RandomLatentSampler.builder()
                        .setShape(4, 1, 1)
                        .optSource(RandomLatentSampler.Source.ENGINE)
                        .build();
        NDArray z = s.sample(manager, 6, DataType.FLOAT32);
        assertEquals(z.getShape(), new Shape(6, 4, 1, 1));
        assertNull(s.getState());
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> s.setState(new long[1])),
                "RandomLatentSampler",
                "engine");
    }

    @Test
    public void badOptionsAreRefused() {
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> LatentSampler.normal()),
                "RandomLatentSampler",
                "setShape");
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> LatentSampler.normal(3, 0)),
                "RandomLatentSampler",
                "[3, 0]");
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> LatentSampler.uniform(1, 1, 3)),
                "RandomLatentSampler",
                "[1.0, 1.0)");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LatentSampler.normal(3).setState(new long[] {1, 2})),
                "RandomLatentSampler",
                "[1, 2]");
    }

    private static double[] toDoubles(NDArray x) {
        float[] f = x.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    public void aNegativeSampleCountIsRefused() {
        for (RandomLatentSampler.Source source : RandomLatentSampler.Source.values()) {
            RandomLatentSampler s =
                    RandomLatentSampler.builder().setShape(3).optSource(source).build();
            long[] before = s.getState();
            assertMessage(
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> s.sample(manager, -1, DataType.FLOAT32)),
                    "RandomLatentSampler",
                    "n >= 0",
                    "got -1");
            if (source == RandomLatentSampler.Source.JAVA) {
                assertEquals(s.getState(), before, "nothing drawn"); // the engine's has no state
            }
        }
    }

    @Test
    public void zeroSamplesAreAnEmptyBatch() {
        for (RandomLatentSampler.Source source : RandomLatentSampler.Source.values()) {
            RandomLatentSampler s =
                    RandomLatentSampler.builder().setShape(3, 2).optSource(source).build();
            long[] before = s.getState();
            NDArray z = s.sample(manager, 0, DataType.FLOAT32);
            assertEquals(z.getShape(), new Shape(0, 3, 2));
            if (source == RandomLatentSampler.Source.JAVA) {
                assertEquals(s.getState(), before, "nothing drawn"); // the engine's has no state
            }
        }
    }
}
