package io.github.djlgan.examples.modes;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import org.testng.annotations.Test;

/** The metrics on hand-made point sets, against values worked out by hand. */
public class ModeMetricsTest {

    /** Four modes on the corners of a 10 × 10 square, σ = 1: high quality means within 3. */
    private static final GaussianMixture SQUARE =
            GaussianMixture.of("square", new double[][] {{0, 0}, {10, 0}, {0, 10}, {10, 10}}, 1.0);

    @Test
    public void mixedSet() {
        float[] points = {
            0,
            0.5f, // mode 0, distance 0.5: high quality
            -1,
            1, // mode 0, distance 1.41: high quality
            10,
            2.9f, // mode 1, distance 2.9: high quality
            10,
            3.1f, // mode 1, distance 3.1 > 3: not
            5,
            5, // equidistant from all four modes, distance 7.07: not
            Float.NaN,
            0 // not finite: counts in n, never high quality
        };
        ModeMetrics m = ModeMetrics.of(SQUARE, points);
        assertEquals(m.numSamples(), 6);
        assertEquals(m.numModes(), 4);
        assertEquals(m.histogram(), new int[] {2, 1, 0, 0});
        assertEquals(m.modesCaptured(), 2);
        assertEquals(m.highQualityPercent(), 50.0, 1e-12); // 3 of 6
        // p = (2/3, 1/3, 0, 0): KL(p || 1/4) = 2/3 ln(8/3) + 1/3 ln(4/3) = 0.7497800...
        assertEquals(m.reverseKl(), 0.74978, 1e-5);
    }

    @Test
    public void evenlySpreadIsZeroKl() {
        float[] points = {0, 0, 10, 0, 0, 10, 10, 10, 0.5f, 0, 10, 0.5f, 0.5f, 10, 10, 9.5f};
        ModeMetrics m = ModeMetrics.of(SQUARE, points);
        assertEquals(m.modesCaptured(), 4);
        assertEquals(m.highQualityPercent(), 100.0, 1e-12);
        assertEquals(m.reverseKl(), 0.0, 1e-12);
    }

    @Test
    public void collapsedIsLogM() {
        float[] points = {10, 10, 10.5f, 10, 9, 11, 10, 10};
        ModeMetrics m = ModeMetrics.of(SQUARE, points);
        assertEquals(m.modesCaptured(), 1);
        assertEquals(m.histogram(), new int[] {0, 0, 0, 4});
        assertEquals(m.reverseKl(), 1.3862944, 1e-6); // ln 4
    }

    @Test
    public void noHighQualitySampleCountsAsCollapse() {
        float[] points = {5, 5, 4, 5, 20, 20};
        ModeMetrics m = ModeMetrics.of(SQUARE, points);
        assertEquals(m.modesCaptured(), 0);
        assertEquals(m.highQualityPercent(), 0.0);
        assertEquals(m.reverseKl(), 1.3862944, 1e-6); // ln 4 by convention
    }

    @Test
    public void threeSigmaIsInclusive() {
        GaussianMixture one = GaussianMixture.of("one", new double[][] {{0, 0}, {100, 0}}, 0.5);
        ModeMetrics m = ModeMetrics.of(one, new float[] {1.5f, 0, 0, -1.5f, 0, 1.5001f});
        assertEquals(m.histogram(), new int[] {2, 0});
        assertEquals(m.highQualityPercent(), 200.0 / 3, 1e-9);
    }

    @Test
    public void realSamplesScoreAsExpected() {
        // a perfect generator: the mixture itself. P(r <= 3 sigma) = 1 - exp(-9/2) = 0.98889 in 2D
        GaussianMixture grid = GaussianMixture.grid();
        ModeMetrics m = ModeMetrics.of(grid, grid.sample(new java.util.Random(7), 20000));
        assertEquals(m.modesCaptured(), 25);
        assertEquals(m.highQualityPercent(), 98.889, 0.3);
        // multinomial noise only: E[KL] ~ (M - 1) / (2 n) = 0.0006
        assertEquals(m.reverseKl(), 0.0, 0.003);
    }

    @Test
    public void rejectsMalformedArrays() {
        for (float[] points : new float[][] {new float[0], {1, 2, 3}}) {
            String message =
                    expectThrows(
                                    IllegalArgumentException.class,
                                    () -> ModeMetrics.of(SQUARE, points))
                            .getMessage();
            assertTrue(
                    message.startsWith("ModeMetrics:")
                            && message.endsWith("got length " + points.length),
                    message);
        }
    }
}
