import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;

/**
 * The input gradient of a float32 2-D convolution against the same computation in float64, for
 * several output-channel counts: x (8, 128, 14, 14), kernel (F, 128, 3, 3), padding 1, loss =
 * sum(conv(x) * r) with a fixed random r. Prints max |g32 - g64| / max |g64| for each F.
 *
 * <p>Run with DJL's api and an engine on the class path, e.g. the examples module's dependencies:
 * {@code java -cp "$(ls examples/target/lib/*.jar | tr '\n' ':')" ConvInputGradient.java PyTorch}
 */
public class ConvInputGradient {

    static float[] inputGradient(Engine e, NDArray x0, NDArray w0, NDArray r0, DataType t) {
        try (NDManager s = x0.getManager().newSubManager()) {
            NDArray x = x0.toType(t, true);
            x.attach(s);
            x.setRequiresGradient(true);
            NDArray w = w0.toType(t, true);
            w.attach(s);
            w.setRequiresGradient(true);
            try (GradientCollector c = e.newGradientCollector()) {
                NDArray y =
                        Conv2d.conv2d(
                                        x,
                                        w,
                                        null,
                                        new Shape(1, 1),
                                        new Shape(1, 1),
                                        new Shape(1, 1),
                                        1)
                                .head();
                c.backward(y.mul(r0.toType(t, false)).sum());
            }
            return x.getGradient().toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    public static void main(String[] args) {
        Engine e = Engine.getEngine(args.length > 0 ? args[0] : "PyTorch");
        System.out.println(e.getEngineName() + " " + e.getVersion());
        for (int f : new int[] {1, 3, 8, 15, 16, 24, 32}) {
            try (NDManager m = e.newBaseManager()) {
                e.setRandomSeed(3);
                NDArray x = m.randomNormal(new Shape(8, 128, 14, 14));
                NDArray w = m.randomNormal(new Shape(f, 128, 3, 3)).mul(0.05);
                NDArray r = m.randomUniform(-1, 1, new Shape(8, f, 14, 14));
                float[] g32 = inputGradient(e, x, w, r, DataType.FLOAT32);
                float[] g64 = inputGradient(e, x, w, r, DataType.FLOAT64);
                double diff = 0;
                double max = 0;
                for (int i = 0; i < g32.length; i++) {
                    diff = Math.max(diff, Math.abs(g32[i] - g64[i]));
                    max = Math.max(max, Math.abs(g64[i]));
                }
                System.out.printf(
                        "filters %2d: max |g32 - g64| / max |g64| = %.3g%n", f, diff / max);
            }
        }
    }
}
