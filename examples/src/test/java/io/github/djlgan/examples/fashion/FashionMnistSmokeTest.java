package io.github.djlgan.examples.fashion;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.examples.Engines;
import io.github.djlgan.examples.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;
import picocli.CommandLine;

/**
 * The fashion-mnist command end to end on a tiny synthetic data set written in the IDX format, so
 * the test needs neither the Debian package nor minutes.
 */
public class FashionMnistSmokeTest {

    private Path data;

    @BeforeClass
    public void writeTinyDataSet() throws IOException {
        data = IdxTestData.write(240, 60, 5);
    }

    @Test
    public void readerReadsWhatWasWritten() throws IOException {
        FashionMnistData train = FashionMnistData.read(data, true);
        assertEquals(train.size(), 240);
        assertEquals(train.label(13), 3);
        float[] pixels = train.pixels(new int[] {0, 1});
        assertEquals(pixels.length, 2 * 784);
        for (float p : pixels) {
            assertTrue(p >= 0 && p <= 1);
        }
        int[] subset = train.balancedSubset(20, new Random(1));
        int[] perClass = new int[10];
        for (int i : subset) {
            perClass[train.label(i)]++;
        }
        assertEquals(perClass, new int[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2});
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void trainsAndReports(String engine) throws IOException {
        Path out = Files.createTempDirectory("fashion-" + engine);
        int exit =
                new CommandLine(new Main())
                        .execute(
                                "fashion-mnist",
                                "--engine",
                                engine,
                                "--data",
                                data.toString(),
                                "--labels",
                                "20",
                                "--epochs",
                                "2",
                                "--steps-per-epoch",
                                "3",
                                "--batch",
                                "20",
                                "--out",
                                out.toString());
        assertEquals(exit, 0);
        assertTrue(Files.size(out.resolve("samples-epoch-01.png")) > 0);
        assertTrue(Files.size(out.resolve("samples-epoch-02.png")) > 0);
        List<String> csv = Files.readAllLines(out.resolve("accuracy.csv"));
        assertEquals(csv.size(), 3);
        for (String row : csv.subList(1, 3)) {
            String[] cells = row.split(",");
            for (int i = 1; i <= 2; i++) {
                double accuracy = Double.parseDouble(cells[i]);
                assertTrue(accuracy >= 0 && accuracy <= 100, row);
            }
            for (int i = 3; i <= 6; i++) {
                assertTrue(Double.isFinite(Double.parseDouble(cells[i])), row);
            }
        }
    }

    @Test
    public void missingDataSaysHowToInstallIt() throws IOException {
        Path empty = Files.createTempDirectory("no-fashion");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute("fashion-mnist", "--data", empty.toString());
        } finally {
            System.setErr(saved);
        }
        assertEquals(exit, 2);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("apt-get install dataset-fashion-mnist"), message);
        assertTrue(message.contains(empty.toString()), message);
    }
}
