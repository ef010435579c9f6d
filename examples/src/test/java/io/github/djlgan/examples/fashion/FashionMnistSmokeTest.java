package io.github.djlgan.examples.fashion;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import io.github.djlgan.examples.Main;
import io.github.djlgan.examples.MainCommand;
import io.github.djlgan.examples.Shuffle;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.TempDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;
import picocli.CommandLine;

/**
 * The fashion-mnist command end to end on a tiny synthetic data set written in the IDX format, so
 * the test needs neither the Debian package nor minutes.
 */
public class FashionMnistSmokeTest {

    private static final int TEST_IMAGES = 60;

    private Path data;

    @BeforeClass
    public void writeTinyDataSet() throws IOException {
        data = IdxTestData.write(240, TEST_IMAGES, 5);
    }

    /** Removes the files. */
    @AfterClass(alwaysRun = true)
    public void deleteData() {
        TempDirs.delete(data);
    }

    @Test
    public void readerReadsWhatWasWritten() throws IOException {
        FashionMnistData train = FashionMnistData.read(data, true);
        assertEquals(train.size(), 240);
        assertEquals(train.label(13), 3);
        float[] pixels = train.pixels(new int[] {0, 1});
        assertEquals(pixels.length, 2 * 784);
        // image 1, of class 1: rows 2 and 3 written as 255, every other pixel below 64
        for (int p = 0; p < 784; p++) {
            float value = pixels[784 + p];
            if (p / 28 == 2 || p / 28 == 3) {
                assertEquals(value, 1f, "pixel " + p);
            } else {
                assertTrue(value >= 0 && value < 64 / 255f, "pixel " + p + ": " + value);
            }
        }
        int[] subset = train.balancedSubset(20, new Random(1));
        int[] perClass = new int[10];
        for (int i : subset) {
            perClass[train.label(i)]++;
        }
        assertEquals(perClass, new int[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2});
    }

    @Test
    public void orderOfExamples() {
        // a permutation holds every index once, and the same seed gives the same order
        int[] p = Shuffle.permutation(50, new Random(3));
        int[] seen = new int[50];
        for (int i : p) {
            seen[i]++;
        }
        for (int i = 0; i < seen.length; i++) {
            assertEquals(seen[i], 1, "index " + i);
        }
        assertEquals(Shuffle.permutation(50, new Random(3)), p);
        int[] identity = new int[50];
        for (int i = 0; i < identity.length; i++) {
            identity[i] = i;
        }
        assertTrue(!Arrays.equals(p, identity), "not shuffled");
        // shuffled copies, leaving its argument alone
        int[] values = {10, 20, 30, 40};
        int[] shuffled = Shuffle.shuffled(values, new Random(1));
        assertEquals(values, new int[] {10, 20, 30, 40});
        int[] sorted = shuffled.clone();
        Arrays.sort(sorted);
        assertEquals(sorted, values);
        // batches of 3 over an order of 7 wrap around: the third is order[6], order[0], order[1]
        int[] order = {6, 5, 4, 3, 2, 1, 0};
        assertEquals(FashionMnistData.batch(order, 0, 3), new int[] {6, 5, 4});
        assertEquals(FashionMnistData.batch(order, 2, 3), new int[] {0, 6, 5});
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> FashionMnistData.batch(new int[0], 0, 3));
        assertTrue(
                e.getMessage().contains("FashionMnistData")
                        && e.getMessage().contains("got an order of 0"),
                e.getMessage());
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void trainsAndReports(String engine) throws IOException {
        Path out = Files.createTempDirectory("fashion-" + engine);
        try {
            MainCommand.succeeds(
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
            assertTrue(Files.size(out.resolve("samples-epoch-01.png")) > 0);
            assertTrue(Files.size(out.resolve("samples-epoch-02.png")) > 0);
            List<String> csv = Files.readAllLines(out.resolve("accuracy.csv"));
            assertEquals(csv.size(), 3);
            for (String row : csv.subList(1, 3)) {
                String[] cells = row.split(",");
                for (int i = 1; i <= 2; i++) {
                    // a count of correct answers among the 60 test images, as a percentage
                    double accuracy = Double.parseDouble(cells[i]);
                    long correct = Math.round(accuracy * TEST_IMAGES / 100);
                    assertEquals(accuracy, 100.0 * correct / TEST_IMAGES, 0.005, row);
                }
                for (int i = 3; i <= 6; i++) {
                    assertTrue(Double.isFinite(Double.parseDouble(cells[i])), row);
                }
            }
            // the classes are bright rows: six steps take both classifiers far above chance (10 %);
            // measured 60 % and 90 % (GAN), 85 % and 70 % (baseline) on PyTorch and MXNet
            String[] last = csv.get(2).split(",");
            assertTrue(Double.parseDouble(last[1]) >= 40, "GAN classifier: " + csv.get(2));
            assertTrue(Double.parseDouble(last[2]) >= 40, "baseline classifier: " + csv.get(2));
        } finally {
            TempDirs.delete(out);
        }
    }

    @Test
    public void missingDataSaysHowToInstallIt() throws IOException {
        Path empty = Files.createTempDirectory("no-fashion");
        try {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream saved = System.err;
            int exit;
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                exit =
                        new CommandLine(new Main())
                                .execute("fashion-mnist", "--data", empty.toString());
            } finally {
                System.setErr(saved);
            }
            assertEquals(exit, 2);
            String message = err.toString(StandardCharsets.UTF_8);
            assertTrue(message.contains("apt-get install dataset-fashion-mnist"), message);
            assertTrue(message.contains(empty.toString()), message);
        } finally {
            TempDirs.delete(empty);
        }
    }
}
