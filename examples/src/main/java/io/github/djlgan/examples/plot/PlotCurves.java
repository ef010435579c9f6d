package io.github.djlgan.examples.plot;

import io.github.djlgan.examples.UsageErrors;
import io.github.djlgan.examples.modes.ModeRun;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
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

    /** The header of a curves file, as {@code mode-coverage} writes it. */
    static final String HEADER = String.join(",", ModeRun.CURVES_COLUMNS);

    /** The discriminator's loss at chance, D = 1/2 on real and generated samples: ln 4. */
    static final double LOSS_AT_CHANCE = Math.log(4);

    /** The width of one panel in pixels. */
    static final int PANEL_WIDTH = 620;

    /** The height of one panel in pixels. */
    static final int PANEL_HEIGHT = 340;

    /** Panels per row of a figure (four panels: two rows). */
    static final int COLUMNS = 2;

    /**
     * Protocol and data names become file names, {@code <protocol>-<data>-curves.png}: nothing but
     * these characters, so that two pairs never share a file.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

    @Spec CommandSpec spec;

    @Option(
            names = "--curves",
            required = true,
            arity = "1..*",
            paramLabel = "FILE",
            description = "curves.csv files written by mode-coverage, one or more.")
    List<Path> curves;

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

    @Option(
            names = "--label",
            paramLabel = "FILE=TEXT",
            description =
                    "Puts TEXT before the series names of FILE's runs (repeatable); runs of files"
                            + " with different labels are different series.")
    Map<Path, String> labels = new LinkedHashMap<>();

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        if (window < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--window: expected K >= 1, got " + window);
        }
        List<Run> runs = UsageErrors.checked(spec, () -> read(curves, labels));
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
     * One measurement of a run: a row of a curves file but for the run's columns.
     *
     * @param iteration the iteration
     * @param modes the modes captured
     * @param of the mixture's number of modes
     * @param hqPct the high-quality samples in percent
     * @param rkl the reverse KL in nats
     * @param lossD the discriminator's loss
     * @param lossG the generator's loss
     */
    record Point(
            int iteration,
            int modes,
            int of,
            double hqPct,
            double rkl,
            double lossD,
            double lossG) {}

    /**
     * One run's curve.
     *
     * @param protocol the protocol's name
     * @param data the data set's name
     * @param name the series name: {@code <variant> seed <s>}, after the file's label if it has one
     * @param points the measurements in order of iteration, one per iteration
     */
    record Run(String protocol, String data, String name, List<Point> points) {

        /**
         * The values of one column, in order of iteration.
         *
         * @param column the column
         * @return its values, one per point
         */
        double[] values(ToDoubleFunction<Point> column) {
            return points.stream().mapToDouble(column).toArray();
        }
    }

    /**
     * Reads curves files: their runs in order of first appearance, each with the last row read of
     * each of its iterations, in order of iteration. A run is a (label, protocol, data, variant,
     * seed); files without a label share the empty one. Blank lines are skipped.
     *
     * @param files the files, read in this order
     * @param labels file → label, for some of the files
     * @return the runs
     * @throws IllegalArgumentException naming the file (and line) if a file is missing, its header
     *     is not {@link #HEADER}, a row has another number of columns or a value that is not a
     *     (finite) number, or if there are no rows at all
     */
    static List<Run> read(List<Path> files, Map<Path, String> labels) {
        Map<Path, String> byFile = new LinkedHashMap<>();
        for (Map.Entry<Path, String> e : labels.entrySet()) {
            if (files.stream().noneMatch(f -> same(f, e.getKey()))) {
                throw new IllegalArgumentException(
                        "--label: " + e.getKey() + " is not one of the --curves files");
            }
            if (e.getValue().isBlank()) {
                throw new IllegalArgumentException("--label: empty label for " + e.getKey());
            }
            byFile.put(e.getKey().toAbsolutePath().normalize(), e.getValue());
        }
        Map<List<String>, TreeMap<Integer, Point>> points = new LinkedHashMap<>();
        for (Path file : files) {
            String label = byFile.get(file.toAbsolutePath().normalize());
            List<String> lines = lines(file);
            if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
                throw new IllegalArgumentException(
                        file
                                + ": expected the header "
                                + HEADER
                                + ", got "
                                + (lines.isEmpty() ? "an empty file" : lines.get(0)));
            }
            for (int n = 2; n <= lines.size(); n++) {
                String line = lines.get(n - 1);
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                String where = file + " line " + n + ": ";
                if (cells.length != ModeRun.CURVES_COLUMNS.size()) {
                    throw new IllegalArgumentException(
                            where
                                    + "expected "
                                    + ModeRun.CURVES_COLUMNS.size()
                                    + " columns, got "
                                    + cells.length);
                }
                for (int c = 0; c < 2; c++) {
                    if (!NAME.matcher(cells[c]).matches()) {
                        throw new IllegalArgumentException(
                                where
                                        + ModeRun.CURVES_COLUMNS.get(c)
                                        + ": expected letters, digits or _, got '"
                                        + cells[c]
                                        + "'");
                    }
                }
                long seed = cell(cells, 3, "an integer", Long::parseLong, where);
                Point p =
                        new Point(
                                cell(cells, 4, "an integer", Integer::parseInt, where),
                                cell(cells, 5, "an integer", Integer::parseInt, where),
                                cell(cells, 6, "an integer", Integer::parseInt, where),
                                cell(cells, 7, "a finite number", PlotCurves::finite, where),
                                cell(cells, 8, "a finite number", PlotCurves::finite, where),
                                cell(cells, 9, "a finite number", PlotCurves::finite, where),
                                cell(cells, 10, "a finite number", PlotCurves::finite, where));
                List<String> run =
                        List.of(
                                label == null ? "" : label,
                                cells[0],
                                cells[1],
                                cells[2],
                                Long.toString(seed));
                points.computeIfAbsent(run, k -> new TreeMap<>()).put(p.iteration(), p);
            }
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("--curves: no rows in " + files);
        }
        List<Run> runs = new ArrayList<>();
        for (Map.Entry<List<String>, TreeMap<Integer, Point>> e : points.entrySet()) {
            List<String> run = e.getKey();
            String label = run.get(0).isEmpty() ? "" : run.get(0) + " ";
            String name = label + run.get(3) + " seed " + run.get(4);
            runs.add(new Run(run.get(1), run.get(2), name, List.copyOf(e.getValue().values())));
        }
        return runs;
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

    /** A cell parsed, or an exception naming the file, line, column and value. */
    private static <T> T cell(
            String[] cells, int column, String expected, Function<String, T> parse, String where) {
        try {
            return parse.apply(cells[column].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    where
                            + ModeRun.CURVES_COLUMNS.get(column)
                            + ": expected "
                            + expected
                            + ", got '"
                            + cells[column]
                            + "'",
                    e);
        }
    }

    private static double finite(String cell) {
        double v = Double.parseDouble(cell);
        if (!Double.isFinite(v)) {
            throw new NumberFormatException("not finite: " + cell);
        }
        return v;
    }

    private static List<String> lines(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--curves: no such file " + file);
        }
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--curves: cannot read " + file + ": " + e, e);
        }
    }

    private static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
