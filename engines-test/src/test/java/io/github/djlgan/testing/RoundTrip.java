package io.github.djlgan.testing;

import static org.testng.Assert.expectThrows;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Save → load round trips through DJL's {@link Model} files. */
public final class RoundTrip {

    private RoundTrip() {}

    /**
     * Saves {@code trained} with {@link Model#save}, loads the file into {@code fresh} (a newly
     * built block of the same architecture, not initialized) with {@link Model#load}, and asserts
     * that every parameter and the inference output on {@code inputs} are bit-for-bit equal.
     *
     * @param manager the manager of the test (its engine saves and loads)
     * @param trained an initialized block
     * @param fresh a new, uninitialized block of the same architecture
     * @param inputs the inputs for the output comparison
     */
    public static void assertSameAfterReload(
            NDManager manager, Block trained, Block fresh, NDArray... inputs) {
        String engine = manager.getEngine().getEngineName();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("djlgan-roundtrip");
            NDArray expected =
                    trained.forward(new ParameterStore(manager, false), new NDList(inputs), false)
                            .head();
            save(manager, trained, dir, "roundtrip");
            try (Model loading = Model.newInstance("roundtrip", manager.getDevice(), engine)) {
                loading.setBlock(fresh);
                loading.load(dir, "roundtrip");
                for (Pair<String, Parameter> p : trained.getParameters()) {
                    Parameter loaded = fresh.getParameters().get(p.getKey());
                    if (loaded == null) {
                        throw new AssertionError("parameter " + p.getKey() + " missing after load");
                    }
                    NDAssert.assertEqual(loaded.getArray(), p.getValue().getArray());
                }
                NDArray actual =
                        fresh.forward(new ParameterStore(manager, false), new NDList(inputs), false)
                                .head();
                NDAssert.assertEqual(actual, expected);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MalformedModelException e) {
            throw new AssertionError("reload failed: " + e.getMessage(), e);
        } finally {
            TempDirs.delete(dir);
        }
    }

    /**
     * Saves {@code saved} with {@link Model#save}, loads the file into {@code other} (a block of
     * another configuration) with {@link Model#load}, and asserts that the load is refused with a
     * {@link MalformedModelException} whose message contains every part.
     *
     * @param manager the manager of the test (its engine saves and loads)
     * @param saved an initialized block
     * @param other a new block of another configuration
     * @param messageParts what the message must contain (the block's name, both settings)
     * @return the exception
     */
    public static MalformedModelException assertLoadRefused(
            NDManager manager, Block saved, Block other, String... messageParts) {
        String engine = manager.getEngine().getEngineName();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("djlgan-refused");
            save(manager, saved, dir, "refused");
            Path from = dir;
            try (Model loading = Model.newInstance("refused", manager.getDevice(), engine)) {
                loading.setBlock(other);
                MalformedModelException e =
                        expectThrows(
                                MalformedModelException.class, () -> loading.load(from, "refused"));
                EngineTest.assertMessage(e, messageParts);
                return e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** Saves an initialized block with {@link Model#save} on the manager's engine and device. */
    private static void save(NDManager manager, Block block, Path dir, String name)
            throws IOException {
        String engine = manager.getEngine().getEngineName();
        try (Model saving = Model.newInstance(name, manager.getDevice(), engine)) {
            saving.setBlock(block);
            saving.save(dir, name);
        }
    }
}
