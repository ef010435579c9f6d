package io.github.djlgan.examples.bench;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.djlgan.examples.MainCommand;
import io.github.djlgan.examples.modes.ModeRun;
import io.github.djlgan.examples.modes.Protocol;
import io.github.djlgan.examples.modes.Variant;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.testng.annotations.Test;

/** The bench command end to end on both engines (a few runs: a smoke test, not a benchmark). */
public class BenchTest {

    @Test
    public void writesJsonAndMarkdownForBothEngines() throws IOException {
        Path out = Files.createTempDirectory("bench");
        try {
            MainCommand.succeeds(
                    "bench",
                    "--cases",
                    "linear,wn_linear,gan_step",
                    "--warmup",
                    "1",
                    "--iterations",
                    "2",
                    "--out",
                    out.toString());
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
                            markdown.contains(String.format(Locale.ROOT, "| %.2f |", median)),
                            label);
                    medians.put(row.get("case").getAsString(), median);
                }
                // linear and wn_linear, forward + backward: three (100 x 784) · (784 x 1000)
                // products
                for (int i = 0; i < 2; i++) {
                    JsonObject row = cases.get(i).getAsJsonObject();
                    assertEquals(
                            row.get("gflop").getAsDouble(), 3 * 2 * 100 * 784 * 1000 / 1e9, 1e-12);
                }
                assertEquals(
                        engine.getAsJsonObject("ratios").get("wn_linear/linear").getAsDouble(),
                        medians.get("wn_linear") / medians.get("linear"),
                        1e-12);
            }
            assertTrue(markdown.contains("| gan_step | batch 100 |"), markdown);
            assertTrue(
                    markdown.contains("### PyTorch") && markdown.contains("### MXNet"), markdown);
        } finally {
            TempDirs.delete(out);
        }
    }

    @Test
    public void modeCoverageStepsRunOnBothEngines() throws IOException {
        Path out = Files.createTempDirectory("bench");
        try {
            MainCommand.succeeds(
                    "bench",
                    "--cases",
                    "metz_step,metz_step_grad_check,pacgan_step,pacgan_step_grad_check",
                    "--warmup",
                    "1",
                    "--iterations",
                    "2",
                    "--out",
                    out.toString());
            JsonArray engines =
                    JsonParser.parseString(Files.readString(out.resolve("bench.json")))
                            .getAsJsonObject()
                            .getAsJsonArray("engines");
            assertEquals(engines.size(), 2);
            for (int e = 0; e < 2; e++) {
                JsonArray cases = engines.get(e).getAsJsonObject().getAsJsonArray("cases");
                assertEquals(cases.size(), 4);
                String[] names = {
                    "metz_step", "metz_step_grad_check", "pacgan_step", "pacgan_step_grad_check"
                };
                double[] gflop = {0.255066112, 0.255066112, 0.93152, 0.93152};
                for (int i = 0; i < 4; i++) {
                    JsonObject row = cases.get(i).getAsJsonObject();
                    assertEquals(row.get("case").getAsString(), names[i]);
                    assertEquals(row.get("iterations").getAsInt(), 2);
                    assertEquals(row.get("gflop").getAsDouble(), gflop[i], 1e-12);
                    double median = row.get("median_ms").getAsDouble();
                    assertTrue(median > 0 && Double.isFinite(median), row.toString());
                }
            }
            String markdown = Files.readString(out.resolve("bench.md"));
            assertTrue(markdown.contains("| metz_step | batch 512, z 256 |"), markdown);
            assertTrue(markdown.contains("| pacgan_step | batch 100, z 2 |"), markdown);
        } finally {
            TempDirs.delete(out);
        }
    }

    @Test
    public void modeStepFlops() {
        // by hand, MACs per sample. metz: G = 256·128 + 128·128 + 128·2 = 49,408 (first layer
        // 32,768); D = 2·128 + 128·128 + 128·1 = 16,768 (first 256). pacgan: G = 2·400 + 3·400·400
        // + 400·2 = 481,600 (first 800); D = 2·1000 + 2·200·1000 + 200·1 = 402,200 (first 2,000).
        // Per sample: G forward 2G, weight gradients 2G, input gradients 2(G − first); D on the
        // real and on the detached generated batch 2 × (2D + 2D + 2(D − first)); D with detached
        // parameters on the generated batch 2D + 2D (input gradients only).
        // metz: 6·49,408 − 2·32,768 + 16·16,768 − 4·256 = 498,176; × 512 = 255,066,112.
        // pacgan: 6·481,600 − 2·800 + 16·402,200 − 4·2,000 = 9,315,200; × 100 = 931,520,000.
        assertEquals(ModeStep.flops(Protocol.METZ), 255_066_112.0, 1.0);
        assertEquals(ModeStep.flops(Protocol.PACGAN), 931_520_000.0, 1.0);
    }

    @Test
    public void modeStepMacsAreTheNetworksWeights() {
        // the MAC tables of the FLOP count against the weights of the networks the case trains
        for (Protocol protocol : Protocol.values()) {
            try (ModeRun.Networks n =
                    ModeRun.networks(
                            Engine.getEngine("PyTorch"),
                            protocol,
                            Variant.GAN,
                            ModeRun.Settings.builder(protocol).build(),
                            1)) {
                assertEquals(
                        weightSizes(n.generator().getBlock()),
                        ModeStep.generatorMacs(protocol),
                        protocol.id());
                assertEquals(
                        weightSizes(n.discriminator().getBlock()),
                        ModeStep.discriminatorMacs(protocol),
                        protocol.id());
                assertEquals(n.batch(), protocol.batch());
            }
        }
    }

    /** The sizes of a network's weights, in order: the MACs per sample of a dense layer each. */
    private static long[] weightSizes(Block block) {
        return block.getParameters().values().stream()
                .filter(p -> p.getType() == Parameter.Type.WEIGHT)
                .mapToLong(p -> p.getArray().getShape().size())
                .toArray();
    }

    @Test
    public void aloneInterleaveAndCountOps() throws IOException {
        Path out = Files.createTempDirectory("bench");
        try {
            MainCommand.succeeds(
                    "bench",
                    "--engines",
                    "PyTorch",
                    "--cases",
                    "linear",
                    "--warmup",
                    "1",
                    "--iterations",
                    "2",
                    "--threads",
                    "1",
                    "--alone",
                    "--count-ops",
                    "--interleave",
                    "linear,wn_linear",
                    "--out",
                    out.toString());
            JsonObject engine =
                    JsonParser.parseString(Files.readString(out.resolve("bench.json")))
                            .getAsJsonObject()
                            .getAsJsonArray("engines")
                            .get(0)
                            .getAsJsonObject();
            assertEquals(engine.get("threads").getAsInt(), 1);
            JsonObject row = engine.getAsJsonArray("cases").get(0).getAsJsonObject();
            assertTrue(row.get("first_ms").getAsDouble() > 0, row.toString());
            // the fresh JVM's run of the same case
            assertTrue(row.get("alone_min_ms").getAsDouble() > 0, row.toString());
            assertEquals(
                    row.get("min_over_alone_min").getAsDouble(),
                    row.get("min_ms").getAsDouble() / row.get("alone_min_ms").getAsDouble(),
                    1e-9);
            // Linear forward + backward: at least the matMul, the bias add and their backward nodes
            assertTrue(row.get("engine_calls").getAsInt() >= 2, row.toString());
            assertTrue(row.get("autograd_nodes").getAsInt() >= 2, row.toString());
            JsonObject pair = engine.getAsJsonArray("interleaved").get(0).getAsJsonObject();
            assertEquals(pair.get("a").getAsString(), "linear");
            assertEquals(pair.get("b").getAsString(), "wn_linear");
            assertEquals(pair.get("rounds").getAsInt(), 2);
            assertEquals(
                    pair.get("ratio_of_medians").getAsDouble(),
                    pair.get("a_median_ms").getAsDouble() / pair.get("b_median_ms").getAsDouble(),
                    1e-9);
            String markdown = Files.readString(out.resolve("bench.md"));
            assertTrue(
                    markdown.contains("alone min ms") && markdown.contains("engine calls"),
                    markdown);
            assertTrue(markdown.contains("| linear | wn_linear | 2 |"), markdown);
        } finally {
            TempDirs.delete(out);
        }
    }

    @Test
    public void compareAddsThePeerAndFlagsOtherThreadCounts() throws IOException {
        Path dir = Files.createTempDirectory("bench");
        try {
            String row =
                    "{\"case\": \"linear\", \"input\": \"(100, 784)\", \"block\": \"b\","
                        + " \"warmup\": 1, \"iterations\": 2, \"median_ms\": %s, \"min_ms\": %s,"
                        + " \"first_ms\": 9, \"gflops\": 1, \"fraction_of_matmul\": 0.1,"
                        + " \"peak_extra_mib\": 1, \"rss_growth_pct\": 0}";
            String report =
                    "{\"machine\": {\"cpus\": 2, \"cpu_model\": \"x\"}, \"engines\": [{\"engine\":"
                            + " \"%s\", \"version\": \"v\", \"threads\": %d, \"matmul_gflops\": 1,"
                            + " \"cases\": [%s]}]}";
            Files.writeString(
                    dir.resolve("ours.json"),
                    String.format(report, "PyTorch", 2, String.format(row, "3.0", "2.0")));
            Files.writeString(
                    dir.resolve("peer.json"),
                    String.format(report, "PyTorch (Python)", 1, String.format(row, "6.0", "8.0")));
            MainCommand.succeeds(
                    "bench",
                    "--from",
                    dir.resolve("ours.json").toString(),
                    "--compare",
                    dir.resolve("peer.json").toString(),
                    "--out",
                    dir.resolve("out").toString());
            JsonObject compared =
                    JsonParser.parseString(Files.readString(dir.resolve("out/bench.json")))
                            .getAsJsonObject()
                            .getAsJsonArray("engines")
                            .get(0)
                            .getAsJsonObject()
                            .getAsJsonArray("cases")
                            .get(0)
                            .getAsJsonObject();
            assertEquals(compared.get("peer_median_ms").getAsDouble(), 6.0);
            assertEquals(compared.get("ours_over_peer_median").getAsDouble(), 0.5);
            assertEquals(compared.get("ours_over_peer_min").getAsDouble(), 0.25);
            String markdown = Files.readString(dir.resolve("out/bench.md"));
            assertTrue(markdown.contains("| 6.00 | 8.00 | 0.50× | 0.25× |"), markdown);
            assertTrue(
                    markdown.contains("Not comparable: 2 threads here, 1 for the peer"), markdown);
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    public void opCountSeparatesCallsFromNestedOperationsAndBackwardNodes() {
        // a forward call with a nested op, a second call, and a backward node with a nested op
        String trace =
                "[{\"name\": \"aten::linear\", \"ts\": 0, \"dur\": 10, \"tid\": 1},"
                        + " {\"name\": \"aten::mm\", \"ts\": 1, \"dur\": 5, \"tid\": 1},"
                        + " {\"name\": \"aten::sum\", \"ts\": 12, \"dur\": 2, \"tid\": 1},"
                        + " {\"name\": \"autograd::engine::evaluate_function: MmBackward0\","
                        + " \"ts\": 20, \"dur\": 8, \"tid\": 1},"
                        + " {\"name\": \"aten::mm\", \"ts\": 21, \"dur\": 3, \"tid\": 1}]";
        Map<String, Object> counts = OpCount.count(JsonParser.parseString(trace));
        assertEquals(counts.get("engine_calls"), 2);
        assertEquals(counts.get("autograd_nodes"), 1);
        assertEquals(counts.get("aten_ops"), 4);
        assertEquals(counts.get("in_engine_us"), 20.0);
        assertEquals(
                counts.get("top_level_us"),
                Map.of(
                        "aten::linear",
                        10.0,
                        "autograd::engine::evaluate_function: MmBackward0",
                        8.0,
                        "aten::sum",
                        2.0));
        assertEquals(
                List.copyOf(((Map<?, ?>) counts.get("top_level_us")).keySet()),
                List.of(
                        "aten::linear",
                        "autograd::engine::evaluate_function: MmBackward0",
                        "aten::sum"));
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
                        "conv_1filter",
                        "fp_conv_1filter",
                        "mbd_small",
                        "mbd_large",
                        "lbn",
                        "mbstd",
                        "gan_step",
                        "gan_step_manual",
                        "metz_step",
                        "metz_step_grad_check",
                        "pacgan_step",
                        "pacgan_step_grad_check"));
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
