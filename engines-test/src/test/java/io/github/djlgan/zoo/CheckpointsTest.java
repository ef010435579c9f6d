package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertSame;
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
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** Saving and loading across engines, and checked all-or-nothing loading ({@link Checkpoints}). */
public class CheckpointsTest extends EngineTest {

    /**
     * Cross-engine output bound stated in README ("Saving and loading, across engines"): about 3×
     * the worst measured, 3.4e-6 · (1 + |output|) over 80 randomly initialized networks × 10
     * batches (2026-12-02).
     */
    private static final double CROSS_ENGINE_ATOL = 1e-5;

    private static final int SEEDS = 5;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public CheckpointsTest(String engine) {
        super(engine);
    }

    private String otherEngine() {
        return engineName.equals("PyTorch") ? "MXNet" : "PyTorch";
    }

    /**
     * The network after data-dependent init and a few training forwards (batch-norm averages), its
     * random initial weights drawn from a seeded engine generator so that every run tests the same
     * network.
     */
    private SequentialBlock trainedEveryBlockNetwork(NDManager m) {
        // the engine's generator is global: later tests in this JVM draw from this seed's stream
        m.getEngine().setRandomSeed(5);
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
            double[][] expected;
            try (Model model = Model.newInstance("every", manager.getDevice(), engineName)) {
                SequentialBlock net = trainedEveryBlockNetwork(model.getNDManager());
                model.setBlock(net);
                model.save(dir, "every");
                saved = values(net);
                expected = new double[SEEDS][];
                for (int seed = 0; seed < SEEDS; seed++) {
                    expected[seed] = inference(net, manager, seed);
                }
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
                // the engines' kernels sum in other orders: README states this bound
                for (int seed = 0; seed < SEEDS; seed++) {
                    double[] actual = inference(model.getBlock(), m, seed);
                    NDAssert.assertClose(
                            model.getNDManager().create(actual),
                            expected[seed],
                            new Shape(actual.length),
                            CROSS_ENGINE_ATOL,
                            CROSS_ENGINE_ATOL);
                }
            }
        } finally {
            TempDirs.delete(dir);
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
            Map<String, double[]> checked;
            double[] checkedOutput;
            try (Model model = Model.newInstance("every", manager.getDevice(), otherEngine())) {
                model.setBlock(EveryBlockNetwork.build()); // not initialized: shapes from the file
                Checkpoints.load(model, dir, "every");
                assertEquals(model.getProperty("Epoch"), "3");
                checked = values(model.getBlock());
                checkedOutput = inference(model.getBlock(), model.getNDManager(), 3);
                NDAssert.assertClose(
                        model.getNDManager().create(checkedOutput),
                        expected,
                        new Shape(expected.length),
                        0,
                        1e-5);
            }
            // DJL's own load of the same file, same engine: every parameter and the output agree
            // to the bit
            try (Model model = Model.newInstance("every", manager.getDevice(), otherEngine())) {
                Block block = EveryBlockNetwork.build();
                block.initialize(model.getNDManager(), DataType.FLOAT32, EveryBlockNetwork.INPUT);
                model.setBlock(block);
                model.load(dir, "every");
                Map<String, double[]> plain = values(model.getBlock());
                assertEquals(checked.keySet(), plain.keySet());
                for (String key : plain.keySet()) {
                    assertTrue(Arrays.equals(checked.get(key), plain.get(key)), key);
                }
                assertTrue(
                        Arrays.equals(
                                checkedOutput,
                                inference(model.getBlock(), model.getNDManager(), 3)),
                        "outputs");
            }
        } finally {
            TempDirs.delete(dir);
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
            TempDirs.delete(dir);
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
                                    .add(WeightNorm.wrap(Linear.builder().setUnits(4).build()))
                                    .add(Linear.builder().setUnits(3).build()));
            assertMessage(e, "Checkpoints", "another architecture");
        } finally {
            TempDirs.delete(dir);
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
            TempDirs.delete(dir);
        }
    }

    @Test
    public void failedLoadLeavesAFreshBlockUninitialized() throws IOException {
        Path dir = saveMlp(4, 3);
        try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
            SequentialBlock fresh = new SequentialBlock().add(Linear.builder().setUnits(4).build());
            model.setBlock(fresh);
            assertMessage(
                    expectThrows(
                            MalformedModelException.class,
                            () -> Checkpoints.load(model, dir, "mlp")),
                    "Checkpoints",
                    "another architecture");
            assertFalse(fresh.isInitialized());
        } finally {
            TempDirs.delete(dir);
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
            TempDirs.delete(dir);
        }
    }

    // ------------------------------------------------------------------ corrupt files

    /** WeightNorm(Linear 4) then Linear 3 on (2, 6): g, v, bias, weight, bias in the file. */
    private static SequentialBlock weightNormMlp() {
        return new SequentialBlock()
                .add(WeightNorm.wrap(Linear.builder().setUnits(4).build()))
                .add(Linear.builder().setUnits(3).build());
    }

    private Path saveWeightNormMlp() throws IOException {
        Path dir = Files.createTempDirectory("djlgan-ckpt");
        try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
            model.setBlock(weightNormMlp());
            model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 6));
            model.save(dir, "mlp");
        }
        return dir;
    }

    private static Path paramsFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".params")).findFirst().get();
        }
    }

    /** The fields of an array record in a DJL parameter file (NDSerializer, encoding 3). */
    private enum Field {
        DATA_TYPE,
        RANK,
        FIRST_DIMENSION,
        DATA_LENGTH
    }

    /**
     * The offset of a field of the {@code index}-th array record ("NDAR") of a parameter file,
     * following DJL 0.35.1's encoding: UTF "NDAR", int version, byte name flag (+ UTF name), UTF
     * sparse format, UTF data type, int rank, rank longs, int layout length, layout chars, byte
     * order, int data length, data.
     */
    private static int offsetOf(byte[] file, int index, Field field) {
        int at = -1;
        for (int found = -1; found < index; found++) {
            at = indexOf(file, new byte[] {0, 4, 'N', 'D', 'A', 'R'}, at + 1);
            assertTrue(at >= 0, "no array record " + index);
        }
        ByteBuffer bb = ByteBuffer.wrap(file);
        int p = at + 6 + 4; // magic, version
        if (file[p++] == 1) {
            p += 2 + bb.getShort(p); // name
        }
        p += 2 + bb.getShort(p); // sparse format
        if (field == Field.DATA_TYPE) {
            return p;
        }
        p += 2 + bb.getShort(p);
        if (field == Field.RANK) {
            return p;
        }
        int rank = bb.getInt(p);
        p += 4;
        if (field == Field.FIRST_DIMENSION) {
            return p;
        }
        p += 8 * rank;
        p += 4 + 2 * bb.getInt(p); // layout
        return p + 1; // byte order
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The offset just after the file header that Model.save writes before the block. */
    private static int afterHeader(byte[] file) {
        ByteBuffer bb = ByteBuffer.wrap(file);
        int p = 4 + 4; // DJL@, version
        p += 2 + bb.getShort(p); // model name
        p += 2 + bb.getShort(p); // data type
        int inputs = bb.getInt(p);
        p += 4;
        for (int i = 0; i < inputs; i++) {
            p += 2 + bb.getShort(p); // input name
            int rank = bb.getInt(p);
            p += 4 + 8 * rank;
            p += 4 + 2 * bb.getInt(p);
        }
        int properties = bb.getInt(p);
        p += 4;
        for (int i = 0; i < 2 * properties; i++) {
            p += 2 + bb.getShort(p);
        }
        return p;
    }

    /**
     * Loads a corrupted copy of the WeightNorm MLP's file into an initialized block: the load must
     * fail with a MalformedModelException and leave every parameter holding its own array, with its
     * values.
     */
    private MalformedModelException assertCorruptRejected(Path dir) throws IOException {
        try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
            SequentialBlock target = weightNormMlp();
            model.setBlock(target);
            target.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 6));
            Map<String, double[]> before = values(target);
            Map<String, NDArray> arrays = new HashMap<>();
            target.getParameters().forEach(p -> arrays.put(p.getKey(), p.getValue().getArray()));
            Throwable thrown = null;
            try {
                Checkpoints.load(model, dir, "mlp");
            } catch (Throwable t) {
                thrown = t;
            }
            assertTrue(
                    thrown instanceof MalformedModelException,
                    "expected a MalformedModelException, got " + thrown);
            for (Pair<String, Parameter> p : target.getParameters()) {
                assertSame(p.getValue().getArray(), arrays.get(p.getKey()), p.getKey());
                assertTrue(
                        java.util.Arrays.equals(
                                before.get(p.getKey()),
                                NDAssert.toDoubles(p.getValue().getArray())),
                        p.getKey() + " changed");
            }
            return (MalformedModelException) thrown;
        }
    }

    private MalformedModelException corruptAndLoad(int array, Field field, int value)
            throws IOException {
        Path dir = saveWeightNormMlp();
        try {
            Path file = paramsFile(dir);
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer.wrap(bytes).putInt(offsetOf(bytes, array, field), value);
            Files.write(file, bytes);
            return assertCorruptRejected(dir);
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    public void corruptArrayRankIsRejectedBeforeAllocating() throws IOException {
        // the 4th array (02Linear_weight): g, v and a bias would already be overwritten
        MalformedModelException e = corruptAndLoad(3, Field.RANK, 0x7FFFFFF0);
        assertMessage(e, "Checkpoints", "02Linear_weight", "rank", "2147483632");
    }

    @Test
    public void negativeArrayRankIsRejected() throws IOException {
        MalformedModelException e = corruptAndLoad(3, Field.RANK, -1);
        assertMessage(e, "Checkpoints", "02Linear_weight", "rank", "-1");
    }

    @Test
    public void corruptArrayDataLengthIsRejected() throws IOException {
        MalformedModelException e = corruptAndLoad(3, Field.DATA_LENGTH, -1);
        assertMessage(e, "Checkpoints", "02Linear_weight", "data length", "-1");
        e = corruptAndLoad(3, Field.DATA_LENGTH, 0x7FFFFFF0);
        assertMessage(e, "Checkpoints", "02Linear_weight", "data length", "2147483632");
        e = corruptAndLoad(3, Field.DATA_LENGTH, 4);
        assertMessage(e, "Checkpoints", "02Linear_weight", "data length", "4", "48");
    }

    @Test
    public void corruptArrayDimensionIsRejected() throws IOException {
        // the high half of the first dimension's long: 2^32·k + 3
        MalformedModelException e = corruptAndLoad(3, Field.FIRST_DIMENSION, 0x10);
        assertMessage(e, "Checkpoints", "02Linear_weight", "shape");
        e = corruptAndLoad(3, Field.FIRST_DIMENSION, -1);
        assertMessage(e, "Checkpoints", "02Linear_weight", "shape");
    }

    @Test
    public void corruptArrayDataTypeIsRejected() throws IOException {
        Path dir = saveWeightNormMlp();
        try {
            Path file = paramsFile(dir);
            byte[] bytes = Files.readAllBytes(file);
            int at = offsetOf(bytes, 2, Field.DATA_TYPE); // UTF "FLOAT32"
            bytes[at + 2 + 3] = (byte) 'X';
            Files.write(file, bytes);
            MalformedModelException e = assertCorruptRejected(dir);
            assertMessage(e, "Checkpoints", "01WeightNorm_01Linear_bias", "data type", "FLOXT32");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    public void corruptFileHeaderRankIsRejected() throws IOException {
        Path dir = saveWeightNormMlp();
        try {
            Path file = paramsFile(dir);
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer bb = ByteBuffer.wrap(bytes);
            int p = 8 + 2 + bb.getShort(8);
            p += 2 + bb.getShort(p) + 4; // data type, input count
            p += 2 + bb.getShort(p); // input name: the input shape's rank follows
            bb.putInt(p, 0x7FFFFFF0);
            Files.write(file, bytes);
            MalformedModelException e = assertCorruptRejected(dir);
            assertMessage(e, "Checkpoints", "input shape", "rank", "2147483632");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    public void corruptBlockMetadataIsRejectedWithItsPosition() throws IOException {
        Path dir = saveWeightNormMlp();
        try {
            Path file = paramsFile(dir);
            byte[] bytes = Files.readAllBytes(file);
            // SequentialBlock: version byte, input shape count, then the rank of its input shape
            ByteBuffer.wrap(bytes).putInt(afterHeader(bytes) + 1 + 4, -1);
            Files.write(file, bytes);
            MalformedModelException e = assertCorruptRejected(dir);
            assertMessage(e, "Checkpoints", "before parameter 01WeightNorm_g", "-1");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    public void otherArchitectureIntoAFreshBlockIsMalformed() throws IOException {
        Path dir = saveMlp(4, 3); // input (2, 6)
        try {
            List<Block> fresh =
                    List.of(
                            WeightNorm.wrap(
                                    Conv2d.builder()
                                            .setKernelShape(new Shape(3, 3))
                                            .setFilters(2)
                                            .build()),
                            Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build(),
                            LasagneBatchNorm.builder().optAxes(0, 2, 3).build());
            for (Block block : fresh) {
                try (Model model = Model.newInstance("mlp", manager.getDevice(), engineName)) {
                    model.setBlock(block);
                    Throwable thrown = null;
                    try {
                        Checkpoints.load(model, dir, "mlp");
                    } catch (Throwable t) {
                        thrown = t;
                    }
                    assertTrue(
                            thrown instanceof MalformedModelException,
                            block.getClass().getSimpleName() + ": " + thrown);
                    assertMessage(thrown, "Checkpoints", "another architecture", "(2, 6)");
                    assertFalse(block.isInitialized());
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
