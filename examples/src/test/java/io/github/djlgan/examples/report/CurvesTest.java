package io.github.djlgan.examples.report;

import static io.github.djlgan.examples.report.CurvesFixture.HEADER;
import static io.github.djlgan.examples.report.CurvesFixture.SAMPLE;
import static org.testng.Assert.assertEquals;

import io.github.djlgan.examples.report.Curves.Point;
import io.github.djlgan.examples.report.Curves.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

/**
 * Reading curves files: a repeated iteration, a run continued in a second file, labels. (Bad files
 * are usage errors of the commands: {@code PlotCurvesTest}, {@code CurvesTableTest}.)
 */
public class CurvesTest {

    private CurvesFixture files;

    @BeforeMethod
    public void createTemporaryDirectory() throws IOException {
        files = new CurvesFixture("djlgan-curves");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() {
        files.delete();
    }

    @Test
    public void aRepeatedIterationKeepsTheLastRow() throws IOException {
        List<Run> runs = Curves.read(List.of(files.write("curves.csv", SAMPLE)), Map.of());
        assertEquals(
                runs,
                List.of(
                        new Run(
                                "",
                                "pacgan",
                                "grid",
                                "gan",
                                1,
                                List.of(
                                        new Point(100, 3, 25, 10.0, 2.0, 1.2, 0.9),
                                        new Point(200, 6, 25, 30.0, 1.25, 0.9, 1.2))),
                        new Run(
                                "",
                                "pacgan",
                                "grid",
                                "pac2",
                                2,
                                List.of(
                                        new Point(100, 4, 25, 12.0, 1.8, 1.3, 0.8),
                                        new Point(200, 7, 25, 40.0, 1.1, 1.1, 1.0))),
                        new Run(
                                "",
                                "metz",
                                "ring",
                                "gan",
                                1,
                                List.of(new Point(2500, 8, 8, 70.0, 0.01, 1.38, 0.7)))));
    }

    @Test
    public void aRunContinuedInASecondFileIsOneRunUnlessLabelled() throws IOException {
        Path first =
                files.write(
                        "first.csv",
                        HEADER
                                + "\n"
                                + "pacgan,grid,pac4,2,100,3,25,10.00,2.0000,1.2000,0.9000\n"
                                + "pacgan,grid,pac4,2,200,5,25,20.00,1.5000,1.0000,1.1000\n");
        // the second sitting repeats iteration 200 (written again after the resume) and goes on
        Path second =
                files.write(
                        "second.csv",
                        HEADER
                                + "\n"
                                + "pacgan,grid,pac4,2,200,9,25,50.00,0.5000,0.7000,1.4000\n"
                                + "\n"
                                + "pacgan,grid,pac4,2,300,11,25,60.00,0.4000,0.6000,1.5000\n");
        assertEquals(
                Curves.read(List.of(first, second), Map.of()),
                List.of(
                        new Run(
                                "",
                                "pacgan",
                                "grid",
                                "pac4",
                                2,
                                List.of(
                                        new Point(100, 3, 25, 10.0, 2.0, 1.2, 0.9),
                                        new Point(200, 9, 25, 50.0, 0.5, 0.7, 1.4),
                                        new Point(300, 11, 25, 60.0, 0.4, 0.6, 1.5)))));
        List<Run> labelled =
                Curves.read(
                        List.of(first, second),
                        Map.of(first, "joint", files.dir().resolve("x/../second.csv"), "per-slot"));
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
}
