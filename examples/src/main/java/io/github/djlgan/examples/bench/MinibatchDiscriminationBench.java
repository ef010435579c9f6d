package io.github.djlgan.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Benchmark (not a test) of {@link MinibatchDiscrimination}: forward + backward time and peak
 * native memory of the tiled computation ("blocked") against the one-expression formula of the
 * reference code, which materialises an (N, N, K, D) tensor.
 *
 * <p>Every configuration runs in a fresh JVM, so that its peak resident set size (VmHWM of
 * /proc/self/status) is its own. The reported peak is VmHWM after the runs minus VmRSS before them
 * (engine loaded, parameters and input created): the extra memory the forward and backward passes
 * needed. Naive configurations whose (N, N, K, D) tensor exceeds {@code --max-naive-mib} are
 * skipped (the naive formula holds several such tensors).
 *
 * <pre>
 * mvn -B -ntp -DskipTests package
 * java -jar examples/target/djl-gan-examples.jar minibatch-discrimination-bench \
 *     [--engine MXNet] [--n 64,256]
 * </pre>
 */
@Command(
        name = "minibatch-discrimination-bench",
        mixinStandardHelpOptions = true,
        description = "Time and peak memory of MinibatchDiscrimination: blocked vs naive formula.")
public final class MinibatchDiscriminationBench implements Callable<Integer> {

    @Option(
            names = "--engine",
            defaultValue = "PyTorch",
            description = "PyTorch or MXNet (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(
            names = "--n",
            split = ",",
            defaultValue = "64,256,512",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    long[] batchSizes;

    @Option(
            names = "--d",
            split = ",",
            defaultValue = "5,50",
            description = "Kernel dimensions (default: ${DEFAULT-VALUE}).")
    int[] kernelDims;

    @Option(
            names = "--f",
            defaultValue = "1024",
            description = "Features (default: ${DEFAULT-VALUE}).")
    long features;

    @Option(
            names = "--k",
            defaultValue = "100",
            description = "Kernels (default: ${DEFAULT-VALUE}).")
    int kernels;

    @Option(
            names = "--repeats",
            defaultValue = "3",
            description =
                    "Timed forward+backward passes after one warm-up (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(
            names = "--budget-mib",
            defaultValue = "64",
            description =
                    "Memory budget of the blocked formula in MiB (default: ${DEFAULT-VALUE}).")
    long budgetMib;

    @Option(
            names = "--max-naive-mib",
            defaultValue = "1500",
            description =
                    "Skip naive runs whose (N, N, K, D) tensor exceeds this many MiB (default:"
                            + " ${DEFAULT-VALUE}).")
    long maxNaiveMib;

    @Option(
            names = "--formulas",
            split = ",",
            defaultValue = "blocked,naive",
            description = "Formulas to run (default: ${DEFAULT-VALUE}).")
    String[] formulas;

    @Option(names = "--single", hidden = true, description = "Run one configuration in this JVM.")
    boolean single;

    /**
     * Runs the benchmark.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(new CommandLine(new MinibatchDiscriminationBench()).execute(args));
    }

    /** {@inheritDoc} */
    @Override
    public Integer call() throws Exception {
        if (single) {
            runOne(formulas[0], batchSizes[0], kernelDims[0]);
            return 0;
        }
        System.out.printf(
                Locale.ROOT,
                "MinibatchDiscrimination, %s, F=%d, K=%d, float32, %d cores; time = median of %d"
                        + " forward+backward passes; peak = VmHWM - VmRSS before the passes%n%n",
                engine,
                features,
                kernels,
                Runtime.getRuntime().availableProcessors(),
                repeats);
        System.out.println(
                "| N | D | formula | tile rows | (N,N,K,D) tensor | fwd+bwd | peak extra"
                        + " memory |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (long n : batchSizes) {
            for (int d : kernelDims) {
                double tensorMib = n * n * kernels * d * 4.0 / (1 << 20);
                for (String formula : formulas) {
                    String prefix =
                            String.format(
                                    Locale.ROOT,
                                    "| %d | %d | %s | %s | %.0f MiB |",
                                    n,
                                    d,
                                    formula,
                                    formula.equals("naive") ? "—" : blockRows(n, d),
                                    tensorMib);
                    if (formula.equals("naive") && tensorMib > maxNaiveMib) {
                        System.out.println(prefix + " skipped | (> --max-naive-mib) |");
                        continue;
                    }
                    System.out.println(prefix + child(formula, n, d));
                }
            }
        }
        return 0;
    }

    private String blockRows(long n, int d) {
        return Integer.toString(block(d).blockSizeFor(n, DataType.FLOAT32));
    }

    private MinibatchDiscrimination block(int d) {
        return MinibatchDiscrimination.builder()
                .setNumKernels(kernels)
                .optKernelDim(d)
                .optMemoryBudget(budgetMib << 20)
                .build();
    }

    /** Runs one configuration in a fresh JVM and returns its table cells. */
    private String child(String formula, long n, int d) throws IOException, InterruptedException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command =
                new ArrayList<>(
                        Arrays.asList(
                                java.toString(),
                                "-Xmx512m",
                                "-Dai.djl.offline=true",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                "-cp",
                                System.getProperty("java.class.path"),
                                MinibatchDiscriminationBench.class.getName(),
                                "--single",
                                "--engine=" + engine,
                                "--formulas=" + formula,
                                "--n=" + n,
                                "--d=" + d,
                                "--f=" + features,
                                "--k=" + kernels,
                                "--repeats=" + repeats,
                                "--budget-mib=" + budgetMib));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        StringBuilder log = new StringBuilder();
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("RESULT ")) {
                    result = line.substring(7);
                } else {
                    log.append(line).append('\n');
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            System.err.print(log);
            return " failed (exit " + exit + ") | |";
        }
        return result;
    }

    /** Measures one configuration in this JVM and prints a RESULT line. */
    private void runOne(String formula, long n, int d) throws IOException {
        Engine e = Engine.getEngine(engine);
        e.setRandomSeed(1);
        try (NDManager manager = e.newBaseManager()) {
            MinibatchDiscrimination block = block(d);
            block.initialize(manager, DataType.FLOAT32, new Shape(n, features));
            NDArray x = manager.randomNormal(new Shape(n, features));
            long before = status("VmRSS");
            double[] millis = new double[repeats];
            for (int r = -1; r < repeats; r++) {
                long start = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    NDArray input = x.duplicate();
                    input.attach(step);
                    try (GradientCollector collector = e.newGradientCollector()) {
                        NDArray y =
                                formula.equals("naive")
                                        ? naive(block, input)
                                        : block.forward(
                                                        new ParameterStore(step, false),
                                                        new NDList(input),
                                                        true)
                                                .head();
                        collector.backward(y.sum());
                    }
                    block.getParameters().get("theta").getArray().getGradient().getFloat(0, 0, 0);
                }
                if (r >= 0) {
                    millis[r] = (System.nanoTime() - start) / 1e6;
                }
            }
            long peak = status("VmHWM");
            Arrays.sort(millis);
            System.out.printf(
                    Locale.ROOT,
                    "RESULT  %.0f ms | %.0f MiB |%n",
                    millis[repeats / 2],
                    Math.max(0, peak - before) / 1024.0);
        }
    }

    /**
     * The reference code's formula as one expression: c from the full (N, N, K, D) difference
     * tensor, the diagonal removed by a mask.
     */
    private NDArray naive(MinibatchDiscrimination block, NDArray x) {
        NDManager m = x.getManager();
        Parameter theta = block.getParameters().get("theta");
        Parameter scale = block.getParameters().get("logWeightScale");
        Parameter bias = block.getParameters().get("bias");
        long n = x.getShape().get(0);
        long k = block.getNumKernels();
        long d = block.getKernelDim();
        NDArray w =
                MinibatchDiscrimination.kernelWeights(theta.getArray(), scale.getArray(), m)
                        .reshape(features, k * d);
        NDArray act = x.matMul(w).reshape(n, k, d);
        NDArray c = act.expandDims(1).sub(act.expandDims(0)).abs().sum(new int[] {3});
        NDArray others = m.eye((int) n).neg().add(1).reshape(n, n, 1);
        NDArray o = c.neg().exp().mul(others).sum(new int[] {1}).add(bias.getArray());
        return x.concat(o, 1);
    }

    /** A field of /proc/self/status in KiB. */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException(field + " not in /proc/self/status");
    }
}
