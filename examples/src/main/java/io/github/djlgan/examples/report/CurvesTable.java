package io.github.djlgan.examples.report;

import io.github.djlgan.examples.UsageErrors;
import io.github.djlgan.examples.report.Curves.Point;
import io.github.djlgan.examples.report.Curves.Run;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.DoubleSummaryStatistics;
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints, from the {@code curves.csv} files of mode-coverage runs (runs continued across sittings
 * included, read as {@code plot-curves} reads them), the tables README and {@code
 * docs/protocols.md} quote, as Markdown on standard output. For each (protocol, data set):
 *
 * <ul>
 *   <li>one row per run: its reading at iteration N ({@code --at}: the mean of its last K
 *       evaluations up to N, {@code --last}), the iteration it ended at (in bold if it reached the
 *       protocol's length, {@code --full}), the mean and range of its last K evaluations, and its
 *       final evaluation;
 *   <li>one row per variant (and label): the mean ± sample standard deviation over its runs of
 *       their readings at N, and of their readings at the protocol's length (the mean of their last
 *       K evaluations up to it) over the runs that reached it (in both, runs without an evaluation
 *       up to the iteration are left out); a single run's reading stands alone;
 *   <li>with {@code --windows W}, one table per run of consecutive windows of W iterations ({@code
 *       (a, a + W]}): mean and range of modes and high quality, mean reverse KL and discriminator
 *       loss.
 * </ul>
 *
 * <p>The protocol's length is {@code --full}, by default the longest run of the protocol and data
 * set among all the runs read ({@code --run} selects what is printed, not what is read). Modes and
 * high-quality percentages are given to one decimal, reverse KL and losses to two; ranges are the
 * least and greatest single evaluation. A run's reading over fewer than K evaluations says how
 * many, and a mean over runs that includes one says so.
 */
@Command(
        name = "curves-table",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Prints the tables of mode-coverage runs from their curves.csv files (runs trained"
                    + " across several sittings included), as Markdown: per run its reading at"
                    + " an iteration, its last evaluations and its final one; per variant the"
                    + " mean and sd over runs; optionally per run, windows of iterations."
        })
public final class CurvesTable implements Callable<Integer> {

    /** A {@code --run} selection: {@code [PROTOCOL/]DATA/VARIANT/SEED}. */
    private static final Pattern RUN =
            Pattern.compile("(?:([A-Za-z0-9_]+)/)?([A-Za-z0-9_]+)/([A-Za-z0-9_]+)/(\\d+)");

    @Spec CommandSpec spec;

    @Mixin CurvesFiles curves;

    @Option(
            names = "--at",
            defaultValue = "200000",
            paramLabel = "N",
            description =
                    "Each run's reading at iteration N: the mean of its last K evaluations up to N,"
                            + " for the runs that reached N with an evaluation up to it (default:"
                            + " ${DEFAULT-VALUE}).")
    int at;

    @Option(
            names = "--last",
            defaultValue = "10",
            paramLabel = "K",
            description = "Evaluations averaged per reading (default: ${DEFAULT-VALUE}).")
    int last;

    @Option(
            names = "--full",
            paramLabel = "N",
            description =
                    "The protocol's length: runs that reached it are in bold and make the means"
                            + " over runs at the end (default: the longest run of each protocol"
                            + " and data set read).")
    Integer full;

    @Option(
            names = "--windows",
            defaultValue = "0",
            paramLabel = "W",
            description =
                    "Also a table per run of windows of W iterations (default: ${DEFAULT-VALUE},"
                            + " none).")
    int windows;

    @Option(
            names = "--run",
            paramLabel = "DATA/VARIANT/SEED",
            description =
                    "Only this run (repeatable), e.g. ring/gan/4 or pacgan/ring/gan/4, of every"
                            + " label; all runs by default.")
    List<String> only = new ArrayList<>();

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        UsageErrors.checked(spec, this::checkOptions);
        List<Run> read = UsageErrors.checked(spec, curves::read);
        List<Run> runs = UsageErrors.checked(spec, () -> selected(read));
        Map<String, Integer> lengths = new HashMap<>();
        for (Run r : read) {
            lengths.merge(figure(r), end(r), Math::max);
        }
        // (protocol, data) → (label, variant) → runs, both in order of first appearance
        Map<String, Map<String, List<Run>>> byFigure = new LinkedHashMap<>();
        for (Run r : runs) {
            byFigure.computeIfAbsent(figure(r), k -> new LinkedHashMap<>())
                    .computeIfAbsent(group(r), k -> new ArrayList<>())
                    .add(r);
        }
        PrintWriter out = spec.commandLine().getOut();
        for (Map.Entry<String, Map<String, List<Run>>> figure : byFigure.entrySet()) {
            List<Run> ordered = new ArrayList<>();
            for (List<Run> group : figure.getValue().values()) {
                group.stream().sorted(Comparator.comparingLong(Run::seed)).forEach(ordered::add);
            }
            int length = full != null ? full : lengths.get(figure.getKey());
            out.print(tables(ordered, length));
        }
        out.flush();
        return 0;
    }

    /**
     * The tables of one protocol and data set's runs.
     *
     * @param runs the runs, all of one protocol and data set, grouped by label and variant
     * @param length the protocol's length: runs that reached it are complete
     * @return the Markdown text
     */
    private String tables(List<Run> runs, int length) {
        Run first = runs.get(0);
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(first.protocol()).append(", ").append(first.data()).append("\n\n");
        String lastK = "last " + last;
        Table perRun =
                new Table(
                        "run",
                        "at " + iteration(at),
                        "end",
                        lastK + ": modes (range)",
                        lastK + ": high quality % (range)",
                        lastK + ": reverse KL",
                        "final: modes / HQ % / rKL");
        Map<String, List<Reading>> atN = new LinkedHashMap<>();
        Map<String, List<Reading>> atEnd = new LinkedHashMap<>();
        for (Run r : runs) {
            String group = group(r);
            atN.putIfAbsent(group, new ArrayList<>());
            atEnd.putIfAbsent(group, new ArrayList<>());
            List<Point> toN = upTo(r.points(), at);
            Reading n = end(r) >= at && !toN.isEmpty() ? reading(toN) : null;
            Reading e = reading(r.points());
            Point f = r.points().get(r.points().size() - 1);
            boolean complete = end(r) >= length;
            if (n != null) {
                atN.get(group).add(n);
            }
            List<Point> toLength = upTo(r.points(), length);
            if (complete && !toLength.isEmpty()) {
                atEnd.get(group).add(reading(toLength));
            }
            perRun.add(
                    name(r),
                    n == null ? "–" : n.triple(),
                    complete ? "**" + iteration(end(r)) + "**" : iteration(end(r)),
                    String.format(Locale.ROOT, "%.1f (%d–%d)", e.modes, e.minModes, e.maxModes),
                    String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", e.hq, e.minHq, e.maxHq),
                    String.format(Locale.ROOT, "%.2f", e.rkl) + e.fewer(),
                    String.format(Locale.ROOT, "%d / %.1f / %.2f", f.modes(), f.hqPct(), f.rkl()));
        }
        sb.append(perRun.toMarkdown()).append('\n');
        sb.append(
                        "Over runs (mean ± sd of the runs' readings, or a single run's reading;"
                                + " modes / high quality % / reverse KL):")
                .append("\n\n");
        Table overRuns =
                new Table(
                        "runs",
                        "at " + iteration(at),
                        "runs at " + iteration(at),
                        "at " + iteration(length) + ", " + lastK,
                        "runs at " + iteration(length));
        for (String group : atN.keySet()) {
            overRuns.add(
                    group,
                    overRuns(atN.get(group)),
                    atN.get(group).size(),
                    overRuns(atEnd.get(group)),
                    atEnd.get(group).size());
        }
        sb.append(overRuns.toMarkdown()).append('\n');
        if (windows > 0) {
            for (Run r : runs) {
                sb.append(windowTable(r));
            }
        }
        return sb.toString();
    }

    /** One run's windows of {@code --windows} iterations, its last K and its final evaluation. */
    private String windowTable(Run r) {
        StringBuilder sb = new StringBuilder();
        sb.append("### ")
                .append(r.protocol())
                .append(", ")
                .append(r.data())
                .append(", ")
                .append(name(r))
                .append(": windows of ")
                .append(iteration(windows))
                .append("\n\n");
        Table t =
                new Table(
                        "window",
                        "modes (range)",
                        "high quality % (range)",
                        "reverse KL",
                        "D loss");
        int end = end(r);
        for (int from = 0; from < end; from += windows) {
            int to = from + windows;
            List<Point> in = new ArrayList<>();
            for (Point p : r.points()) {
                if (p.iteration() > from && p.iteration() <= to) {
                    in.add(p);
                }
            }
            if (!in.isEmpty()) {
                Reading w = summary(in, in.size());
                t.add(
                        span(from, Math.min(to, end)),
                        String.format(Locale.ROOT, "%.1f (%d–%d)", w.modes, w.minModes, w.maxModes),
                        String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", w.hq, w.minHq, w.maxHq),
                        String.format(Locale.ROOT, "%.2f", w.rkl),
                        String.format(Locale.ROOT, "%.2f", w.lossD));
            }
        }
        Reading e = reading(r.points());
        Point f = r.points().get(r.points().size() - 1);
        t.add(
                "last " + last + " (to " + iteration(end) + ")" + e.fewer(),
                String.format(Locale.ROOT, "%.1f (%d–%d)", e.modes, e.minModes, e.maxModes),
                String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", e.hq, e.minHq, e.maxHq),
                String.format(Locale.ROOT, "%.2f", e.rkl),
                String.format(Locale.ROOT, "%.2f", e.lossD));
        t.add(
                "final (" + iteration(end) + ")",
                Integer.toString(f.modes()),
                String.format(Locale.ROOT, "%.1f", f.hqPct()),
                String.format(Locale.ROOT, "%.2f", f.rkl()),
                String.format(Locale.ROOT, "%.2f", f.lossD()));
        return sb.append(t.toMarkdown()).append('\n').toString();
    }

    /**
     * The mean, least and greatest of a run's last K evaluations among {@code points}.
     *
     * @param points evaluations in order of iteration, at least one
     * @return the reading
     */
    private Reading reading(List<Point> points) {
        return summary(points.subList(Math.max(0, points.size() - last), points.size()), last);
    }

    /**
     * The mean, least and greatest of evaluations.
     *
     * @param used the evaluations, at least one
     * @param wanted how many were asked for
     * @return their summary
     */
    private static Reading summary(List<Point> used, int wanted) {
        IntSummaryStatistics modes = used.stream().mapToInt(Point::modes).summaryStatistics();
        double[] hq = used.stream().mapToDouble(Point::hqPct).toArray();
        DoubleSummaryStatistics hqRange = Arrays.stream(hq).summaryStatistics();
        return new Reading(
                Stats.mean(used.stream().mapToDouble(Point::modes).toArray()),
                modes.getMin(),
                modes.getMax(),
                Stats.mean(hq),
                hqRange.getMin(),
                hqRange.getMax(),
                Stats.mean(used.stream().mapToDouble(Point::rkl).toArray()),
                Stats.mean(used.stream().mapToDouble(Point::lossD).toArray()),
                used.size(),
                wanted);
    }

    /**
     * The means and ranges of some evaluations of one run (its last K, or a window).
     *
     * @param modes mean modes captured
     * @param minModes least modes captured
     * @param maxModes most modes captured
     * @param hq mean high-quality percentage
     * @param minHq least high-quality percentage
     * @param maxHq greatest high-quality percentage
     * @param rkl mean reverse KL
     * @param lossD mean discriminator loss
     * @param count the evaluations averaged
     * @param wanted the evaluations asked for (K)
     */
    private record Reading(
            double modes,
            int minModes,
            int maxModes,
            double hq,
            double minHq,
            double maxHq,
            double rkl,
            double lossD,
            int count,
            int wanted) {

        /** Modes / high quality / reverse KL, and how many evaluations if fewer than K. */
        String triple() {
            return String.format(Locale.ROOT, "%.1f / %.1f / %.2f", modes, hq, rkl) + fewer();
        }

        /** Empty, or " (n evaluations)" when fewer than asked for were there to average. */
        String fewer() {
            return count < wanted
                    ? " (" + count + (count == 1 ? " evaluation)" : " evaluations)")
                    : "";
        }
    }

    /**
     * Mean ± sd over runs of their readings (a single run: its reading; none: a dash), with a note
     * if a reading averaged fewer evaluations than asked for.
     */
    private static String overRuns(List<Reading> readings) {
        if (readings.isEmpty()) {
            return "–";
        }
        String fewer =
                readings.stream().anyMatch(r -> r.count() < r.wanted())
                        ? " (a run's reading of fewer than "
                                + readings.get(0).wanted()
                                + " evaluations included)"
                        : "";
        double[] modes = readings.stream().mapToDouble(Reading::modes).toArray();
        double[] hq = readings.stream().mapToDouble(Reading::hq).toArray();
        double[] rkl = readings.stream().mapToDouble(Reading::rkl).toArray();
        if (readings.size() == 1) {
            return String.format(Locale.ROOT, "%.1f / %.1f / %.2f", modes[0], hq[0], rkl[0])
                    + fewer;
        }
        return Stats.meanSd(1, modes)
                + " / "
                + Stats.meanSd(1, hq)
                + " / "
                + Stats.meanSd(2, rkl)
                + fewer;
    }

    /** The options' own checks; the messages name the option and the value. */
    private Void checkOptions() {
        positive("--at", at);
        positive("--last", last);
        if (full != null) {
            positive("--full", full);
        }
        if (windows < 0) {
            throw new IllegalArgumentException(
                    "--windows: expected W >= 0 (0: none), got " + windows);
        }
        for (String r : only) {
            if (!RUN.matcher(r).matches()) {
                throw new IllegalArgumentException(
                        "--run: expected [PROTOCOL/]DATA/VARIANT/SEED (e.g. ring/gan/4), got '"
                                + r
                                + "'");
            }
        }
        return null;
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + ": expected a number >= 1, got " + value);
        }
    }

    /**
     * The runs {@code --run} selects (all without it), of every label; a selection that matches
     * none is an error.
     */
    private List<Run> selected(List<Run> runs) {
        if (only.isEmpty()) {
            return runs;
        }
        List<Run> kept = new ArrayList<>();
        for (String s : only) {
            Matcher m = RUN.matcher(s);
            m.matches();
            List<Run> matching =
                    runs.stream()
                            .filter(
                                    r ->
                                            (m.group(1) == null || r.protocol().equals(m.group(1)))
                                                    && r.data().equals(m.group(2))
                                                    && r.variant().equals(m.group(3))
                                                    && Long.toString(r.seed()).equals(m.group(4)))
                            .toList();
            if (matching.isEmpty()) {
                throw new IllegalArgumentException(
                        "--run: no run " + s + " in " + curves.files() + "; runs: " + names(runs));
            }
            matching.stream().filter(r -> !kept.contains(r)).forEach(kept::add);
        }
        return kept;
    }

    private static List<String> names(List<Run> runs) {
        return runs.stream()
                .map(r -> r.protocol() + "/" + r.data() + "/" + r.variant() + "/" + r.seed())
                .distinct()
                .toList();
    }

    private static String figure(Run r) {
        return r.protocol() + ", " + r.data();
    }

    /** A variant's runs of one label: {@code [label ]`variant`}. */
    private static String group(Run r) {
        return (r.label().isEmpty() ? "" : r.label() + " ") + "`" + r.variant() + "`";
    }

    private static String name(Run r) {
        return group(r) + " seed " + r.seed();
    }

    private static int end(Run r) {
        return r.points().get(r.points().size() - 1).iteration();
    }

    private static List<Point> upTo(List<Point> points, int iteration) {
        return points.stream().filter(p -> p.iteration() <= iteration).toList();
    }

    /** A window's label: "25k–50k" when both ends are whole thousands, else "2000–2500". */
    private static String span(int from, int to) {
        return from % 1000 == 0 && to % 1000 == 0
                ? iteration(from) + "–" + iteration(to)
                : from + "–" + to;
    }

    /** 200000 → "200k"; iterations that are not whole thousands as they are. */
    static String iteration(int iteration) {
        return iteration % 1000 == 0 && iteration != 0
                ? iteration / 1000 + "k"
                : Integer.toString(iteration);
    }
}
