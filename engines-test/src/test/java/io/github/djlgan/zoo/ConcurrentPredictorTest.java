package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.util.Pair;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.ForkedJvm;
import io.github.djlgan.testing.TempDirs;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * A trained generator and discriminator served through {@link Predictor}s on 4 threads, one
 * predictor per thread (DJL's documented pattern: a predictor is not thread-safe, a model is), give
 * exactly the outputs of one thread, and inference changes no parameter (the generator's batch norm
 * must not update its running averages in a predictor).
 */
public class ConcurrentPredictorTest extends EngineTest {

    private static final int THREADS = 4;
    private static final int CALLS = 6;
    private static final int ROWS = 5;

    private Path tmp;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public ConcurrentPredictorTest(String engine) {
        super(engine);
    }

    @BeforeMethod(alwaysRun = true)
    public void createTemporaryDirectory() throws Exception {
        tmp = Files.createTempDirectory("djlgan-concurrent");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() {
        TempDirs.delete(tmp);
    }

    @Test
    public void generatorOnFourThreadsEqualsOneThread() throws Exception {
        assertConcurrentEqualsSequential(Network.GENERATOR, "mnist-generator");
    }

    @Test
    public void discriminatorOnFourThreadsEqualsOneThread() throws Exception {
        assertConcurrentEqualsSequential(Network.DISCRIMINATOR, "mnist-discriminator");
    }

    /**
     * The thread that loaded the engine, against other threads, in a fresh JVM: on PyTorch with
     * more than one intra-op thread, that thread runs the kernels with another threading
     * configuration and its outputs may differ in the last bits (bounded here by 1e-6 × max(1, the
     * largest output); measured up to 2.5e-7); with {@code -Dai.djl.pytorch.num_threads=1} every
     * thread is bit-identical. MXNet is bit-identical either way.
     */
    @Test
    public void threadThatLoadedTheEngineDiffersAtMostInTheLastBits() throws Exception {
        for (boolean configured : new boolean[] {false, true}) {
            ForkedJvm.Result result =
                    configured
                            ? ForkedJvm.runWithProperties(
                                    ThreadReferenceChild.class,
                                    List.of("-Dai.djl.pytorch.num_threads=1"),
                                    engineName)
                            : ForkedJvm.run(ThreadReferenceChild.class, engineName);
            assertEquals(result.exitCode, 0, result.toString());
            assertTrue(result.output.contains("DONE"), result.toString());
            int results = 0;
            for (String line : result.output.split("\n")) {
                if (!line.startsWith("RESULT ")) {
                    continue;
                }
                results++;
                String[] fields = line.split(" ");
                double diff = Double.parseDouble(fields[2]);
                double max = Double.parseDouble(fields[3]);
                String label = engineName + (configured ? " num_threads=1 " : " default ") + line;
                if (configured || engineName.equals("MXNet")) {
                    assertEquals(diff, 0.0, label);
                } else {
                    assertTrue(diff <= 1e-6 * Math.max(1, max), label);
                }
            }
            assertEquals(results, 2, "RESULT lines (generator, discriminator): " + result);
        }
    }

    private void assertConcurrentEqualsSequential(Network network, String name) throws Exception {
        int in = (int) network.getInputSize();
        ZooTesting.trainAndSave(
                engineName, network, tmp.resolve("model"), name, ZooTesting.uniform(5, ROWS * in));
        Path zip =
                ImprovedGanPackager.builder(network)
                        .setModelDir(tmp.resolve("model"))
                        .build()
                        .writeZip(tmp.resolve(name + ".zip"));
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(zip)
                        .optEngine(engineName)
                        .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            List<float[]> before = parameters(model);
            // call c of thread t gets input seed 100·t + c; one thread computes all of them first,
            // a fresh one: on PyTorch the thread that loaded the engine may differ in the last
            // bits (see threadThatLoadedTheEngine...)
            float[][][] sequential = new float[THREADS][CALLS][];
            ExecutorService single = Executors.newSingleThreadExecutor();
            try {
                single.submit(
                                () -> {
                                    try (Predictor<NDList, NDList> predictor =
                                            model.newPredictor()) {
                                        for (int t = 0; t < THREADS; t++) {
                                            for (int c = 0; c < CALLS; c++) {
                                                sequential[t][c] =
                                                        predict(model, predictor, 100L * t + c, in);
                                            }
                                        }
                                    }
                                    return null;
                                })
                        .get(120, TimeUnit.SECONDS);
            } finally {
                single.shutdownNow();
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<float[][]>> futures = new ArrayList<>();
            try {
                for (int t = 0; t < THREADS; t++) {
                    long thread = t;
                    futures.add(
                            pool.submit(
                                    () -> {
                                        float[][] out = new float[CALLS][];
                                        try (Predictor<NDList, NDList> predictor =
                                                model.newPredictor()) {
                                            start.await(30, TimeUnit.SECONDS);
                                            for (int c = 0; c < CALLS; c++) {
                                                out[c] =
                                                        predict(
                                                                model,
                                                                predictor,
                                                                100L * thread + c,
                                                                in);
                                            }
                                        }
                                        return out;
                                    }));
                }
                for (int t = 0; t < THREADS; t++) {
                    float[][] concurrent = futures.get(t).get(120, TimeUnit.SECONDS);
                    for (int c = 0; c < CALLS; c++) {
                        assertEquals(
                                concurrent[c],
                                sequential[t][c],
                                name + ": thread " + t + ", call " + c + " differs");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            List<float[]> after = parameters(model);
            for (int i = 0; i < before.size(); i++) {
                assertEquals(after.get(i), before.get(i), "parameter " + i + " changed");
            }
        } finally {
            TempDirs.delete(ZooTesting.unpackedCopy(zip));
        }
    }

    /** One prediction on ROWS rows of uniform values from {@code seed}, as floats. */
    private static float[] predict(
            ZooModel<NDList, NDList> model, Predictor<NDList, NDList> predictor, long seed, int in)
            throws Exception {
        try (NDManager inputs = model.getNDManager().newSubManager()) {
            NDArray x = inputs.create(ZooTesting.uniform(seed, ROWS * in), new Shape(ROWS, in));
            NDArray y = predictor.predict(new NDList(x)).singletonOrThrow();
            float[] values = y.toFloatArray();
            assertTrue(values.length > 0);
            return values;
        }
    }

    /** Copies of every parameter's values, running averages included. */
    private static List<float[]> parameters(ZooModel<NDList, NDList> model) {
        List<float[]> values = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            values.add(p.getValue().getArray().toFloatArray());
        }
        return values;
    }
}
