package io.github.djlgan.examples.plot;

import static io.github.djlgan.examples.report.CurvesFixture.HEADER;
import static io.github.djlgan.examples.report.CurvesFixture.SAMPLE;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import io.github.djlgan.examples.MainCommand;
import io.github.djlgan.examples.MainCommand.Printed;
import io.github.djlgan.examples.report.Curves;
import io.github.djlgan.examples.report.CurvesFixture;
import java.awt.image.BufferedImage;
import java.io.IOException;
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

/** The {@code plot-curves} command: figures, running means, bad inputs (reading: CurvesTest). */
public class PlotCurvesTest {

    private CurvesFixture files;

    @BeforeMethod
    public void createTemporaryDirectory() throws IOException {
        files = new CurvesFixture("djlgan-plot-curves");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() {
        files.delete();
    }

    /** Runs the command through the examples' main command. */
    private static Printed run(String... args) {
        List<String> command = new ArrayList<>(List.of("plot-curves"));
        command.addAll(List.of(args));
        return MainCommand.run(command.toArray(String[]::new));
    }

    @Test
    public void writesOneFigurePerProtocolAndData() throws IOException {
        Path curves = files.write("curves.csv", SAMPLE);
        Path out = files.dir().resolve("figures");
        for (String window : new String[] {"1", "3"}) {
            Printed r =
                    run("--curves", curves.toString(), "--window", window, "--out", out.toString());
            assertEquals(r.exit(), 0, r.err());
            Path grid = out.resolve("pacgan-grid-curves.png");
            Path ring = out.resolve("metz-ring-curves.png");
            assertTrue(r.out().contains("Wrote " + grid), r.out());
            assertTrue(r.out().contains("Wrote " + ring), r.out());
            try (Stream<Path> written = Files.list(out)) {
                assertEquals(written.count(), 2);
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
    public void runningMeanOfThree() {
        double[] values = {3, 6, 9, 12, 0};
        // by hand: 3; (3+6)/2; (3+6+9)/3; (6+9+12)/3; (9+12+0)/3
        assertEquals(PlotCurves.runningMean(values, 3), new double[] {3, 4.5, 6, 9, 7}, 1e-12);
        assertEquals(PlotCurves.runningMean(values, 1), values, 0);
        assertEquals(PlotCurves.runningMean(new double[0], 3), new double[0]);
    }

    @Test
    public void badInputsAreUsageErrors() throws IOException {
        Path good = files.write("good.csv", SAMPLE);
        Path header = files.write("header.csv", "protocol,data,variant\npacgan,grid,gan\n");
        Path empty = files.write("empty.csv", "");
        Path columns =
                files.write(
                        "columns.csv",
                        HEADER
                                + "\npacgan,grid,gan,1,100,3,25,10.00,2.0000,1.2000,0.9000"
                                + "\npacgan,grid,gan,1,200,3,25,10.00,2.0000,1.2000\n");
        Path text =
                files.write(
                        "text.csv",
                        HEADER + "\npacgan,grid,gan,1,100,3,25,abc,2.0000,1.2000,0.9000\n");
        Path fraction =
                files.write(
                        "fraction.csv",
                        HEADER + "\npacgan,grid,gan,1,100.5,3,25,10.00,2.0000,1.2000,0.9000\n");
        Path nan =
                files.write(
                        "nan.csv",
                        HEADER + "\npacgan,grid,gan,1,100,3,25,10.00,NaN,1.2000,0.9000\n");
        Path name =
                files.write(
                        "name.csv",
                        HEADER + "\npacgan,../grid,gan,1,100,3,25,10.00,2.0000,1.2000,0.9000\n");
        Path noRows = files.write("no-rows.csv", HEADER + "\n");
        Path missing = files.dir().resolve("missing.csv");
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
        Path out = files.dir().resolve("figures");
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("--curves", c[0], "--out", out.toString()));
            if (!c[1].isEmpty()) {
                args.add(c[1]);
            }
            Printed r = run(args.toArray(String[]::new));
            assertEquals(r.exit(), 2, c[2] + ": " + r.err());
            assertTrue(r.err().contains(c[2]), r.err());
            assertFalse(Files.exists(out), c[2]);
        }
        // the same as exceptions from the reading function
        expectThrows(IllegalArgumentException.class, () -> Curves.read(List.of(missing), Map.of()));
    }
}
