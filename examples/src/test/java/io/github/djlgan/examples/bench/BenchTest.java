package io.github.djlgan.examples.bench;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.djlgan.examples.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.testng.annotations.Test;
import picocli.CommandLine;

/** The bench command end to end on both engines (a few runs: a smoke test, not a benchmark). */
public class BenchTest {

    @Test
    public void writesJsonAndMarkdownForBothEngines() throws IOException {
        Path out = Files.createTempDirectory("bench");
        int exit =
                new CommandLine(new Main())
                        .execute(
                                "bench",
                                "--cases",
                                "linear,wn_linear,gan_step",
                                "--warmup",
                                "1",
                                "--iterations",
                                "2",
                                "--out",
                                out.toString());
        assertEquals(exit, 0);
        JsonObject report =
                JsonParser.parseString(Files.readString(out.resolve("bench.json")))
                        .getAsJsonObject();
        JsonArray engines = report.getAsJsonArray("engines");
        assertEquals(engines.size(), 2);
        String markdown = Files.readString(out.resolve("bench.md"));
        for (int e = 0; e < 2; e++) {
            JsonObject engine = engines.get(e).getAsJsonObject();
            double matmul = engine.get("matmul_gflops").getAsDouble();
            JsonArray cases = engine.getAsJsonArray("cases");
            assertEquals(cases.size(), 3);
            Map<String, Double> medians = new HashMap<>();
            for (int i = 0; i < cases.size(); i++) {
                JsonObject row = cases.get(i).getAsJsonObject();
                String label = row.toString();
                assertEquals(row.get("iterations").getAsInt(), 2);
                assertEquals(row.get("warmup").getAsInt(), 1);
                // the derived columns follow from the median and the case's work
                double median = row.get("median_ms").getAsDouble();
                double gflops = row.get("gflop").getAsDouble() / (median / 1e3);
                assertEquals(row.get("gflops").getAsDouble(), gflops, 1e-9 * gflops, label);
                assertEquals(
                        row.get("fraction_of_matmul").getAsDouble(),
                        gflops / matmul,
                        1e-9 * gflops / matmul,
                        label);
                assertTrue(
                        markdown.contains(String.format(Locale.ROOT, "| %.2f |", median)), label);
                medians.put(row.get("case").getAsString(), median);
            }
            // linear and wn_linear, forward + backward: three (100 x 784) · (784 x 1000) products
            for (int i = 0; i < 2; i++) {
                JsonObject row = cases.get(i).getAsJsonObject();
                assertEquals(row.get("gflop").getAsDouble(), 3 * 2 * 100 * 784 * 1000 / 1e9, 1e-12);
            }
            assertEquals(
                    engine.getAsJsonObject("ratios").get("wn_linear/linear").getAsDouble(),
                    medians.get("wn_linear") / medians.get("linear"),
                    1e-12);
        }
        assertTrue(markdown.contains("| gan_step | batch 100 |"), markdown);
        assertTrue(markdown.contains("### PyTorch") && markdown.contains("### MXNet"), markdown);
    }

    @Test
    public void casesAreTheIssuesTableAndOnlyMbdLargeIsCapped() {
        List<String> names =
                BenchCases.all().stream().map(BenchCase::name).collect(Collectors.toList());
        assertEquals(
                names,
                List.of(
                        "nin",
                        "linear",
                        "wn_linear",
                        "sn_linear",
                        "conv",
                        "wn_conv",
                        "sn_conv",
                        "eqlr_conv",
                        "deconv",
                        "deconv_conv",
                        "mbd_small",
                        "mbd_large",
                        "lbn",
                        "mbstd",
                        "gan_step",
                        "gan_step_manual"));
        for (BenchCase c : BenchCases.all()) {
            boolean capped = c.name().equals("mbd_large");
            assertEquals(c.warmup(5), capped ? 1 : 5, c.name());
            assertEquals(c.iterations(20), capped ? 3 : 20, c.name());
        }
    }

    @Test
    public void ganStepFlops() {
        // by hand, per sample: G = 100·500 + 500·500 + 500·784 = 692,000 MACs; D's features
        // 784·1000 + 1000·500 + 500·250 + 2·250·250 = 1,534,000 MACs; D = 1,536,500 MACs.
        // D update: 2·G (sample) + 3 batches × 6·D = 29,041,000; G update: 6·G + 4·features
        // (generated: forward + input gradient) + 2·features (real: forward) = 13,356,000
        assertEquals(GanStep.flops(100), 4_239_700_000.0, 1.0);
    }
}
