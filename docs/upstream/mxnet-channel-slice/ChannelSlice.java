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
 *   java -cp "lib/*:." ChannelSlice FILTERS FROM TO [record|norecord] [relu]
 * </pre>
 *
 * <p>Input (2, 4, 5, 5), a 2×2 kernel with FILTERS filters, no padding; then y[:, FROM:TO] (after
 * a ReLU with "relu"), its sum, and with "record" the backward pass. -Dengine=PyTorch runs the
 * same on PyTorch.
 */
public class ChannelSlice {
    public static void main(String[] args) {
        Engine engine = Engine.getEngine(System.getProperty("engine", "MXNet"));
        long filters = Long.parseLong(args[0]);
        long from = Long.parseLong(args[1]);
        long to = Long.parseLong(args[2]);
        boolean record = args.length < 4 || args[3].equals("record");
        boolean relu = args.length > 4 && args[4].equals("relu");
        try (NDManager manager = engine.newBaseManager()) {
            manager.getEngine().setRandomSeed(1);
            NDArray x = manager.randomNormal(new Shape(2, 4, 5, 5));
            NDArray w = manager.randomNormal(new Shape(filters, 4, 2, 2));
            x.setRequiresGradient(true);
            try (GradientCollector collector = record ? engine.newGradientCollector() : null) {
                NDArray y = Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1).head();
                if (relu) {
                    y = y.maximum(0f);
                }
                NDArray z = y.get(new NDIndex().addAllDim().addSliceDim(from, to));
                System.out.println("slice " + z.getShape() + ", sum " + z.sum().getFloat());
                if (record) {
                    collector.backward(z.sum());
                    System.out.println("input gradient |sum| " + x.getGradient().abs().sum().getFloat());
                }
            }
        }
        System.out.println("OK");
    }
}
