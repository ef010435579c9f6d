import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.github.djlgan.examples.modes.ModeRun;
import io.github.djlgan.examples.modes.Protocol;
import io.github.djlgan.examples.modes.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How far a pacgan discriminator has moved from its N(0, 0.02²) initialization: for every file
 * run-discriminator-NNNN.params in a directory (copies of mode-coverage checkpoints), the RMS of
 * each layer's weight and, for packs of m, the mean share of a first-layer unit's squared weight
 * that falls on its largest packing slot (random N(0, s²) weights: 0.521 for m = 4, 0.75 for m = 2).
 *
 * <p>Throwaway diagnostic, not part of the build. Compile and run against the examples jar:
 * javac -cp "examples/target/djl-gan-examples.jar:examples/target/lib/*" -d /tmp SlotProbe.java
 * java -cp "examples/target/djl-gan-examples.jar:examples/target/lib/*:/tmp" SlotProbe DIR m
 */
public class SlotProbe {
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        int m = Integer.parseInt(args[1]);
        Pattern name = Pattern.compile("run-discriminator-(\\d+)\\.params");
        List<Integer> steps = new ArrayList<>();
        try (var files = Files.list(dir)) {
            files.forEach(
                    f -> {
                        Matcher x = name.matcher(f.getFileName().toString());
                        if (x.matches()) {
                            steps.add(Integer.parseInt(x.group(1)));
                        }
                    });
        }
        steps.sort(null);
        Variant variant = Variant.of(m == 1 ? "gan" : "pac" + m);
        System.out.println("iteration  rms W1  rms W2  rms W3  rms w_out  largest-slot share");
        for (int step : steps) {
            try (Model d = Model.newInstance("discriminator", "PyTorch")) {
                d.setBlock(
                        variant.discriminator(
                                Protocol.PACGAN, ModeRun.Settings.builder(Protocol.PACGAN).build()));
                d.getBlock()
                        .initialize(d.getNDManager(), DataType.FLOAT32, new Shape(100, 2 * m));
                d.load(dir, "run-discriminator", Map.of("epoch", String.valueOf(step)));
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%9d", step));
                NDArray first = null;
                for (Pair<String, Parameter> p : d.getBlock().getParameters()) {
                    if (p.getKey().endsWith("weight")) {
                        NDArray w = p.getValue().getArray();
                        first = first == null ? w : first;
                        line.append(
                                String.format(
                                        Locale.ROOT, "  %6.4f", Math.sqrt(w.square().mean().getFloat())));
                    }
                }
                line.append(String.format(Locale.ROOT, "  %6.3f", largestSlotShare(first, m)));
                System.out.println(line);
            }
        }
    }

    private static double largestSlotShare(NDArray w, int m) {
        float[] x = w.toFloatArray();
        int rows = (int) w.getShape().get(0);
        int cols = (int) w.getShape().get(1);
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            double total = 0;
            double best = 0;
            for (int j = 0; j < m; j++) {
                double a = x[r * cols + 2 * j];
                double b = x[r * cols + 2 * j + 1];
                total += a * a + b * b;
                best = Math.max(best, a * a + b * b);
            }
            sum += best / total;
        }
        return sum / rows;
    }
}
