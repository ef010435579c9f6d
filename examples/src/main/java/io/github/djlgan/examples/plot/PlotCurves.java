package io.github.djlgan.examples.plot;

import io.github.djlgan.examples.UsageErrors;
import io.github.djlgan.examples.report.Curves.Point;
import io.github.djlgan.examples.report.Curves.Run;
import io.github.djlgan.examples.report.CurvesFiles;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Draws the training curves of mode-coverage runs from {@code curves.csv} files as {@code
 * mode-coverage} writes them, so that runs trained across several sittings ({@code --resume}) can
 * be plotted from their curves. A file may repeat a run's iteration (a resumed run); the last row
 * of each (protocol, data, variant, seed, iteration) is kept, over all the files read in order.
 * Runs of files given different {@code --label}s are different series.
 *
 * <p>Writes to {@code --out}, for each (protocol, data) present, {@code
 * <protocol>-<data>-curves.png}: modes captured (up to the mixture's mode count), high-quality
 * samples (%), reverse KL (nats) and the discriminator's loss (with its value at chance, ln 4),
 * against iterations, one line per run; with {@code --window K} every point is the mean of the
 * run's last K measurements.
 */
@Command(
        name = "plot-curves",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Draws the training curves of mode-coverage runs from their curves.csv files (runs"
                    + " trained across several sittings included): one figure per protocol and"
                    + " data set with modes captured, high-quality samples, reverse KL and the"
                    + " discriminator's loss, one line per run."
        })
public final class PlotCurves implements Callable<Integer> {

    /** The discriminator's loss at chance, D = 1/2 on real and generated samples: ln 4. */
    static final double LOSS_AT_CHANCE = Math.log(4);

    /** The width of one panel in pixels. */
    static final int PANEL_WIDTH = 620;

    /** The height of one panel in pixels. */
    static final int PANEL_HEIGHT = 340;

    /** Panels per row of a figure (four panels: two rows). */
    static final int COLUMNS = 2;

    @Spec CommandSpec spec;

    @Mixin CurvesFiles curves;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Where the figures are written.")
    Path out;

    @Option(
            names = "--window",
            defaultValue = "1",
            paramLabel = "K",
            description =
                    "Each point the mean of the run's last K measurements (default:"
                            + " ${DEFAULT-VALUE}, the measurements themselves).")
    int window;

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        if (window < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--window: expected K >= 1, got " + window);
        }
        List<Run> runs = UsageErrors.checked(spec, curves::read);
        Map<String, List<Run>> figures = new LinkedHashMap<>();
        for (Run r : runs) {
            figures.computeIfAbsent(r.protocol() + "-" + r.data(), k -> new ArrayList<>()).add(r);
        }
        PrintWriter printed = spec.commandLine().getOut();
        for (Map.Entry<String, List<Run>> e : figures.entrySet()) {
            Path file = out.resolve(e.getKey() + "-curves.png");
            Plots.write(figure(e.getValue(), window), file);
            printed.println("Wrote " + file);
        }
        printed.flush();
        return 0;
    }

    /**
     * The trailing running mean: element i is the mean of elements max(0, i − window + 1) … i,
     * fewer than {@code window} at the start.
     *
     * @param values the values
     * @param window the number of values averaged, at least 1 (1 = the values themselves)
     * @return the means, one per value
     */
    static double[] runningMean(double[] values, int window) {
        double[] means = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            int from = Math.max(0, i - window + 1);
            double sum = 0;
            for (int j = from; j <= i; j++) {
                sum += values[j];
            }
            means[i] = sum / (i - from + 1);
        }
        return means;
    }

    /** The four panels of one (protocol, data)'s runs under one title. */
    private static BufferedImage figure(List<Run> runs, int window) {
        int of =
                runs.stream().flatMap(r -> r.points().stream()).mapToInt(Point::of).max().orElse(0);
        String smoothed = window > 1 ? ", mean of last " + window : "";
        String chance = String.format(Locale.ROOT, "chance: ln 4 = %.3f", LOSS_AT_CHANCE);
        List<BufferedImage> panels =
                List.of(
                        panel(
                                "modes captured (of " + of + ")",
                                smoothed,
                                runs,
                                p -> p.modes(),
                                window,
                                0.0,
                                (double) of,
                                Map.of()),
                        panel(
                                "high-quality samples (%)",
                                smoothed, runs, Point::hqPct, window, 0.0, null, Map.of()),
                        panel(
                                "reverse KL (nats)",
                                smoothed,
                                runs,
                                Point::rkl,
                                window,
                                0.0,
                                null,
                                Map.of()),
                        panel(
                                "discriminator loss",
                                smoothed,
                                runs,
                                Point::lossD,
                                window,
                                null,
                                null,
                                Map.of(chance, LOSS_AT_CHANCE)));
        return Charts.grid(
                panels,
                COLUMNS,
                runs.get(0).protocol() + " protocol, " + runs.get(0).data() + ": training curves");
    }

    /** One panel: a column of every run against iterations, from iteration 0, lines only. */
    private static BufferedImage panel(
            String quantity,
            String smoothed,
            List<Run> runs,
            ToDoubleFunction<Point> column,
            int window,
            Double yMin,
            Double yMax,
            Map<String, Double> references) {
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (Run r : runs) {
            double[] x = r.values(Point::iteration);
            series.put(r.name(), new double[][] {x, runningMean(r.values(column), window)});
        }
        Charts.LineOptions options =
                new Charts.LineOptions(
                        0.0,
                        "#,###",
                        yMin,
                        yMax,
                        references,
                        false,
                        Styler.LegendPosition.OutsideE);
        return Charts.lines(
                quantity + smoothed,
                "iteration",
                quantity,
                series,
                options,
                PANEL_WIDTH,
                PANEL_HEIGHT);
    }
}
