package io.github.djlgan.examples.plot;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.testng.annotations.Test;

/** Line charts' x axis: round-number ticks for curves evaluated at equally spaced iterations. */
public class ChartsTest {

    /** {x, y} with x = first, first + step, …, n values. */
    private static double[][] line(double first, double step, int n) {
        double[][] s = new double[2][n];
        for (int i = 0; i < n; i++) {
            s[0][i] = first + i * step;
            s[1][i] = i % 7;
        }
        return s;
    }

    private static List<double[][]> runs(double[][]... series) {
        return Arrays.asList(series);
    }

    @Test
    public void equallySpacedValuesMoveTheMinimumOffTheirGrid() {
        // Two runs evaluated every 1,000 iterations, one to 330k and one to 400k; the axis from 0.
        List<double[][]> runs = runs(line(1000, 1000, 330), line(1000, 1000, 400));
        assertEquals(Charts.xAxisMin(runs, 0.0), -1.0);
        // Without a requested minimum: a thousandth of a step below the smallest x.
        assertEquals(Charts.xAxisMin(runs(line(2500, 2500, 10)), null), 2497.5);
    }

    @Test
    public void valuesOffOneGridKeepTheRequestedMinimum() {
        // Every 1,000 from 1,000, and a run evaluated at 2,500 and 5,000.
        List<double[][]> runs = runs(line(1000, 1000, 10), line(2500, 2500, 2));
        assertEquals(Charts.xAxisMin(runs, 0.0), 0.0);
        assertNull(Charts.xAxisMin(runs, null));
        // The requested minimum off the grid (0 for values 500, 1,500, …).
        assertEquals(Charts.xAxisMin(runs(line(500, 1000, 10)), 0.0), 0.0);
    }

    @Test
    public void fewerThanThreeValuesAndNonFiniteOnesAreLeftAlone() {
        assertEquals(Charts.xAxisMin(runs(line(1000, 1000, 2)), null), null);
        assertEquals(Charts.xAxisMin(runs(line(1000, 1000, 1)), 0.0), 0.0);
        double[][] withNaN = line(1000, 1000, 5);
        withNaN[0][4] = Double.NaN;
        assertEquals(Charts.xAxisMin(runs(withNaN), 0.0), -1.0);
    }

    /**
     * XChart itself: equally spaced x values from the axis minimum get ticks at every k-th value
     * (not round numbers); with the minimum {@link Charts#xAxisMin} gives, every tick is a multiple
     * of a round step. Fails if an XChart upgrade changes either behaviour.
     */
    @Test
    public void xchartTicksRoundNumbersOnlyOffTheGrid() {
        List<double[][]> runs = runs(line(1000, 1000, 400));
        List<Double> onGrid = xTicks(runs, 0.0);
        assertTrue(
                onGrid.stream().anyMatch(t -> t % 10000 != 0),
                "XChart ticked equally spaced values at round numbers: " + onGrid);
        List<Double> offGrid = xTicks(runs, Charts.xAxisMin(runs, 0.0));
        assertTrue(offGrid.size() >= 3, "ticks: " + offGrid);
        double step = offGrid.get(1) - offGrid.get(0);
        assertTrue(List.of(20000.0, 25000.0, 50000.0, 100000.0).contains(step), "ticks " + offGrid);
        for (double t : offGrid) {
            assertEquals(t % step, 0.0, "tick " + t + " of " + offGrid);
        }
    }

    /** The x tick values XChart draws for these series at Charts' panel size and pattern. */
    private static List<Double> xTicks(List<double[][]> series, Double xMin) {
        TickProbe chart = new TickProbe();
        chart.getStyler().setXAxisMin(xMin).setXAxisDecimalPattern("#,###");
        int i = 0;
        for (double[][] s : series) {
            chart.addSeries("run " + i++, s[0], s[1]);
        }
        BitmapEncoder.getBufferedImage(chart);
        List<Double> ticks = new ArrayList<>();
        for (String label : chart.xTickLabels()) {
            ticks.add(Double.parseDouble(label.replace(",", "")));
        }
        return ticks;
    }

    /** An XY chart that reads back its x axis' tick labels after painting. */
    private static final class TickProbe extends XYChart {
        TickProbe() {
            super(PlotCurves.PANEL_WIDTH, PlotCurves.PANEL_HEIGHT);
        }

        List<String> xTickLabels() {
            return axisPair.getXAxis().getAxisTickCalculator().getTickLabels();
        }
    }
}
