package io.github.djlgan.examples.modes;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import io.github.djlgan.examples.MainCommand;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.TempDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Test;

/**
 * The mode-coverage command end to end on both protocols, with a budget of seconds, in this JVM and
 * in child JVMs.
 */
public class ModeCoverageSmokeTest {

    /**
     * The command line of mode-coverage on an engine and protocol, in this JVM ({@code --jobs 1};
     * jobsTwoChangesNothing runs children), measured every 10 iterations, writing to out; then more
     * options.
     */
    private static String[] command(
            String engine, String protocol, Path out, String iterations, String... more) {
        List<String> args =
                new java.util.ArrayList<>(
                        List.of(
                                "mode-coverage",
                                "--engine",
                                engine,
                                "--protocol",
                                protocol,
                                "--iterations",
                                iterations,
                                "--eval-every",
                                "10",
                                "--out",
                                out.toString(),
                                "--jobs",
                                "1"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** 20 iterations on ring and grid with a small MinibatchDiscrimination; returns the out dir. */
    private static Path run(String engine, String protocol, String... more) throws IOException {
        Path out = Files.createTempDirectory("mode-coverage-" + protocol + "-" + engine);
        List<String> rest =
                new java.util.ArrayList<>(
                        List.of("--data", "ring,grid", "--kernels", "4", "--kernel-dim", "2"));
        rest.addAll(List.of(more));
        MainCommand.succeeds(command(engine, protocol, out, "20", rest.toArray(String[]::new)));
        return out;
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void metzWritesCurvesPlotsAndTables(String engine) throws IOException {
        Path out = run(engine, "metz", "--variants", "gan,pac2,pac4,mbstd,mbd");
        try {
            for (String file :
                    new String[] {
                        "ring.png",
                        "grid.png",
                        "ring-curves.png",
                        "grid-curves.png",
                        "curves.csv",
                        "runs.csv",
                        "summary.csv",
                        "summary.md"
                    }) {
                assertTrue(Files.size(out.resolve(file)) > 0, file);
            }
            List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
            assertEquals(
                    summary.get(0),
                    "protocol,data,variant,runs,iterations,modes_mean,modes_sd,modes_of,hq_pct_mean,"
                        + "hq_pct_sd,rkl_mean,rkl_sd,seconds_per_run");
            assertEquals(summary.size(), 1 + 2 * 5);
            for (String row : summary.subList(1, summary.size())) {
                String[] cells = row.split(",");
                assertEquals(cells[0], "metz", row);
                assertEquals(cells[4], "20", row);
                for (int i = 5; i < cells.length; i++) {
                    double v = Double.parseDouble(cells[i]); // numbers only
                    assertTrue(Double.isFinite(v) && v >= 0, row);
                }
                assertTrue(Double.parseDouble(cells[5]) <= Double.parseDouble(cells[7]), row);
                assertTrue(Double.parseDouble(cells[8]) <= 100, row);
                assertTrue(Double.parseDouble(cells[10]) <= Math.log(25) + 1e-4, row);
            }
            // two measurements per run: after 10 and 20 iterations
            List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
            assertEquals(curves.size(), 1 + 2 * 5 * 2);
            assertTrue(curves.get(1).startsWith("metz,ring,gan,1,10,"), curves.get(1));
            List<String> md = Files.readAllLines(out.resolve("summary.md"));
            assertTrue(
                    md.stream().anyMatch(l -> l.startsWith("| ring | gan (ours) | ")),
                    md.toString());
            assertTrue(
                    md.stream()
                            .anyMatch(l -> l.contains("| GDPP-GAN (published) | 8.0 / 8 | 71.7 |")),
                    md.toString());
        } finally {
            TempDirs.delete(out);
        }
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void pacganTrainsOnItsFixedSetWithPacking(String engine) throws IOException {
        Path out = run(engine, "pacgan", "--variants", "gan,pac2");
        try {
            List<String> runs = Files.readAllLines(out.resolve("runs.csv"));
            assertEquals(runs.size(), 1 + 2 * 2);
            for (String row : runs.subList(1, runs.size())) {
                String[] cells = row.split(",");
                assertEquals(cells[0], "pacgan", row);
                assertTrue(Double.isFinite(Double.parseDouble(cells[9])), row); // loss_d
                assertTrue(Double.isFinite(Double.parseDouble(cells[10])), row); // loss_g
            }
            List<String> md = Files.readAllLines(out.resolve("summary.md"));
            assertTrue(
                    md.stream()
                            .anyMatch(l -> l.contains("| PacGAN4 (published) | 24.8 ± 0.2 / 25 |")),
                    md.toString());
        } finally {
            TempDirs.delete(out);
        }
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void jobsTwoChangesNothing(String engine) throws IOException {
        Path[] outs = new Path[2];
        try {
            for (int jobs = 1; jobs <= 2; jobs++) {
                Path out = Files.createTempDirectory("mode-coverage-jobs" + jobs + "-" + engine);
                outs[jobs - 1] = out;
                String[] args = {
                    "mode-coverage",
                    "--engine",
                    engine,
                    "--data",
                    "ring",
                    "--variants",
                    "gan,pac2",
                    "--iterations",
                    "20",
                    "--eval-every",
                    "10",
                    "--out",
                    out.toString(),
                    "--jobs",
                    Integer.toString(jobs)
                };
                String text = printedBy(args);
                assertEquals(text.contains("2 runs in child JVMs, 2 at a time"), jobs == 2, text);
            }
            // the same numbers to the last digit, except the wall-clock seconds (the last column)
            for (String file : new String[] {"curves.csv", "runs.csv", "summary.csv"}) {
                List<String> one = withoutSeconds(file, outs[0].resolve(file));
                List<String> two = withoutSeconds(file, outs[1].resolve(file));
                assertEquals(one.size(), file.equals("curves.csv") ? 1 + 2 * 2 : 1 + 2, file);
                assertEquals(two, one, file);
            }
            // the final samples came back bit for bit: the same scatter plot
            assertEquals(
                    Files.readAllBytes(outs[1].resolve("ring.png")),
                    Files.readAllBytes(outs[0].resolve("ring.png")));
            assertEquals(
                    Files.readAllLines(outs[1].resolve("summary.md")),
                    Files.readAllLines(outs[0].resolve("summary.md")));
        } finally {
            TempDirs.delete(outs[0], outs[1]);
        }
    }

    /**
     * A child JVM prints every measurement to its log as it is taken, as the curves.csv row, so
     * that an interrupted run's curve is not lost: the lines of a child run equal the rows of the
     * same run in this JVM.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void aChildPrintsItsCurveAsItGoes(String engine) throws IOException {
        Path out = run(engine, "pacgan", "--variants", "gan"); // ring and grid, seed 1
        Path result = Files.createTempFile("mode-coverage-child", ".bin");
        try {
            String[] args = {
                "mode-coverage",
                "--engine",
                engine,
                "--protocol",
                "pacgan",
                "--data",
                "grid",
                "--iterations",
                "20",
                "--eval-every",
                "10",
                "--run-one",
                "grid,gan,1",
                "--result",
                result.toString()
            };
            List<String> lines =
                    printedBy(args)
                            .lines()
                            .filter(l -> l.startsWith(ModeCoverage.CURVE_LINE))
                            .map(l -> l.substring(ModeCoverage.CURVE_LINE.length()))
                            .toList();
            List<String> rows =
                    Files.readAllLines(out.resolve("curves.csv")).stream()
                            .filter(r -> r.startsWith("pacgan,grid,gan,1,"))
                            .toList();
            assertEquals(rows.size(), 2);
            assertEquals(lines, rows);
        } finally {
            TempDirs.delete(out, result);
        }
    }

    /**
     * A run stopped after 20 iterations and resumed to 30 from its checkpoint gives the
     * uninterrupted 30-iteration run's curves, numbers and final samples, bit for bit: on {@code
     * metz} (fresh data and evaluation latents every time) and on {@code pacgan} (the fixed set's
     * epoch order, the fixed evaluation latents), with packing.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void aResumedRunEqualsTheUninterruptedOne(String engine) throws IOException {
        for (String protocol : new String[] {"metz", "pacgan"}) {
            Path straight = Files.createTempDirectory("mode-coverage-straight");
            Path stopped = Files.createTempDirectory("mode-coverage-resumed");
            try {
                printedBy(resumeArgs(engine, protocol, straight, "30"));
                printedBy(resumeArgs(engine, protocol, stopped, "20", "--checkpoint-every", "7"));
                assertEquals(
                        List.of(stopped.resolve("checkpoints/grid-pac2-seed-1/000000020")),
                        list(stopped.resolve("checkpoints/grid-pac2-seed-1")),
                        "only the newest checkpoint is kept, and the last iteration is saved");
                assertEquals(
                        Files.readAllLines(
                                stopped.resolve(
                                        "checkpoints/grid-pac2-seed-1/000000020/curve.csv")),
                        Files.readAllLines(straight.resolve("curves.csv")).subList(0, 1 + 2),
                        protocol + ": the checkpoint's curve so far, as curves.csv holds it");
                printedBy(
                        resumeArgs(
                                engine,
                                protocol,
                                stopped,
                                "30",
                                "--checkpoint-every",
                                "7",
                                "--resume"));
                for (String file : new String[] {"curves.csv", "runs.csv", "summary.csv"}) {
                    List<String> one = withoutSeconds(file, straight.resolve(file));
                    assertEquals(one.size(), file.equals("curves.csv") ? 1 + 3 : 1 + 1, file);
                    assertEquals(
                            withoutSeconds(file, stopped.resolve(file)),
                            one,
                            protocol + " " + file);
                }
                assertEquals(
                        Files.readAllBytes(stopped.resolve("grid.png")),
                        Files.readAllBytes(straight.resolve("grid.png")),
                        protocol + ": the same final samples");
            } finally {
                TempDirs.delete(straight, stopped);
            }
        }
    }

    /**
     * With --keep-checkpoints-every the checkpoints at its multiples stay, and one of them, copied
     * into another directory, replays the run from there: only the later iterations are trained,
     * and the curve and the samples are the uninterrupted run's.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void aKeptCheckpointReplaysTheRun(String engine) throws IOException {
        Path first = Files.createTempDirectory("mode-coverage-kept");
        Path replay = Files.createTempDirectory("mode-coverage-replay");
        try {
            printedBy(
                    resumeArgs(
                            engine,
                            "pacgan",
                            first,
                            "30",
                            "--checkpoint-every",
                            "5",
                            "--keep-checkpoints-every",
                            "10"));
            Path runs = first.resolve("checkpoints/grid-pac2-seed-1");
            List<Path> kept =
                    List.of(
                            runs.resolve("000000010"),
                            runs.resolve("000000020"),
                            runs.resolve("000000030"),
                            runs.resolve("keep-every"));
            assertEquals(list(runs), kept, "the multiples of 10, the newest, the period kept");
            assertEquals(Files.readString(runs.resolve("keep-every")), "10");
            Path copy = replay.resolve("grid-pac2-seed-1/000000010");
            Files.createDirectories(copy);
            for (Path file : list(runs.resolve("000000010"))) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
            ai.djl.engine.Engine e = ai.djl.engine.Engine.getEngine(engine);
            Variant pac2 = Variant.of("pac2");
            ModeRun.Settings thirty =
                    ModeRun.Settings.builder(Protocol.PACGAN).iterations(30).evalEvery(10).build();
            ModeRun.Result whole = trainGrid(e, pac2, thirty, RunCheckpoints.none());
            // continuing the first run without keeping them, or keeping others, is refused
            ModeRun.Settings forty =
                    ModeRun.Settings.builder(Protocol.PACGAN).iterations(40).evalEvery(10).build();
            for (int keep : new int[] {0, 20}) {
                String refused =
                        expectThrows(
                                        IllegalArgumentException.class,
                                        () ->
                                                trainGrid(
                                                        e,
                                                        pac2,
                                                        forty,
                                                        RunCheckpoints.in(
                                                                        first.resolve(
                                                                                "checkpoints"),
                                                                        5,
                                                                        true)
                                                                .keepingEvery(keep)))
                                .getMessage();
                String lost = keep == 0 ? "(000000010, 000000020)" : "(000000010)";
                assertTrue(
                        refused.contains(
                                "keeps its checkpoints at multiples of 10 iterations "
                                        + lost
                                        + ", which resuming with --keep-checkpoints-every "
                                        + keep
                                        + " would delete"),
                        refused);
                assertEquals(list(runs), kept, "nothing deleted");
            }
            Heard heard = new Heard();
            ModeRun.Result again =
                    ModeRun.train(
                            e,
                            Protocol.PACGAN,
                            GaussianMixture.named("grid"),
                            pac2,
                            thirty,
                            1,
                            RunCheckpoints.in(replay, 5, true),
                            heard);
            assertEquals(heard.resumed, List.of(10));
            assertEquals(
                    heard.trained, java.util.stream.IntStream.rangeClosed(11, 30).boxed().toList());
            assertEquals(rows(again), rows(whole));
            assertEquals(again.samples(), whole.samples());
        } finally {
            TempDirs.delete(first, replay);
        }
    }

    /** A curve's points, all their numbers. */
    private static List<String> rows(ModeRun.Result result) {
        return result.curve().stream()
                .map(
                        p ->
                                p.iteration()
                                        + " "
                                        + p.lossD()
                                        + " "
                                        + p.lossG()
                                        + " "
                                        + p.metrics().modesCaptured()
                                        + " "
                                        + p.metrics().highQualityPercent()
                                        + " "
                                        + p.metrics().reverseKl()
                                        + " "
                                        + java.util.Arrays.toString(p.metrics().histogram()))
                .toList();
    }

    /**
     * A resumed run trains only the iterations after its checkpoint; a checkpoint of another run,
     * one beyond the run's iterations, or a fresh run that would save over a run's checkpoints is
     * refused by name.
     */
    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void aCheckpointThatDoesNotFitIsRefused(String engine) throws IOException {
        Path dir = Files.createTempDirectory("mode-coverage-checkpoints");
        try {
            refusesCheckpointsThatDoNotFit(engine, dir);
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** A pacgan grid run of seed 1 that reports nothing as it goes. */
    static ModeRun.Result trainGrid(
            ai.djl.engine.Engine engine,
            Variant variant,
            ModeRun.Settings settings,
            RunCheckpoints checkpoints) {
        return ModeRun.train(
                engine,
                Protocol.PACGAN,
                GaussianMixture.named("grid"),
                variant,
                settings,
                1,
                checkpoints,
                ModeRun.Listener.NONE);
    }

    private static void refusesCheckpointsThatDoNotFit(String engine, Path dir) {
        ai.djl.engine.Engine e = ai.djl.engine.Engine.getEngine(engine);
        GaussianMixture grid = GaussianMixture.named("grid");
        Variant gan = Variant.of("gan");
        ModeRun.Settings ten = ModeRun.Settings.builder(Protocol.PACGAN).iterations(10).build();
        trainGrid(e, gan, ten, RunCheckpoints.in(dir, 5, false));
        RunCheckpoints resume = RunCheckpoints.in(dir, 5, true);
        // extended from its checkpoint at 10: only iterations 11 and 12 are trained
        ModeRun.Settings twelve = ModeRun.Settings.builder(Protocol.PACGAN).iterations(12).build();
        Heard heard = new Heard();
        ModeRun.Result extended =
                ModeRun.train(e, Protocol.PACGAN, grid, gan, twelve, 1, resume, heard);
        assertEquals(heard.resumed, List.of(10));
        assertEquals(heard.trained, List.of(11, 12));
        assertEquals(heard.points, List.of(12));
        assertEquals(
                extended.curve().stream().map(ModeRun.Point::iteration).toList(), List.of(10, 12));
        // resumed at its last iteration: told so, nothing trained, the same result
        Heard finished = new Heard();
        ModeRun.Result again =
                ModeRun.train(e, Protocol.PACGAN, grid, gan, twelve, 1, resume, finished);
        assertEquals(finished.resumed, List.of(12));
        assertEquals(finished.trained, List.of());
        assertEquals(rows(again), rows(extended));
        java.util.function.BiFunction<ModeRun.Settings, RunCheckpoints, String> refusal =
                (settings, policy) ->
                        expectThrows(
                                        IllegalArgumentException.class,
                                        () -> trainGrid(e, gan, settings, policy))
                                .getMessage();
        String other =
                refusal.apply(
                        ModeRun.Settings.builder(Protocol.PACGAN)
                                .iterations(10)
                                .learningRates(1e-3f, 1e-4f)
                                .build(),
                        resume);
        assertTrue(other.contains("is of another run"), other);
        assertTrue(other.contains("lr D 1.0E-4"), other);
        String beyond =
                refusal.apply(
                        ModeRun.Settings.builder(Protocol.PACGAN).iterations(5).build(), resume);
        assertTrue(beyond.contains("at iteration 12, beyond the run's 5 iterations"), beyond);
        String fresh = refusal.apply(ten, RunCheckpoints.in(dir, 5, false));
        assertTrue(fresh.contains("holds a checkpoint of this run"), fresh);
        assertTrue(
                expectThrows(IllegalArgumentException.class, () -> RunCheckpoints.in(dir, -1, true))
                        .getMessage()
                        .contains("got -1"));
        for (int[] periods : new int[][] {{5, 12}, {5, -5}, {0, 10}}) {
            String message =
                    expectThrows(
                                    IllegalArgumentException.class,
                                    () ->
                                            RunCheckpoints.in(dir, periods[0], true)
                                                    .keepingEvery(periods[1]))
                            .getMessage();
            assertTrue(
                    message.contains(
                            periods[0] == 0
                                    ? "every 10 iterations needs checkpoints, but the period is 0"
                                    : "multiple of the checkpoint period "
                                            + periods[0]
                                            + ", got "
                                            + periods[1]),
                    message);
        }
    }

    /** The command on the grid with packs of two. */
    private static String[] resumeArgs(
            String engine, String protocol, Path out, String iterations, String... more) {
        List<String> rest =
                new java.util.ArrayList<>(List.of("--data", "grid", "--variants", "pac2"));
        rest.addAll(List.of(more));
        return command(engine, protocol, out, iterations, rest.toArray(String[]::new));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** Runs the command in this JVM, checks that it succeeds and returns what it printed. */
    private static String printedBy(String[] args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            MainCommand.succeeds(args);
        } finally {
            System.setOut(stdout);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    /** The rows of a CSV file; in runs.csv and summary.csv without the last column, seconds. */
    private static List<String> withoutSeconds(String name, Path file) throws IOException {
        List<String> rows = Files.readAllLines(file);
        if (name.equals("curves.csv")) {
            assertTrue(!rows.get(0).contains("seconds"), rows.get(0));
            return rows;
        }
        assertTrue(rows.get(0).endsWith(",seconds") || rows.get(0).endsWith(",seconds_per_run"));
        return rows.stream().map(r -> r.substring(0, r.lastIndexOf(','))).toList();
    }

    /** Records what a run tells its listener. */
    private static final class Heard implements ModeRun.Listener {
        final List<Integer> resumed = new java.util.ArrayList<>();
        final List<Integer> trained = new java.util.ArrayList<>();
        final List<Integer> points = new java.util.ArrayList<>();

        @Override
        public void resumed(int iteration) {
            resumed.add(iteration);
        }

        @Override
        public void iteration(int iteration) {
            trained.add(iteration);
        }

        @Override
        public void point(ModeRun.Point point) {
            points.add(point.iteration());
        }
    }
}
