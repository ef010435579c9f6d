// Run by scripts/gpu-check with Java's source launcher, on the examples jar's class path:
//   java -cp examples/target/djl-gan-examples.jar scripts/GpuProbe.java
// Prints, for each engine, what DJL sees: its version, Engine.getGpuCount() and defaultDevice().
// Exit code 0 if PyTorch sees a GPU (it then computes there), 3 if it does not.

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

public final class GpuProbe {

    public static void main(String[] args) {
        int pytorchGpus = 0;
        for (String name : new String[] {"PyTorch", "MXNet"}) {
            try {
                Engine engine = Engine.getEngine(name);
                int gpus = engine.getGpuCount();
                String where;
                try (NDManager manager = engine.newBaseManager()) {
                    NDArray x = manager.ones(new ai.djl.ndarray.types.Shape(2, 2));
                    where = x.matMul(x).getDevice().toString();
                }
                System.out.printf(
                        "gpu-check: %s %s: Engine.getGpuCount() = %d, defaultDevice() = %s,"
                                + " a 2x2 matMul ran on %s%n",
                        name, engine.getVersion(), gpus, engine.defaultDevice(), where);
                if ("PyTorch".equals(name)) {
                    pytorchGpus = gpus;
                }
            } catch (RuntimeException | Error e) {
                Throwable cause = e;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                System.out.printf("gpu-check: %s did not load: %s (cause: %s)%n", name, e, cause);
            }
        }
        System.exit(pytorchGpus > 0 ? 0 : 3);
    }
}
