package io.github.djlgan.examples.report;

import static io.github.djlgan.examples.report.CurvesFixture.HEADER;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.examples.MainCommand;
import io.github.djlgan.examples.MainCommand.Printed;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

/**
 * The {@code curves-table} command on hand-made curves; every expected cell is worked out by hand
 * in the comments.
 */
public class CurvesTableTest {

    /**
     * Grid GAN seed 1 to 600 (the longest grid run), seed 2 to 400, and a metz ring run with a
     * single evaluation at 2500.
     */
    private static final String CURVES =
            HEADER
                    + "\n"
                    + "pacgan,grid,gan,1,100,10,25,50.00,1.0000,1.3000,0.9000\n"
                    + "pacgan,grid,gan,1,200,12,25,60.00,0.8000,1.2000,0.9000\n"
                    + "pacgan,grid,gan,1,300,14,25,70.00,0.6000,1.1000,0.9000\n"
                    + "pacgan,grid,gan,1,400,16,25,80.00,0.4000,1.0000,0.9000\n"
                    + "pacgan,grid,gan,1,500,18,25,90.00,0.2000,0.9000,0.9000\n"
                    + "pacgan,grid,gan,1,600,20,25,95.00,0.1000,0.8000,0.9000\n"
                    + "pacgan,grid,gan,2,100,5,25,10.00,2.0000,1.4000,0.9000\n"
                    + "pacgan,grid,gan,2,200,7,25,20.00,1.2000,1.4000,0.9000\n"
                    + "pacgan,grid,gan,2,300,9,25,40.00,0.4000,1.4000,0.9000\n"
                    + "pacgan,grid,gan,2,400,8,25,30.00,0.7000,1.4000,0.9000\n"
                    + "metz,ring,gan,1,2500,8,8,70.00,0.0100,1.3800,0.7000\n";

    private CurvesFixture files;

    @BeforeMethod
    public void createTemporaryDirectory() throws IOException {
        files = new CurvesFixture("djlgan-curves-table");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() {
        files.delete();
    }

    /** Runs the command through the examples' main command. */
    private static Printed run(String... args) {
        List<String> command = new ArrayList<>(List.of("curves-table"));
        command.addAll(List.of(args));
        return MainCommand.run(command.toArray(String[]::new));
    }

    /** Runs the command, which must succeed; returns what it printed. */
    private static String output(String... args) {
        Printed r = run(args);
        assertEquals(r.exit(), 0, r.err());
        return r.out();
    }

    private static void assertLine(String output, String line) {
        assertTrue(output.lines().anyMatch(line::equals), "no line\n" + line + "\nin\n" + output);
    }

    @Test
    public void runsAndMeansOverRuns() throws IOException {
        Path curves = files.write("curves.csv", CURVES);
        String out = output("--curves", curves.toString(), "--at", "300", "--last", "2");
        assertTrue(out.startsWith("## pacgan, grid\n"), out);
        assertTrue(out.contains("\n## metz, ring\n"), out);
        assertLine(
                out,
                "| run | at 300 | end | last 2: modes (range) | last 2: high quality % (range) |"
                        + " last 2: reverse KL | final: modes / HQ % / rKL |");
        // seed 1 at 300: iterations 200 and 300: modes (12 + 14) / 2, HQ (60 + 70) / 2, rKL
        // (0.8 + 0.6) / 2; it reached 600, the longest grid run: bold; last 2 = 500 and 600:
        // modes 19 (18-20), HQ 92.5 (90-95), rKL (0.2 + 0.1) / 2; final 600's row
        assertLine(
                out,
                "| `gan` seed 1 | 13.0 / 65.0 / 0.70 | **600** | 19.0 (18–20) | 92.5 (90.0–95.0)"
                        + " | 0.15 | 20 / 95.0 / 0.10 |");
        // seed 2 at 300: (7 + 9) / 2, (20 + 40) / 2, (1.2 + 0.4) / 2; ended at 400, not bold;
        // last 2 = 300 and 400: 8.5 (8-9), 35 (30-40), (0.4 + 0.7) / 2
        assertLine(
                out,
                "| `gan` seed 2 | 8.0 / 30.0 / 0.80 | 400 | 8.5 (8–9) | 35.0 (30.0–40.0) | 0.55"
                        + " | 8 / 30.0 / 0.70 |");
        // over runs at 300: modes 13 and 8: 10.5, sd 5 / sqrt 2 = 3.54; HQ 65 and 30: 47.5, sd
        // 35 / sqrt 2 = 24.749; rKL 0.7 and 0.8: 0.75, sd 0.1 / sqrt 2 = 0.071; at 600 only seed 1
        assertLine(
                out,
                "| `gan` | 10.5 ± 3.5 / 47.5 ± 24.7 / 0.75 ± 0.07 | 2 | 19.0 / 92.5 / 0.15 | 1 |");
        // the ring run: no evaluation up to 300; one evaluation where 2 were asked for; its own
        // length, 2500, is the longest ring run
        assertLine(
                out,
                "| `gan` seed 1 | – | **2500** | 8.0 (8–8) | 70.0 (70.0–70.0) | 0.01 (1 evaluation)"
                        + " | 8 / 70.0 / 0.01 |");
        assertLine(
                out,
                "| `gan` | – | 0 | 8.0 / 70.0 / 0.01 (a run's reading of fewer than 2 evaluations"
                        + " included) | 1 |");
        assertFalse(out.contains("windows of"), out);
    }

    @Test
    public void windowsOfOneSelectedRun() throws IOException {
        Path curves = files.write("curves.csv", CURVES);
        String out =
                output(
                        "--curves",
                        curves.toString(),
                        "--at",
                        "300",
                        "--last",
                        "2",
                        "--windows",
                        "300",
                        "--run",
                        "grid/gan/2");
        assertFalse(out.contains("seed 1"), out);
        assertFalse(out.contains("metz"), out);
        // seed 2 alone: its own reading at 300; the grid's length is still 600 (seed 1's, read
        // though not selected), so no run reached it
        assertLine(out, "| `gan` | 8.0 / 30.0 / 0.80 | 1 | – | 0 |");
        assertLine(out, "### pacgan, grid, `gan` seed 2: windows of 300");
        // (0, 300]: modes 5, 7, 9; HQ 10, 20, 40 (mean 23.33); rKL (2 + 1.2 + 0.4) / 3; D 1.4
        assertLine(out, "| 0–300 | 7.0 (5–9) | 23.3 (10.0–40.0) | 1.20 | 1.40 |");
        // (300, 600] holds iteration 400 only and ends with the run
        assertLine(out, "| 300–400 | 8.0 (8–8) | 30.0 (30.0–30.0) | 0.70 | 1.40 |");
        assertLine(out, "| last 2 (to 400) | 8.5 (8–9) | 35.0 (30.0–40.0) | 0.55 | 1.40 |");
        assertLine(out, "| final (400) | 8 | 30.0 | 0.70 | 1.40 |");
    }

    @Test
    public void endMeansStopAtFullAndWindowsWithoutEvaluationsAreLeftOut() throws IOException {
        Path curves = files.write("curves.csv", CURVES);
        String out =
                output(
                        "--curves",
                        curves.toString(),
                        "--at",
                        "200",
                        "--last",
                        "3",
                        "--full",
                        "400",
                        "--windows",
                        "1000",
                        "--run",
                        "pacgan/grid/gan/1",
                        "--run",
                        "grid/gan/2",
                        "--run",
                        "metz/ring/gan/1");
        // seed 1 at 200: only 100 and 200 (2 of 3): modes 11, HQ 55, rKL 0.9; its last 3 at its
        // end (400, 500, 600): modes 18 (16-20), HQ 265 / 3 = 88.33 (80-95), rKL 0.7 / 3 = 0.233
        assertLine(
                out,
                "| `gan` seed 1 | 11.0 / 55.0 / 0.90 (2 evaluations) | **600** | 18.0 (16–20) |"
                        + " 88.3 (80.0–95.0) | 0.23 | 20 / 95.0 / 0.10 |");
        // over runs at 400 (--full), each run's last 3 up to 400: seed 1 (200-400) modes 14, HQ
        // 70, rKL 0.6; seed 2 (200-400) modes 8, HQ 30, rKL 2.3 / 3 = 0.767; means 11, 50, 0.683;
        // sd 6 / sqrt 2 = 4.24, 40 / sqrt 2 = 28.28, 0.167 / sqrt 2 = 0.118. At 200, both from 2
        // evaluations: modes 11 and 6, HQ 55 and 15, rKL 0.9 and 1.6: 8.5 ± 3.54, 35 ± 28.28,
        // 1.25 ± 0.495
        assertLine(
                out,
                "| `gan` | 8.5 ± 3.5 / 35.0 ± 28.3 / 1.25 ± 0.49 (a run's reading of fewer than 3"
                    + " evaluations included) | 2 | 11.0 ± 4.2 / 50.0 ± 28.3 / 0.68 ± 0.12 | 2 |");
        // the metz run's one evaluation at 2500: the windows (0, 1000] and (1000, 2000] hold none
        assertLine(out, "| 2000–2500 | 8.0 (8–8) | 70.0 (70.0–70.0) | 0.01 | 1.38 |");
        assertFalse(out.contains("| 0–1000 |"), out);
        assertFalse(out.contains("| 1000–2000 |"), out);
        // seed 1's one window, (0, 1000] cut at its end: all six evaluations; HQ 445 / 6 = 74.17,
        // rKL 3.1 / 6 = 0.517, D loss 6.3 / 6 = 1.05
        assertLine(out, "| 0–600 | 15.0 (10–20) | 74.2 (50.0–95.0) | 0.52 | 1.05 |");
    }

    @Test
    public void aLabelledFileIsAnotherGroupAndFullIsAnOption() throws IOException {
        Path joint = files.write("joint.csv", CURVES);
        Path perSlot =
                files.write(
                        "per-slot.csv",
                        HEADER + "\npacgan,grid,gan,2,200000,25,25,91.00,0.0300,1.2500,0.9000\n");
        String out =
                output(
                        "--curves",
                        joint.toString(),
                        perSlot.toString(),
                        "--label",
                        perSlot + "=per-slot",
                        "--last",
                        "2",
                        "--full",
                        "400");
        // --full 400: seed 2 of the unlabelled file is complete; the labelled run is another run
        assertLine(
                out,
                "| `gan` seed 2 | – | **400** | 8.5 (8–9) | 35.0 (30.0–40.0) | 0.55"
                        + " | 8 / 30.0 / 0.70 |");
        // default --at 200000: its one evaluation at 200k, fewer than 2
        assertLine(
                out,
                "| per-slot `gan` seed 2 | 25.0 / 91.0 / 0.03 (1 evaluation) | **200k** | 25.0"
                        + " (25–25) | 91.0 (91.0–91.0) | 0.03 (1 evaluation) | 25 / 91.0 / 0.03 |");
        // at 400 (--full) it has no evaluation: complete (bold), but not in the means at 400
        assertLine(
                out,
                "| per-slot `gan` | 25.0 / 91.0 / 0.03 (a run's reading of fewer than 2 evaluations"
                        + " included) | 1 | – | 0 |");
    }

    @Test
    public void runsGroupedByVariantInOrderOfFirstAppearanceThenBySeed() throws IOException {
        Path curves =
                files.write(
                        "order.csv",
                        HEADER
                                + "\npacgan,ring,pac4,2,100,8,8,90.00,0.0100,1.3000,0.9000"
                                + "\npacgan,ring,gan,3,100,7,8,90.00,0.2000,1.2000,0.9000"
                                + "\npacgan,ring,pac4,1,100,8,8,90.00,0.0100,1.3000,0.9000"
                                + "\npacgan,ring,gan,1,100,6,8,90.00,0.3000,1.1000,0.9000\n");
        List<String> rows =
                output("--curves", curves.toString())
                        .lines()
                        .filter(l -> l.contains(" seed "))
                        .map(l -> l.substring(0, l.indexOf(" seed ") + 7))
                        .toList();
        // pac4 appears first; within each variant, seeds ascending
        assertEquals(
                rows,
                List.of("| `pac4` seed 1", "| `pac4` seed 2", "| `gan` seed 1", "| `gan` seed 3"));
    }

    @Test
    public void badOptionsAreUsageErrors() throws IOException {
        Path good = files.write("good.csv", CURVES);
        Path missing = files.dir().resolve("missing.csv");
        String[][] cases = {
            // option, value, part of the message
            {"--at", "0", "--at: expected a number >= 1, got 0"},
            {"--last", "0", "--last: expected a number >= 1, got 0"},
            {"--full", "-5", "--full: expected a number >= 1, got -5"},
            {"--windows", "-1", "--windows: expected W >= 0 (0: none), got -1"},
            {"--run", "grid/gan", "--run: expected [PROTOCOL/]DATA/VARIANT/SEED (e.g. ring/gan/4)"},
            {
                "--run",
                "grid/gan/9",
                "--run: no run grid/gan/9 in [" + good + "]; runs: [pacgan/grid"
            },
            {"--run", "metz/grid/gan/1", "--run: no run metz/grid/gan/1 in ["},
            {"--curves", missing.toString(), "--curves: no such file " + missing},
        };
        for (String[] c : cases) {
            Printed r = run("--curves", good.toString(), c[0], c[1]);
            assertEquals(r.exit(), 2, c[2] + ": " + r.err());
            assertTrue(r.err().contains(c[2]), r.err());
            assertEquals(r.out(), "", c[2]);
        }
    }

    @Test
    public void iterationsInThousands() {
        assertEquals(CurvesTable.iteration(200000), "200k");
        assertEquals(CurvesTable.iteration(2500), "2500");
        assertEquals(CurvesTable.iteration(0), "0");
    }
}
