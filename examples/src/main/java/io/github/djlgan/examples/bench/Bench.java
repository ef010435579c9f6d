package io.github.djlgan.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code bench} command: forward + backward time and peak native memory of every block of the
 * project, on each engine, written as JSON and as a Markdown table.
 *
 * <p>Per case: {@code --warmup} untimed runs, then {@code --iterations} timed runs (median and
 * minimum reported, and the first warm-up run, "cold"); {@code mbd_large} (1.3·10⁹ pairwise
 * differences per pass) is capped at 1 + 3 runs. Memory: the process's RSS high-water mark is reset
 * before each case ({@code /proc/self/clear_refs}); "peak extra" is the high-water mark minus the
 * RSS before the case was set up; "RSS growth" compares RSS after the timed runs with RSS after the
 * warm-up (a leak shows as steady growth). Neither CPU engine reports an allocator peak through
 * DJL, so only RSS figures are given.
 *
 * <p>Allocator sensitivity: a case's time can depend on what ran before it in the process (the
 * native allocator's state). {@code --alone} runs every case a second time in a fresh JVM with
 * nothing else, the same runs and the same environment, and reports its minimum next to the one
 * measured in sequence. {@code --interleave a,b} runs two cases alternately (A, B, A, B, …) after
 * their warm-ups, so that their ratio is measured under the same load even on a busy machine.
 * {@code --compare peer.json} adds the times of a peer (written by {@code
 * examples/peer/bench_peer.py}) and the ratio ours / peer; {@code --from bench.json} renders or
 * compares an earlier report without running anything.
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
            names = "--threads",
            description =
                    "PyTorch intra-op threads (default: PyTorch's, one per core). MXNet reads the"
                            + " environment variable OMP_NUM_THREADS instead.")
    Integer threads;

    @Option(
            names = "--out",
            defaultValue = "out/bench",
            description =
                    "Output directory for bench.json and bench.md (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--alone",
            description =
                    "Also run every case alone in a fresh JVM and report its minimum next to the"
                            + " in-sequence one (allocator sensitivity; doubles the run time).")
    boolean alone;

    @Option(
            names = "--interleave",
            paramLabel = "A,B",
            description =
                    "Run two cases alternately, A, B, A, B, … (repeatable). Without --cases, only"
                            + " the interleaved pairs run.")
    List<String> interleave;

    @Option(
            names = "--compare",
            paramLabel = "PEER_JSON",
            description = "Add a peer's times (examples/peer/bench_peer.py) and ours/peer ratios.")
    Path compare;

    @Option(
            names = "--from",
            paramLabel = "BENCH_JSON",
            description = "Render (and --compare) this earlier report instead of running.")
    Path from;

    @Option(
            names = "--count-ops",
            description =
                    "PyTorch: count the engine operations of one more run of each case with the"
                            + " PyTorch profiler (forward operations, backward autograd nodes).")
    boolean countOps;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException, InterruptedException {
        Map<String, Object> report;
        if (from != null) {
            report = read(from);
        } else {
            if (threads != null && System.getProperty("ai.djl.pytorch.num_threads") == null) {
                System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            }
            report = new LinkedHashMap<>();
            report.put("machine", machine());
            List<Map<String, Object>> perEngine = new ArrayList<>();
            for (String name : engines) {
                perEngine.add(runEngine(Engine.getEngine(name)));
            }
            report.put("engines", perEngine);
        }
        if (compare != null) {
            Comparison.add(report, read(compare), compare.getFileName().toString());
        }
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

    /** A bench.json (ours or the peer's) as maps and lists. */
    static Map<String, Object> read(Path json) throws IOException {
        return new Gson()
                .fromJson(
                        Files.readString(json), new TypeToken<Map<String, Object>>() {}.getType());
    }

    private Map<String, Object> runEngine(Engine engine) throws IOException, InterruptedException {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("engine", engine.getEngineName());
        result.put("version", engine.getVersion());
        result.put("threads", EngineThreads.describe(engine));
        List<Map<String, Object>> cases = new ArrayList<>();
        try (NDManager manager = engine.newBaseManager()) {
            double rate = matmulRate(manager);
            result.put("matmul_gflops", rate);
            System.err.printf(
                    Locale.ROOT, "%s: 2048³ matMul %.1f GFLOP/s%n", engine.getEngineName(), rate);
            boolean onlyPairs = interleave != null && only == null;
            for (BenchCase c : onlyPairs ? List.<BenchCase>of() : BenchCases.all()) {
                if (only == null || only.contains(c.name())) {
                    Map<String, Object> row = runCase(c, manager, rate);
                    System.err.printf(
                            Locale.ROOT,
                            "%s %-15s median %8.2f ms  min %8.2f ms  first %8.2f ms %7.1f"
                                    + " GFLOP/s%n",
                            engine.getEngineName(),
                            c.name(),
                            row.get("median_ms"),
                            row.get("min_ms"),
                            row.get("first_ms"),
                            row.get("gflops"));
                    cases.add(row);
                }
            }
            if (interleave != null) {
                List<Map<String, Object>> pairs = new ArrayList<>();
                for (String pair : interleave) {
                    pairs.add(Interleaved.run(pair, manager, warmup, iterations));
                }
                result.put("interleaved", pairs);
            }
        }
        if (alone) {
            for (Map<String, Object> row : cases) {
                runAlone(engine.getEngineName(), row);
            }
        }
        result.put("cases", cases);
        result.put("ratios", ratios(cases));
        return result;
    }

    private Map<String, Object> runCase(BenchCase c, NDManager manager, double rate) {
        int warm = c.warmup(warmup);
        int runs = c.iterations(iterations);
        System.gc();
        Memory.resetPeak();
        long before = Memory.rss();
        double[] times = new double[runs];
        double first = Double.NaN;
        long afterWarmup;
        long afterRun;
        long peak;
        Map<String, Object> ops = null;
        try (BenchCase.Step step = c.setup().create(manager)) {
            for (int i = 0; i < warm; i++) {
                long t0 = System.nanoTime();
                step.run();
                if (i == 0) {
                    first = (System.nanoTime() - t0) / 1e6;
                }
            }
            afterWarmup = Memory.rss();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                step.run();
                times[i] = (System.nanoTime() - t0) / 1e6;
            }
            afterRun = Memory.rss();
            peak = Memory.peak();
            if (countOps) { // after the peak: the profiler's records take memory of their own
                ops = OpCount.of(manager.getEngine(), step::run);
            }
        }
        if (warm == 0) {
            first = times[0];
        }
        double median = median(times);
        double gflops = c.flops() / (median / 1e3) / 1e9;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("case", c.name());
        row.put("input", c.input());
        row.put("block", c.block());
        row.put("warmup", warm);
        row.put("iterations", runs);
        row.put("median_ms", median);
        row.put("min_ms", times[0]);
        row.put("first_ms", first);
        row.put("first_over_min", first / times[0]);
        row.put("gflop", c.flops() / 1e9);
        row.put("gflops", gflops);
        row.put("fraction_of_matmul", gflops / rate);
        row.put("peak_extra_mib", (peak - before) / 1048576.0);
        row.put("rss_after_warmup_mib", afterWarmup / 1048576.0);
        row.put("rss_after_run_mib", afterRun / 1048576.0);
        row.put("rss_growth_pct", 100.0 * (afterRun - afterWarmup) / afterWarmup);
        if (ops != null) {
            row.putAll(ops);
        }
        return row;
    }

    /** Sorts {@code times} and returns their median. */
    static double median(double[] times) {
        Arrays.sort(times);
        int n = times.length;
        return n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    }

    /**
     * Runs one case alone in a fresh JVM (same JVM options, environment and runs) and adds its
     * minimum, median and peak to {@code row}.
     */
    private void runAlone(String engine, Map<String, Object> row)
            throws IOException, InterruptedException {
        String name = (String) row.get("case");
        Path dir = Files.createTempDirectory("bench-alone");
        try {
            List<String> command = new ArrayList<>();
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(
                    List.of(
                            "-cp",
                            System.getProperty("java.class.path"),
                            "io.github.djlgan.examples.Main",
                            "bench",
                            "--engines=" + engine,
                            "--cases=" + name,
                            "--warmup=" + warmup,
                            "--iterations=" + iterations,
                            "--out=" + dir));
            if (threads != null) {
                command.add("--threads=" + threads);
            }
            System.err.println("alone: " + engine + " " + name);
            Process process =
                    new ProcessBuilder(command)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            if (process.waitFor() != 0) {
                System.err.println("alone run of " + name + " failed");
                return;
            }
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> engines =
                    (List<Map<String, Object>>) read(dir.resolve("bench.json")).get("engines");
            @SuppressWarnings("unchecked")
            Map<String, Object> single =
                    ((List<Map<String, Object>>) engines.get(0).get("cases")).get(0);
            double aloneMin = ((Number) single.get("min_ms")).doubleValue();
            row.put("alone_min_ms", aloneMin);
            row.put("alone_median_ms", single.get("median_ms"));
            row.put("alone_peak_extra_mib", single.get("peak_extra_mib"));
            row.put("min_over_alone_min", ((Number) row.get("min_ms")).doubleValue() / aloneMin);
        } finally {
            try (Stream<Path> left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
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
        ratio(ratios, "fp_conv_1filter/conv_1filter", median, "fp_conv_1filter", "conv_1filter");
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
        m.put("date", java.time.LocalDate.now().toString());
        m.put("load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        m.put("allocator", allocatorEnvironment());
        return m;
    }

    /** The environment variables that change the native allocator, as set for this process. */
    private static Map<String, String> allocatorEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            if (e.getKey().startsWith("MALLOC_")
                    || e.getKey().equals("LD_PRELOAD")
                    || e.getKey().equals("OMP_NUM_THREADS")) {
                env.put(e.getKey(), e.getValue());
            }
        }
        return env;
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
