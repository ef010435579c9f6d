package io.github.djlgan.examples.imagegan;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.examples.MainCommand;
import io.github.djlgan.examples.fashion.IdxTestData;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.TempDirs;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * The image-gan command end to end, every variant on both engines, with a budget of seconds: two
 * steps of batch 8 on a tiny random data set in the IDX format; the measurements (of the moving
 * average and, with {@code --live-fd}, of the trained generator itself) must be finite, the sample
 * grid and the packaged generator's images of the right size, and the package must load through
 * {@code Criteria} on both engines with the trainer's outputs.
 */
public class ImageGanSmokeTest {

    private Path data;

    @BeforeClass
    public void writeTinyDataSet() throws IOException {
        data = IdxTestData.write(64, 48, 7);
    }

    /** Removes the files. */
    @AfterClass(alwaysRun = true)
    public void deleteData() {
        TempDirs.delete(data);
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void everyVariantTrainsMeasuresAndPackages(String engine) throws IOException {
        Path out = Files.createTempDirectory("image-gan-" + engine);
        try {
            String[] variants = {"dcgan", "sn", "wn", "sn+mbstd", "progan"};
            MainCommand.succeeds(
                    "image-gan",
                    "--engine",
                    engine,
                    "--data",
                    data.toString(),
                    "--variants",
                    String.join(",", variants),
                    "--epochs",
                    "1",
                    "--steps-per-epoch",
                    "2",
                    "--batch",
                    "8",
                    "--eval-samples",
                    "40",
                    "--classifier-epochs",
                    "1",
                    "--classifier-dir",
                    out.resolve("classifier").toString(),
                    "--grid",
                    "3",
                    "--live-fd",
                    "--out",
                    out.toString());
            List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
            assertEquals(summary.size(), 1 + variants.length + 2, summary.toString());
            for (int i = 0; i < variants.length; i++) {
                String[] cells = summary.get(1 + i).split(",");
                assertEquals(cells[0], variants[i]);
                double fd = Double.parseDouble(cells[6]);
                assertTrue(Double.isFinite(fd) && fd > 0, "FD " + fd);
                int covered = Integer.parseInt(cells[7].replace(" / 10", ""));
                assertTrue(covered >= 1 && covered <= 10, cells[7]);
                double kl = Double.parseDouble(cells[8]);
                assertTrue(kl >= 0 && kl <= Math.log(10) + 1e-4, "KL " + kl); // 4 decimals
                // the grid: 3 × 3 images of 28 × 28 shown twice as large, 2-pixel gaps, a title
                BufferedImage grid =
                        ImageIO.read(
                                out.resolve(
                                                "samples-"
                                                        + variants[i].replace('+', '-')
                                                        + "-epoch-01.png")
                                        .toFile());
                assertEquals(grid.getWidth(), 2 + 3 * (2 * 28 + 2));
                assertEquals(grid.getHeight(), 20 + 2 + 3 * (2 * 28 + 2));
            }
            // the package loads through Criteria on both engines and gives the trainer's samples;
            // the translator's images are 28 × 28
            List<String> packages = Files.readAllLines(out.resolve("packages.csv"));
            assertEquals(packages.size(), 1 + 2 * variants.length, packages.toString());
            for (String row : packages.subList(1, packages.size())) {
                String[] cells = row.split(",");
                double diff = Double.parseDouble(cells[3]);
                assertTrue(diff <= (cells[2].equals(engine) ? 0 : 1e-4), row);
                assertEquals(cells[4], "true", row);
            }
            // one row per variant and epoch; the moving average's FD and the live generator's
            List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
            assertEquals(curves.size(), 1 + variants.length, curves.toString());
            assertEquals(curves.get(0).split(",")[3], "fd_live", curves.get(0));
            for (String row : curves.subList(1, curves.size())) {
                String[] cells = row.split(",");
                double fd = Double.parseDouble(cells[2]);
                double live = Double.parseDouble(cells[3]);
                assertTrue(Double.isFinite(live) && live > 0, row);
                assertTrue(live != fd, "the live generator measured as its moving average: " + row);
            }
            assertTrue(Files.size(out.resolve("fd.png")) > 0);
            assertTrue(Files.size(out.resolve("kl.png")) > 0);
        } finally {
            TempDirs.delete(out);
        }
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void jobsTwoChangesNothing(String engine) throws IOException {
        Path classifier = Files.createTempDirectory("image-gan-classifier-" + engine);
        Path[] outs = new Path[2];
        try {
            for (int jobs = 1; jobs <= 2; jobs++) {
                Path out = Files.createTempDirectory("image-gan-jobs" + jobs + "-" + engine);
                outs[jobs - 1] = out;
                MainCommand.succeeds(
                        "image-gan",
                        "--engine",
                        engine,
                        "--data",
                        data.toString(),
                        "--variants",
                        "dcgan,sn",
                        "--epochs",
                        "2",
                        "--steps-per-epoch",
                        "2",
                        "--batch",
                        "8",
                        "--eval-samples",
                        "40",
                        "--classifier-epochs",
                        "1",
                        "--classifier-dir",
                        classifier.toString(), // trained by the first run
                        "--grid",
                        "3",
                        "--out",
                        out.toString(),
                        "--jobs",
                        Integer.toString(jobs));
            }
            // the same to the last digit, except the seconds (the last three columns)
            for (String file : new String[] {"curves.csv", "summary.csv"}) {
                List<String> one = withoutSeconds(outs[0].resolve(file));
                assertEquals(withoutSeconds(outs[1].resolve(file)), one, file);
                assertTrue(one.size() >= 3, file);
            }
            assertEquals(
                    Files.readAllLines(outs[1].resolve("packages.csv")),
                    Files.readAllLines(outs[0].resolve("packages.csv")));
            for (String variant : new String[] {"dcgan", "sn"}) {
                for (String epoch : new String[] {"01", "02"}) {
                    String grid = "samples-" + variant + "-epoch-" + epoch + ".png";
                    assertEquals(
                            Files.readAllBytes(outs[1].resolve(grid)),
                            Files.readAllBytes(outs[0].resolve(grid)),
                            grid);
                }
            }
        } finally {
            TempDirs.delete(classifier, outs[0], outs[1]);
        }
    }

    /** The rows of a CSV file without their last three columns, the seconds. */
    private static List<String> withoutSeconds(Path file) throws IOException {
        List<String> rows = Files.readAllLines(file);
        assertTrue(rows.get(0).endsWith("seconds") || rows.get(0).endsWith("s / measurement"));
        return rows.stream()
                .map(
                        r -> {
                            String[] cells = r.split(",", -1);
                            return String.join(",", Arrays.copyOf(cells, cells.length - 3));
                        })
                .toList();
    }
}
