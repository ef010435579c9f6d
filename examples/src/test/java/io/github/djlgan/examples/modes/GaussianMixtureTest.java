package io.github.djlgan.examples.modes;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.util.Random;
import org.testng.annotations.Test;

public class GaussianMixtureTest {

    @Test
    public void gridHas25ModesTwoApart() {
        GaussianMixture grid = GaussianMixture.grid();
        assertEquals(grid.numModes(), 25);
        assertEquals(grid.sigma(), 0.05);
        double[][] means = grid.means();
        for (int a = 0; a < 5; a++) {
            for (int b = 0; b < 5; b++) {
                double x = -4 + 2 * a;
                double y = -4 + 2 * b;
                assertEquals(grid.nearestMode(x, y), indexOf(means, x, y));
            }
        }
    }

    @Test
    public void ringHas8ModesOnTheUnitCircle() {
        GaussianMixture ring = GaussianMixture.ring();
        assertEquals(ring.numModes(), 8);
        assertEquals(ring.sigma(), 0.01);
        for (double[] mean : ring.means()) {
            assertEquals(Math.hypot(mean[0], mean[1]), 1.0, 1e-12);
        }
        double[] first = ring.means()[1];
        assertEquals(first[0], Math.sqrt(0.5), 1e-12);
        assertEquals(first[1], Math.sqrt(0.5), 1e-12);
    }

    @Test
    public void samplesAreNearAModeAndBalanced() {
        GaussianMixture ring = GaussianMixture.ring();
        float[] points = ring.sample(new Random(3), 8000);
        int[] counts = new int[8];
        double[][] means = ring.means();
        for (int i = 0; i < 8000; i++) {
            int j = ring.nearestMode(points[2 * i], points[2 * i + 1]);
            counts[j]++;
            double r = Math.hypot(points[2 * i] - means[j][0], points[2 * i + 1] - means[j][1]);
            assertTrue(r < 6 * ring.sigma(), "sample " + i + " at distance " + r);
        }
        for (int c : counts) {
            assertTrue(Math.abs(c - 1000) < 150, "count " + c + " of 8000 on one of 8 modes");
        }
    }

    @Test
    public void nonFinitePointsHaveNoMode() {
        assertEquals(GaussianMixture.grid().nearestMode(Double.NaN, 0), -1);
        assertEquals(GaussianMixture.grid().nearestMode(0, Double.POSITIVE_INFINITY), -1);
    }

    private static int indexOf(double[][] means, double x, double y) {
        for (int i = 0; i < means.length; i++) {
            if (means[i][0] == x && means[i][1] == y) {
                return i;
            }
        }
        throw new AssertionError("no mode at " + x + ", " + y);
    }
}
