package io.github.djlgan.examples.report;

import io.github.djlgan.examples.modes.ModeRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

/**
 * The {@code curves.csv} files that {@code mode-coverage} writes, read back as runs: one
 * measurement per evaluation, the runs of several files (sittings of runs continued with {@code
 * --resume}) joined, the last row of a repeated iteration kept. Read by {@code plot-curves} and
 * {@code curves-table}.
 */
public final class Curves {

    /** The header of a curves file, as {@code mode-coverage} writes it. */
    public static final String HEADER = String.join(",", ModeRun.CURVES_COLUMNS);

    /**
     * Protocol and data names: nothing but these characters, so that they can name files ({@code
     * plot-curves} writes {@code <protocol>-<data>-curves.png}) and two pairs never share one.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

    private Curves() {}

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
    public record Point(
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
     * @param label the label of the file(s) it was read from, empty if none
     * @param protocol the protocol's name
     * @param data the data set's name
     * @param variant the variant's name
     * @param seed the seed
     * @param points the measurements in order of iteration, one per iteration
     */
    public record Run(
            String label,
            String protocol,
            String data,
            String variant,
            long seed,
            List<Point> points) {

        /**
         * The series name: {@code <variant> seed <s>}, after the label if there is one.
         *
         * @return the name
         */
        public String name() {
            return (label.isEmpty() ? "" : label + " ") + variant + " seed " + seed;
        }

        /**
         * The values of one column, in order of iteration.
         *
         * @param column the column
         * @return its values, one per point
         */
        public double[] values(ToDoubleFunction<Point> column) {
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
    public static List<Run> read(List<Path> files, Map<Path, String> labels) {
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
                                cell(cells, 7, "a finite number", Curves::finite, where),
                                cell(cells, 8, "a finite number", Curves::finite, where),
                                cell(cells, 9, "a finite number", Curves::finite, where),
                                cell(cells, 10, "a finite number", Curves::finite, where));
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
            runs.add(
                    new Run(
                            run.get(0),
                            run.get(1),
                            run.get(2),
                            run.get(3),
                            Long.parseLong(run.get(4)),
                            List.copyOf(e.getValue().values())));
        }
        return runs;
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
