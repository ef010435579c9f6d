import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;

/**
 * A channel slice of a convolution's output, taken while a GradientCollector records, on DJL's
 * MXNet engine. One case per JVM, since a bad case aborts the process (SIGFPE):
 *
 * <pre>
 *   java -cp "lib/*:." ChannelSlice FILTERS FROM TO [record|norecord] [relu|double]
 * </pre>
 *
 * <p>Input (2, 4, 5, 5), a 2×2 kernel with FILTERS filters, no padding; then y[:, FROM:TO] (after
 * a ReLU with "relu", after y · 2 with "double"), its sum, and with "record" the backward pass. The
 * reference is the same slice of the same output computed without recording. -Dengine=PyTorch runs
 * the same on PyTorch.
 */
public class ChannelSlice {
    public static void main(String[] args) {
        Engine engine = Engine.getEngine(System.getProperty("engine", "MXNet"));
        long filters = Long.parseLong(args[0]);
        long from = Long.parseLong(args[1]);
        long to = Long.parseLong(args[2]);
        boolean record = args.length < 4 || args[3].equals("record");
        try (NDManager manager = engine.newBaseManager()) {
            manager.getEngine().setRandomSeed(1);
            NDArray x = manager.randomNormal(new Shape(2, 4, 5, 5));
            NDArray w = manager.randomNormal(new Shape(filters, 4, 2, 2));
            x.setRequiresGradient(true);
            NDArray reference = slice(conv(x, w), from, to, args);
            System.out.println("reference (unrecorded) sum " + reference.sum().getFloat());
            try (GradientCollector collector = record ? engine.newGradientCollector() : null) {
                NDArray z = slice(conv(x, w), from, to, args);
                System.out.println("slice " + z.getShape() + ", sum " + z.sum().getFloat());
                System.out.println("max |slice - reference| " + z.sub(reference).abs().max().getFloat());
                if (record) {
                    collector.backward(z.sum());
                    System.out.println("input gradient |sum| " + x.getGradient().abs().sum().getFloat());
                }
            }
        }
        System.out.println("OK");
    }

    private static NDArray conv(NDArray x, NDArray w) {
        return Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1).head();
    }

    private static NDArray slice(NDArray y, long from, long to, String[] args) {
        String op = args.length > 4 ? args[4] : "";
        NDArray before = op.equals("relu") ? y.maximum(0f) : op.equals("double") ? y.mul(2f) : y;
        return before.get(new NDIndex().addAllDim().addSliceDim(from, to));
    }
}
