package io.github.djlgan.zoo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Run in a forked JVM by {@link ConcurrentPredictorTest}: loads the engine on the main thread,
 * computes the improved-gan generator's and discriminator's outputs there, then again on one other
 * thread and on four threads at once, and prints the largest difference from the main thread's
 * outputs and the largest output: {@code RESULT <network> <max |diff|> <max |y|>}.
 */
public final class ThreadReferenceChild {

    private static final int ROWS = 100;
    private static final int CALLS = 4;

    private ThreadReferenceChild() {}

    /**
     * Runs the comparison.
     *
     * @param args the engine name
     * @throws Exception if a thread fails
     */
    public static void main(String[] args) throws Exception {
        Engine engine = Engine.getEngine(args[0]);
        try (NDManager base = engine.newBaseManager()) {
            for (String name : new String[] {"generator", "discriminator"}) {
                boolean generator = name.equals("generator");
                Block net =
                        generator ? ImprovedGanMnist.generator() : ImprovedGanMnist.discriminator();
                int in = generator ? ImprovedGanMnist.LATENT : ImprovedGanMnist.IMAGE;
                net.initialize(base, DataType.FLOAT32, new Shape(ROWS, in));
                float[][] reference = new float[CALLS][];
                for (int c = 0; c < CALLS; c++) {
                    reference[c] = predict(net, base, c, in);
                }
                double diff = 0;
                ExecutorService one = Executors.newSingleThreadExecutor();
                for (int c = 0; c < CALLS; c++) {
                    int call = c;
                    diff =
                            Math.max(
                                    diff,
                                    maxDiff(
                                            reference[c],
                                            one.submit(() -> predict(net, base, call, in)).get()));
                }
                one.shutdown();
                ExecutorService four = Executors.newFixedThreadPool(4);
                List<Future<float[][]>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(
                            four.submit(
                                    () -> {
                                        float[][] out = new float[CALLS][];
                                        for (int c = 0; c < CALLS; c++) {
                                            out[c] = predict(net, base, c, in);
                                        }
                                        return out;
                                    }));
                }
                for (Future<float[][]> f : futures) {
                    float[][] out = f.get();
                    for (int c = 0; c < CALLS; c++) {
                        diff = Math.max(diff, maxDiff(reference[c], out[c]));
                    }
                }
                four.shutdown();
                double max = 0;
                for (float[] r : reference) {
                    for (float v : r) {
                        max = Math.max(max, Math.abs(v));
                    }
                }
                System.out.println(
                        String.format(Locale.ROOT, "RESULT %s %.6g %.6g", name, diff, max));
            }
        }
        System.out.println("DONE");
    }

    private static float[] predict(Block net, NDManager base, long seed, int in) {
        try (NDManager m = base.newSubManager()) {
            NDArray x = m.create(ZooTesting.uniform(seed, ROWS * in), new Shape(ROWS, in));
            return net.forward(new ParameterStore(m, false), new NDList(x), false)
                    .head()
                    .toFloatArray();
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
