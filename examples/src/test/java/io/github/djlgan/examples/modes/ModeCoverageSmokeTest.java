package io.github.djlgan.examples.modes;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.examples.Engines;
import io.github.djlgan.examples.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Test;
import picocli.CommandLine;

/** The mode-coverage command end to end, with a budget of seconds. */
public class ModeCoverageSmokeTest {

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void writesPlotsAndTables(String engine) throws IOException {
        Path out = Files.createTempDirectory("mode-coverage-" + engine);
        int exit =
                new CommandLine(new Main())
                        .execute(
                                "mode-coverage",
                                "--engine",
                                engine,
                                "--data",
                                "grid,ring",
                                "--variants",
                                "vanilla,mbstd,wn",
                                "--seeds",
                                "2",
                                "--steps",
                                "10",
                                "--batch",
                                "32",
                                "--hidden",
                                "16",
                                "--samples",
                                "200",
                                "--out",
                                out.toString());
        assertEquals(exit, 0);
        for (String file :
                new String[] {
                    "grid.png",
                    "ring.png",
                    "grid-vanilla.png",
                    "grid-mbstd.png",
                    "ring-wn.png",
                    "runs.csv",
                    "summary.csv",
                    "summary.md"
                }) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        List<String> runs = Files.readAllLines(out.resolve("runs.csv"));
        assertEquals(runs.size(), 1 + 2 * 3 * 2); // header + data x variants x seeds
        assertEquals(
                runs.get(0),
                "data,variant,seed,modes,of,high_quality_pct,reverse_kl,loss_d,loss_g,seconds");
        for (String row : runs.subList(1, runs.size())) {
            String[] cells = row.split(",");
            int modes = Integer.parseInt(cells[3]);
            int of = Integer.parseInt(cells[4]);
            assertTrue(modes >= 0 && modes <= of, row);
            double quality = Double.parseDouble(cells[5]);
            assertTrue(quality >= 0 && quality <= 100, row);
            double kl = Double.parseDouble(cells[6]);
            assertTrue(kl >= 0 && kl <= Math.log(of) + 1e-4, row);
            assertTrue(Double.isFinite(Double.parseDouble(cells[7])), row);
            assertTrue(Double.isFinite(Double.parseDouble(cells[8])), row);
        }
        List<String> summary = Files.readAllLines(out.resolve("summary.md"));
        assertEquals(summary.size(), 2 + 2 * 3);
        assertTrue(summary.get(2).startsWith("| grid | vanilla | "), summary.get(2));
        assertTrue(summary.get(2).contains(" ± "), summary.get(2));
    }
}
