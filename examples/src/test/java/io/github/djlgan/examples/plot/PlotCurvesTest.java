package io.github.djlgan.examples.plot;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import io.github.djlgan.examples.Main;
import io.github.djlgan.examples.plot.PlotCurves.Point;
import io.github.djlgan.examples.plot.PlotCurves.Run;
import io.github.djlgan.testing.TempDirs;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;
import picocli.CommandLine;

/** The {@code plot-curves} command: reading curves files, running means, figures, bad inputs. */
public class PlotCurvesTest {

    private static final String HEADER =
            "protocol,data,variant,seed,iteration,modes,of,hq_pct,rkl,loss_d,loss_g";

    /**
     * Two grid runs, the first one's iteration 200 written twice (a resumed run; the second row
     * counts), and one ring run of another protocol.
     */
    private static final String CURVES =
            HEADER
                    + "\n"
                    + "pacgan,grid,gan,1,100,3,25,10.00,2.0000,1.2000,0.9000\n"
                    + "pacgan,grid,gan,1,200,5,25,20.00,1.5000,1.0000,1.1000\n"
                    + "pacgan,grid,pac2,2,100,4,25,12.00,1.8000,1.3000,0.8000\n"
                    + "pacgan,grid,gan,1,200,6,25,30.00,1.2500,0.9000,1.2000\n"
                    + "pacgan,grid,pac2,2,200,7,25,40.00,1.1000,1.1000,1.0000\n"
                    + "metz,ring,gan,1,2500,8,8,70.00,0.0100,1.3800,0.7000\n";

    private Path tmp;

    @BeforeMethod
    public void createTemporaryDirectory() throws IOException {
        tmp = Files.createTempDirectory("djlgan-plot-curves");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() {
        TempDirs.delete(tmp);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    /** Runs the command through the examples' main command; returns exit code, stdout, stderr. */
    private static String[] run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> command = new ArrayList<>(List.of("plot-curves"));
        command.addAll(List.of(args));
        int code = cli.execute(command.toArray(String[]::new));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    public void writesOneFigurePerProtocolAndData() throws IOException {
        Path curves = write("curves.csv", CURVES);
        Path out = tmp.resolve("figures");
        for (String window : new String[] {"1", "3"}) {
            String[] r =
                    run("--curves", curves.toString(), "--window", window, "--out", out.toString());
            assertEquals(r[0], "0", r[2]);
            Path grid = out.resolve("pacgan-grid-curves.png");
            Path ring = out.resolve("metz-ring-curves.png");
            assertTrue(r[1].contains("Wrote " + grid), r[1]);
            assertTrue(r[1].contains("Wrote " + ring), r[1]);
            try (Stream<Path> files = Files.list(out)) {
                assertEquals(files.count(), 2);
            }
            for (Path file : List.of(grid, ring)) {
                BufferedImage image = ImageIO.read(file.toFile());
                assertNotNull(image, file.toString());
                // two columns of 620-pixel panels, two rows of 340, 6-pixel margins, a 24-pixel
                // title
                assertEquals(image.getWidth(), 6 + 2 * (620 + 6), file.toString());
                assertEquals(image.getHeight(), 24 + 6 + 2 * (340 + 6), file.toString());
                assertTrue(hasColour(image, 0x1f77b4), "the first run's line in " + file);
            }
        }
    }

    private static boolean hasColour(BufferedImage image, int rgb) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    public void aRepeatedIterationKeepsTheLastRow() throws IOException {
        List<Run> runs = PlotCurves.read(List.of(write("curves.csv", CURVES)), Map.of());
        assertEquals(
                runs,
                List.of(
                        new Run(
                                "pacgan",
                                "grid",
                                "gan seed 1",
                                List.of(
                                        new Point(100, 3, 25, 10.0, 2.0, 1.2, 0.9),
                                        new Point(200, 6, 25, 30.0, 1.25, 0.9, 1.2))),
                        new Run(
                                "pacgan",
                                "grid",
                                "pac2 seed 2",
                                List.of(
                                        new Point(100, 4, 25, 12.0, 1.8, 1.3, 0.8),
                                        new Point(200, 7, 25, 40.0, 1.1, 1.1, 1.0))),
                        new Run(
                                "metz",
                                "ring",
                                "gan seed 1",
                                List.of(new Point(2500, 8, 8, 70.0, 0.01, 1.38, 0.7)))));
    }

    @Test
    public void aRunContinuedInASecondFileIsOneRunUnlessLabelled() throws IOException {
        Path first =
                write(
                        "first.csv",
                        HEADER
                                + "\n"
                                + "pacgan,grid,pac4,2,100,3,25,10.00,2.0000,1.2000,0.9000\n"
                                + "pacgan,grid,pac4,2,200,5,25,20.00,1.5000,1.0000,1.1000\n");
        // the second sitting repeats iteration 200 (written again after the resume) and goes on
        Path second =
                write(
                        "second.csv",
                        HEADER
                                + "\n"
                                + "pacgan,grid,pac4,2,200,9,25,50.00,0.5000,0.7000,1.4000\n"
                                + "\n"
                                + "pacgan,grid,pac4,2,300,11,25,60.00,0.4000,0.6000,1.5000\n");
        assertEquals(
                PlotCurves.read(List.of(first, second), Map.of()),
                List.of(
                        new Run(
                                "pacgan",
                                "grid",
                                "pac4 seed 2",
                                List.of(
                                        new Point(100, 3, 25, 10.0, 2.0, 1.2, 0.9),
                                        new Point(200, 9, 25, 50.0, 0.5, 0.7, 1.4),
                                        new Point(300, 11, 25, 60.0, 0.4, 0.6, 1.5)))));
        List<Run> labelled =
                PlotCurves.read(
                        List.of(first, second),
                        Map.of(first, "joint", tmp.resolve("x/../second.csv"), "per-slot"));
        assertEquals(labelled.size(), 2);
        assertEquals(labelled.get(0).name(), "joint pac4 seed 2");
        assertEquals(
                labelled.get(0).points(),
                List.of(
                        new Point(100, 3, 25, 10.0, 2.0, 1.2, 0.9),
                        new Point(200, 5, 25, 20.0, 1.5, 1.0, 1.1)));
        assertEquals(labelled.get(1).name(), "per-slot pac4 seed 2");
        assertEquals(labelled.get(1).points().size(), 2);
        assertEquals(labelled.get(1).points().get(0).iteration(), 200);
    }

    @Test
    public void runningMeanOfThree() {
        double[] values = {3, 6, 9, 12, 0};
        // by hand: 3; (3+6)/2; (3+6+9)/3; (6+9+12)/3; (9+12+0)/3
        assertEquals(PlotCurves.runningMean(values, 3), new double[] {3, 4.5, 6, 9, 7}, 1e-12);
        assertEquals(PlotCurves.runningMean(values, 1), values, 0);
        assertEquals(PlotCurves.runningMean(new double[0], 3), new double[0]);
    }

    @Test
    public void badInputsAreUsageErrors() throws IOException {
        Path good = write("good.csv", CURVES);
        Path header = write("header.csv", "protocol,data,variant\npacgan,grid,gan\n");
        Path empty = write("empty.csv", "");
        Path columns =
                write(
                        "columns.csv",
                        HEADER
                                + "\npacgan,grid,gan,1,100,3,25,10.00,2.0000,1.2000,0.9000"
                                + "\npacgan,grid,gan,1,200,3,25,10.00,2.0000,1.2000\n");
        Path text =
                write(
                        "text.csv",
                        HEADER + "\npacgan,grid,gan,1,100,3,25,abc,2.0000,1.2000,0.9000\n");
        Path fraction =
                write(
                        "fraction.csv",
                        HEADER + "\npacgan,grid,gan,1,100.5,3,25,10.00,2.0000,1.2000,0.9000\n");
        Path nan =
                write("nan.csv", HEADER + "\npacgan,grid,gan,1,100,3,25,10.00,NaN,1.2000,0.9000\n");
        Path name =
                write(
                        "name.csv",
                        HEADER + "\npacgan,../grid,gan,1,100,3,25,10.00,2.0000,1.2000,0.9000\n");
        Path noRows = write("no-rows.csv", HEADER + "\n");
        Path missing = tmp.resolve("missing.csv");
        String[][] cases = {
            // file, extra options, part of the message
            {missing.toString(), "", "--curves: no such file " + missing},
            {header.toString(), "", header + ": expected the header " + HEADER + ", got"},
            {empty.toString(), "", empty + ": expected the header " + HEADER + ", got an empty"},
            {columns.toString(), "", columns + " line 3: expected 11 columns, got 10"},
            {text.toString(), "", text + " line 2: hq_pct: expected a finite number, got 'abc'"},
            {fraction.toString(), "", fraction + " line 2: iteration: expected an integer"},
            {nan.toString(), "", nan + " line 2: rkl: expected a finite number, got 'NaN'"},
            {
                name.toString(),
                "",
                name + " line 2: data: expected letters, digits or _, got '../grid'"
            },
            {noRows.toString(), "", "--curves: no rows in [" + noRows + "]"},
            {good.toString(), "--window=0", "--window: expected K >= 1, got 0"},
            {good.toString(), "--label=" + header + "=x", "--label: " + header + " is not one of"},
            {good.toString(), "--label=" + good + "= ", "--label: empty label for " + good},
        };
        Path out = tmp.resolve("figures");
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("--curves", c[0], "--out", out.toString()));
            if (!c[1].isEmpty()) {
                args.add(c[1]);
            }
            String[] r = run(args.toArray(String[]::new));
            assertEquals(r[0], "2", c[2] + ": " + r[2]);
            assertTrue(r[2].contains(c[2]), r[2]);
            assertFalse(Files.exists(out), c[2]);
        }
        // the same as exceptions from the reading function
        expectThrows(
                IllegalArgumentException.class, () -> PlotCurves.read(List.of(missing), Map.of()));
    }
}
