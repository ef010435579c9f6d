package io.github.djlgan.examples.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line and scatter charts drawn with XChart (headless, PNG through {@link Plots#write}): axes with
 * ticks, titles and legends.
 */
public final class Charts {

    private static final Color[] PALETTE = {
        new Color(0x1f77b4),
        new Color(0xd62728),
        new Color(0x2ca02c),
        new Color(0xff7f0e),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0x17becf),
        new Color(0xe377c2),
        new Color(0xbcbd22),
        new Color(0x393b79)
    };

    private Charts() {}

    /**
     * A line chart: one line per series, in the order of the map.
     *
     * @param title the chart's title
     * @param xLabel the x axis title
     * @param yLabel the y axis title
     * @param series name → {x values, y values}
     * @param width the width in pixels
     * @param height the height in pixels
     * @return the chart as an image
     */
    public static BufferedImage lines(
            String title,
            String xLabel,
            String yLabel,
            Map<String, double[][]> series,
            int width,
            int height) {
        return lines(title, xLabel, yLabel, series, LineOptions.DEFAULT, width, height);
    }

    /**
     * What a line chart adds to its series: fixed axis ends, horizontal reference lines, markers
     * and where the legend goes.
     *
     * @param xMin the x axis minimum, or {@code null} for XChart's choice (the smallest x)
     * @param xPattern the x tick labels' {@link java.text.DecimalFormat} pattern, or {@code null}
     *     for XChart's choice (which turns to 1E5-style labels for large numbers)
     * @param yMin the y axis minimum, or {@code null} for XChart's choice
     * @param yMax the y axis maximum, or {@code null} for XChart's choice
     * @param references name → y of a dashed grey horizontal line across the series' x range, named
     *     in the legend
     * @param markers whether every point gets a marker (without, only lines are drawn)
     * @param legend where the legend goes
     */
    public record LineOptions(
            Double xMin,
            String xPattern,
            Double yMin,
            Double yMax,
            Map<String, Double> references,
            boolean markers,
            Styler.LegendPosition legend) {

        /** XChart's axis ends, no reference line, a marker on every point, the legend top right. */
        public static final LineOptions DEFAULT =
                new LineOptions(
                        null, null, null, null, Map.of(), true, Styler.LegendPosition.InsideNE);

        /**
         * These options with other reference lines.
         *
         * @param lines name → y of each dashed grey horizontal line, not null
         * @return the options with those lines
         */
        public LineOptions withReferences(Map<String, Double> lines) {
            return new LineOptions(
                    xMin, xPattern, yMin, yMax, Objects.requireNonNull(lines), markers, legend);
        }
    }

    /**
     * A line chart: one line per series, in the order of the map, with the given options.
     *
     * @param title the chart's title
     * @param xLabel the x axis title
     * @param yLabel the y axis title
     * @param series name → {x values, y values}
     * @param options the axis ends, x tick labels, reference lines, markers and legend
     * @param width the width in pixels
     * @param height the height in pixels
     * @return the chart as an image
     */
    public static BufferedImage lines(
            String title,
            String xLabel,
            String yLabel,
            Map<String, double[][]> series,
            LineOptions options,
            int width,
            int height) {
        XYChart chart =
                new XYChartBuilder()
                        .width(width)
                        .height(height)
                        .title(title)
                        .xAxisTitle(xLabel)
                        .yAxisTitle(yLabel)
                        .build();
        style(chart);
        chart.getStyler().setLegendPosition(options.legend());
        chart.getStyler()
                .setXAxisMin(xAxisMin(series.values(), options.xMin()))
                .setXAxisDecimalPattern(options.xPattern());
        chart.getStyler().setYAxisMin(options.yMin()).setYAxisMax(options.yMax());
        int i = 0;
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
            s.setMarker(options.markers() ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            s.setLineColor(PALETTE[i % PALETTE.length]);
            s.setMarkerColor(PALETTE[i % PALETTE.length]);
            s.setLineStyle(new BasicStroke(2f));
            for (double x : e.getValue()[0]) {
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
            }
            i++;
        }
        if (options.xMin() != null) {
            xMin = Math.min(xMin, options.xMin());
        }
        if (xMin <= xMax) {
            for (Map.Entry<String, Double> r : options.references().entrySet()) {
                double y = r.getValue();
                XYSeries s =
                        chart.addSeries(r.getKey(), new double[] {xMin, xMax}, new double[] {y, y});
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(Color.GRAY);
                s.setLineStyle(
                        new BasicStroke(
                                1.5f,
                                BasicStroke.CAP_BUTT,
                                BasicStroke.JOIN_MITER,
                                10f,
                                new float[] {6f, 4f},
                                0f));
            }
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    /**
     * The x axis minimum a line chart hands to XChart: {@code xMin} (or XChart's choice, the
     * smallest x, when null) — moved down by a thousandth of the spacing when the x values of all
     * series, with {@code xMin}, are equally spaced. XChart 3.8 ticks such an axis at every k-th x
     * value, the smallest k whose labels fit (58,000, 116,000, … for a value every 1,000), instead
     * of at round numbers; an axis end off that grid makes it choose round numbers (0, 50,000,
     * 100,000, …); a thousandth of a spacing is under a pixel while a spacing is under 1,000
     * pixels.
     *
     * @param series the series, each {x values, y values}
     * @param xMin the requested minimum, or {@code null} for the smallest x
     * @return the minimum to set, or {@code null} to leave it to XChart
     */
    static Double xAxisMin(Collection<double[][]> series, Double xMin) {
        TreeSet<Double> xs = new TreeSet<>();
        for (double[][] s : series) {
            for (double x : s[0]) {
                if (Double.isFinite(x)) {
                    xs.add(x);
                }
            }
        }
        if (xMin != null) {
            xs.add(xMin);
        }
        if (xs.size() < 3) {
            return xMin;
        }
        double step = xs.higher(xs.first()) - xs.first();
        double previous = xs.first();
        for (double x : xs.tailSet(xs.first(), false)) {
            if (Math.abs(x - previous - step) > 1e-9 * step) {
                return xMin;
            }
            previous = x;
        }
        return xs.first() - step / 1000;
    }

    /**
     * A scatter plot of generated 2-D points over the modes of a mixture: points in blue, each
     * mode's mean as a red cross and its high-quality radius as a red circle.
     *
     * @param title the chart's title
     * @param points the points, flat x0, y0, x1, y1, …
     * @param modes the mode means, one (x, y) pair each
     * @param radius the high-quality radius (3σ) drawn around each mean
     * @param extent the half-width of the square shown, centred on the origin
     * @param size the width and height in pixels
     * @return the chart as an image
     */
    public static BufferedImage scatter(
            String title,
            float[] points,
            double[][] modes,
            double radius,
            double extent,
            int size) {
        XYChart chart = new XYChartBuilder().width(size).height(size).title(title).build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMarkerSize(2);
        chart.getStyler().setXAxisMin(-extent).setXAxisMax(extent);
        chart.getStyler().setYAxisMin(-extent).setYAxisMax(extent);
        int n = points.length / 2;
        double[] x = new double[n];
        double[] y = new double[n];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            double px = points[2 * i];
            double py = points[2 * i + 1];
            if (Double.isFinite(px) && Double.isFinite(py)) {
                x[kept] = px;
                y[kept] = py;
                kept++;
            }
        }
        XYSeries samples =
                chart.addSeries(
                        "samples",
                        java.util.Arrays.copyOf(x, kept),
                        java.util.Arrays.copyOf(y, kept));
        samples.setMarker(SeriesMarkers.CIRCLE);
        samples.setMarkerColor(new Color(31, 119, 180, 110));
        double[] mx = new double[modes.length];
        double[] my = new double[modes.length];
        for (int j = 0; j < modes.length; j++) {
            mx[j] = modes[j][0];
            my[j] = modes[j][1];
        }
        XYSeries means = chart.addSeries("modes", mx, my);
        means.setMarker(SeriesMarkers.CROSS);
        means.setMarkerColor(Color.RED);
        for (int j = 0; j < modes.length; j++) {
            double[][] circle = circle(modes[j], radius);
            XYSeries c = chart.addSeries("3σ " + j, circle[0], circle[1]);
            c.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            c.setMarker(SeriesMarkers.NONE);
            c.setLineColor(Color.RED);
            c.setLineStyle(new BasicStroke(1f));
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    private static double[][] circle(double[] centre, double radius) {
        int k = 24;
        double[] x = new double[k + 1];
        double[] y = new double[k + 1];
        for (int i = 0; i <= k; i++) {
            double a = 2 * Math.PI * i / k;
            x[i] = centre[0] + radius * Math.cos(a);
            y[i] = centre[1] + radius * Math.sin(a);
        }
        return new double[][] {x, y};
    }

    private static void style(XYChart chart) {
        org.knowm.xchart.style.XYStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(225, 225, 225));
        styler.setChartTitleBoxVisible(false);
        styler.setLegendBorderColor(new Color(200, 200, 200));
        styler.setAntiAlias(true);
    }

    /**
     * Lays out images in a grid under a title ({@link Plots#panels}).
     *
     * @param panels the images
     * @param columns the number of columns
     * @param title the title above the grid
     * @return the composed image
     */
    public static BufferedImage grid(List<BufferedImage> panels, int columns, String title) {
        return Plots.panels(panels, columns, title);
    }
}
