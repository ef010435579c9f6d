package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.NDAssert;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** Saving and loading across engines, and checked all-or-nothing loading ({@link Checkpoints}). */
public class CheckpointsTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public CheckpointsTest(String engine) {
        super(engine);
    }

    private String otherEngine() {
        return engineName.equals("PyTorch") ? "MXNet" : "PyTorch";
    }

    /** The network after data-dependent init and a few training forwards (batch-norm averages). */
    private SequentialBlock trainedEveryBlockNetwork(NDManager m) {
        SequentialBlock net = EveryBlockNetwork.build();
        net.initialize(m, DataType.FLOAT32, EveryBlockNetwork.INPUT);
        NDArray batch =
                m.create(gaussian(1, (int) EveryBlockNetwork.INPUT.size()), EveryBlockNetwork.INPUT)
                        .toType(DataType.FLOAT32, false);
        DataInit.initialize(net, null, new NDList(batch));
        for (int i = 0; i < 3; i++) {
            net.forward(new ParameterStore(m, false), new NDList(batch.mul(i + 1)), true);
        }
        return net;
    }

    private static Map<String, double[]> values(Block block) {
        Map<String, double[]> values = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.put(p.getKey(), NDAssert.toDoubles(p.getValue().getArray()));
        }
        return values;
    }

    private static double[] inference(Block block, NDManager m, long seed) {
        NDArray x =
                m.create(
                                gaussian(seed, (int) EveryBlockNetwork.INPUT.size()),
                                EveryBlockNetwork.INPUT)
                        .toType(DataType.FLOAT32, false);
        return NDAssert.toDoubles(
                block.forward(new ParameterStore(m, false), new NDList(x), false).head());
    }

    @Test
    public void everyBlockSavedHereLoadsOnTheOtherEngine()
            throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("djlgan-cross");
        try {
            Map<String, double[]> saved;
            double[] expected;
            try (Model model = Model.newInstance("every", manager.getDevice(), engineName)) {
                SequentialBlock net = trainedEveryBlockNetwork(model.getNDManager());
                model.setBlock(net);
                model.save(dir, "every");
                saved = values(net);
                expected = inference(net, manager, 2);
            }
            String other = otherEngine();
            try (Model model = Model.newInstance("every", other);
                    NDManager m = model.getNDManager().newSubManager()) {
                model.setBlock(EveryBlockNetwork.build());
                model.load(dir, "every");
                assertEquals(m.getEngine().getEngineName(), other);
                Map<String, double[]> loaded = values(model.getBlock());
                assertEquals(loaded.keySet(), saved.keySet());
                for (String key : saved.keySet()) {
                    assertTrue(
                            java.util.Arrays.equals(loaded.get(key), saved.get(key)),
                            key + " differs after " + engineName + " -> " + other);
                }
                double[] actual = inference(model.getBlock(), m, 2);
                NDAssert.assertClose(
                        model.getNDManager().create(actual),
                        expected,
                        new Shape(expected.length),
                        0,
                        1e-5);
            }
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    public void checkedLoadGivesTheSameAsModelLoad() throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("djlgan-ckpt");
        try {
            double[] expected;
            try (Model model = Model.newInstance("every", manager.getDevice(), engineName)) {
                model.setBlock(trainedEveryBlockNetwork(model.getNDManager()));
                model.setProperty("Epoch", "3");
                model.save(dir, "every");
                expected = inference(model.getBlock(), manager, 3);
            }
            try (Model model = Model.newInstance("every", manager.getDevice(), otherEngine())) {
                model.setBlock(EveryBlockNetwork.build()); // not initialized: shapes from the file
                Checkpoints.load(model, dir, "every");
                assertEquals(model.getProperty("Epoch"), "3");
                NDAssert.assertClose(
                        model.getNDManager()
                                .create(inference(model.getBlock(), model.getNDManager(), 3)),
                        expected,
                        new Shape(expected.length),
                        0,
                        1e-5);
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** Saves a two-layer MLP of the given widths and returns the directory. */
    private Path saveMlp(int hidden, int out) throws IOException {
        Path dir = Files.createTempDirectory("djlgan-ckpt");
        try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
            model.setBlock(mlp(hidden, out));
            model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 6));
            model.save(dir, "mlp");
        }
        return dir;
    }

    private static SequentialBlock mlp(int hidden, int out) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Linear.builder().setUnits(out).build());
    }

    /** Asserts that a failed checked load leaves an initialized block exactly as it was. */
    private MalformedModelException assertRejected(Path dir, Block target) throws IOException {
        try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
            model.setBlock(target);
            target.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 6));
            Map<String, double[]> before = values(target);
            MalformedModelException e =
                    expectThrows(
                            MalformedModelException.class,
                            () -> Checkpoints.load(model, dir, "mlp"));
            Map<String, double[]> after = values(target);
            for (String key : before.keySet()) {
                assertTrue(
                        java.util.Arrays.equals(before.get(key), after.get(key)), key + " changed");
            }
            return e;
        }
    }

    @Test
    public void mismatchingShapeIsRejectedAndNothingChanges() throws IOException {
        Path dir = saveMlp(4, 3);
        try {
            MalformedModelException e = assertRejected(dir, mlp(5, 3));
            assertMessage(e, "Checkpoints", "01Linear_weight", "(4, 6)", "(5, 6)");
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    public void otherArchitectureIsRejectedAndNothingChanges() throws IOException {
        Path dir = saveMlp(4, 3);
        try {
            // one layer fewer: data left over in the file
            MalformedModelException e =
                    assertRejected(
                            dir, new SequentialBlock().add(Linear.builder().setUnits(4).build()));
            assertMessage(e, "Checkpoints", "another architecture");
            // a WeightNorm where the file has a Linear
            e =
                    assertRejected(
                            dir,
                            new SequentialBlock()
                                    .add(
                                            io.github.djlgan.nn.norm.WeightNorm.wrap(
                                                    Linear.builder().setUnits(4).build()))
                                    .add(Linear.builder().setUnits(3).build()));
            assertMessage(e, "Checkpoints", "another architecture");
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    public void truncatedFileIsRejectedAndNothingChanges() throws IOException {
        Path dir = saveMlp(4, 3);
        try {
            Path file;
            try (Stream<Path> files = Files.list(dir)) {
                file = files.filter(p -> p.toString().endsWith(".params")).findFirst().get();
            }
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 20));
            MalformedModelException e = assertRejected(dir, mlp(4, 3));
            assertMessage(e, "Checkpoints", "truncated", "02Linear_bias", "(3)");
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    public void failedLoadLeavesAFreshBlockUninitialized() throws IOException {
        Path dir = saveMlp(4, 3);
        try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
            SequentialBlock fresh = new SequentialBlock().add(Linear.builder().setUnits(4).build());
            model.setBlock(fresh);
            expectThrows(MalformedModelException.class, () -> Checkpoints.load(model, dir, "mlp"));
            assertFalse(fresh.isInitialized());
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    public void missingFileIsReported() throws IOException {
        Path dir = Files.createTempDirectory("djlgan-ckpt");
        try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
            model.setBlock(mlp(4, 3));
            IOException e =
                    expectThrows(IOException.class, () -> Checkpoints.load(model, dir, "mlp"));
            assertMessage(e, "Checkpoints", "mlp-NNNN.params");
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }
}
