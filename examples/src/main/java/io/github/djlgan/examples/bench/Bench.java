package io.github.djlgan.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code bench} command: forward + backward time and peak native memory of every block of the
 * project, on each engine, written as JSON and as a Markdown table.
 *
 * <p>Per case: {@code --warmup} untimed runs, then {@code --iterations} timed runs (median and
 * minimum reported); {@code mbd_large}, tens of seconds a run, is capped at 1 + 3 runs. Memory: the
 * process's RSS high-water mark is reset before each case ({@code /proc/self/clear_refs}); "peak
 * extra" is the high-water mark minus the RSS before the case was set up; "RSS growth" compares RSS
 * after the timed runs with RSS after the warm-up (a leak shows as steady growth). Neither CPU
 * engine reports an allocator peak through DJL, so only RSS figures are given.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmark every block on each engine (time, GFLOP/s, peak memory).")
public final class Bench implements Callable<Integer> {

    @Option(
            names = "--engines",
            split = ",",
            defaultValue = "PyTorch,MXNet",
            description = "Engines to run (default: ${DEFAULT-VALUE}).")
    List<String> engines;

    @Option(names = "--cases", split = ",", description = "Only these cases (default: all).")
    List<String> only;

    @Option(
            names = "--warmup",
            defaultValue = "5",
            description =
                    "Untimed runs per case (default: ${DEFAULT-VALUE}; mbd_large: at most 1).")
    int warmup;

    @Option(
            names = "--iterations",
            defaultValue = "20",
            description = "Timed runs per case (default: ${DEFAULT-VALUE}; mbd_large: at most 3).")
    int iterations;

    @Option(
            names = "--out",
            defaultValue = "out/bench",
            description =
                    "Output directory for bench.json and bench.md (default: ${DEFAULT-VALUE}).")
    Path out;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", machine());
        List<Map<String, Object>> perEngine = new ArrayList<>();
        for (String name : engines) {
            perEngine.add(runEngine(Engine.getEngine(name)));
        }
        report.put("engines", perEngine);
        Files.createDirectories(out);
        Files.writeString(
                out.resolve("bench.json"),
                new GsonBuilder().setPrettyPrinting().create().toJson(report));
        String markdown = Markdown.of(report);
        Files.writeString(out.resolve("bench.md"), markdown);
        System.out.println(markdown);
        System.out.println(
                "written: " + out.resolve("bench.json") + ", " + out.resolve("bench.md"));
        return 0;
    }

    private Map<String, Object> runEngine(Engine engine) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("engine", engine.getEngineName());
        result.put("version", engine.getVersion());
        try (NDManager manager = engine.newBaseManager()) {
            double rate = matmulRate(manager);
            result.put("matmul_gflops", rate);
            System.err.printf(
                    Locale.ROOT, "%s: 2048³ matMul %.1f GFLOP/s%n", engine.getEngineName(), rate);
            List<Map<String, Object>> cases = new ArrayList<>();
            for (BenchCase c : BenchCases.all()) {
                if (only == null || only.contains(c.name())) {
                    Map<String, Object> row = runCase(c, manager, rate);
                    System.err.printf(
                            Locale.ROOT,
                            "%s %-12s median %8.2f ms  min %8.2f ms  %7.1f GFLOP/s%n",
                            engine.getEngineName(),
                            c.name(),
                            row.get("median_ms"),
                            row.get("min_ms"),
                            row.get("gflops"));
                    cases.add(row);
                }
            }
            result.put("cases", cases);
            result.put("ratios", ratios(cases));
        }
        return result;
    }

    private Map<String, Object> runCase(BenchCase c, NDManager manager, double rate) {
        int warm = c.warmup(warmup);
        int runs = c.iterations(iterations);
        System.gc();
        Memory.resetPeak();
        long before = Memory.rss();
        double[] times = new double[runs];
        long afterWarmup;
        long afterRun;
        try (BenchCase.Step step = c.setup().create(manager)) {
            for (int i = 0; i < warm; i++) {
                step.run();
            }
            afterWarmup = Memory.rss();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                step.run();
                times[i] = (System.nanoTime() - t0) / 1e6;
            }
            afterRun = Memory.rss();
        }
        long peak = Memory.peak();
        Arrays.sort(times);
        double median =
                runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
        double gflops = c.flops() / (median / 1e3) / 1e9;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("case", c.name());
        row.put("input", c.input());
        row.put("block", c.block());
        row.put("warmup", warm);
        row.put("iterations", runs);
        row.put("median_ms", median);
        row.put("min_ms", times[0]);
        row.put("gflop", c.flops() / 1e9);
        row.put("gflops", gflops);
        row.put("fraction_of_matmul", gflops / rate);
        row.put("peak_extra_mib", (peak - before) / 1048576.0);
        row.put("rss_after_warmup_mib", afterWarmup / 1048576.0);
        row.put("rss_after_run_mib", afterRun / 1048576.0);
        row.put("rss_growth_pct", 100.0 * (afterRun - afterWarmup) / afterWarmup);
        return row;
    }

    private static Map<String, Object> ratios(List<Map<String, Object>> cases) {
        Map<String, Double> median = new LinkedHashMap<>();
        for (Map<String, Object> row : cases) {
            median.put((String) row.get("case"), (Double) row.get("median_ms"));
        }
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratio(ratios, "wn_linear/linear", median, "wn_linear", "linear");
        ratio(ratios, "wn_conv/conv", median, "wn_conv", "conv");
        ratio(ratios, "sn_linear/linear", median, "sn_linear", "linear");
        ratio(ratios, "sn_conv/conv", median, "sn_conv", "conv");
        ratio(ratios, "eqlr_conv/conv", median, "eqlr_conv", "conv");
        ratio(ratios, "deconv/equal_mac_conv", median, "deconv", "deconv_conv");
        ratio(ratios, "gan_step/gan_step_manual", median, "gan_step", "gan_step_manual");
        for (Map<String, Object> row : cases) {
            if ("mbd_large".equals(row.get("case"))) {
                // the N²K distance tensor c of N = 512, K = 100, float32: 100 MiB
                double distances = 512.0 * 512 * 100 * 4 / 1048576.0;
                ratios.put(
                        "mbd_large peak extra/N²K tensor",
                        (Double) row.get("peak_extra_mib") / distances);
            }
        }
        return ratios;
    }

    private static void ratio(
            Map<String, Object> ratios, String key, Map<String, Double> m, String a, String b) {
        if (m.containsKey(a) && m.containsKey(b)) {
            ratios.put(key, m.get(a) / m.get(b));
        }
    }

    /** Best of 5 timings of a 2048×2048 by 2048×2048 float32 matrix product. */
    static double matmulRate(NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.randomNormal(new Shape(2048, 2048));
            NDArray b = scope.randomNormal(new Shape(2048, 2048));
            a.matMul(b).get(0, 0).getFloat(); // warm-up
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                try (NDManager it = scope.newSubManager()) {
                    a.tempAttach(it);
                    long t0 = System.nanoTime();
                    a.matMul(b).get(0, 0).getFloat();
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
            }
            return 2.0 * 2048 * 2048 * 2048 / best / 1e9;
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("arch", System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        m.put("cpu_model", cpuModel());
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
