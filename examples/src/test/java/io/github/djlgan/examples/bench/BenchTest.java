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
import java.util.List;
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
        for (int e = 0; e < 2; e++) {
            JsonObject engine = engines.get(e).getAsJsonObject();
            assertTrue(engine.get("matmul_gflops").getAsDouble() > 0);
            JsonArray cases = engine.getAsJsonArray("cases");
            assertEquals(cases.size(), 3);
            for (int i = 0; i < cases.size(); i++) {
                JsonObject row = cases.get(i).getAsJsonObject();
                assertEquals(row.get("iterations").getAsInt(), 2);
                assertEquals(row.get("warmup").getAsInt(), 1);
                assertTrue(row.get("median_ms").getAsDouble() > 0, row.toString());
                assertTrue(row.get("min_ms").getAsDouble() <= row.get("median_ms").getAsDouble());
            }
            assertTrue(engine.getAsJsonObject("ratios").has("wn_linear/linear"));
        }
        String markdown = Files.readString(out.resolve("bench.md"));
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
