package io.github.djlgan.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads {@code .npz} fixtures from {@code src/test/resources/fixtures/}. Each fixture was produced
 * by the Python script of the same name beside it (an independent derivation of the expected
 * values); the tests never need Python.
 */
public final class Fixtures {

    private final NDList arrays;

    private Fixtures(NDList arrays) {
        this.arrays = arrays;
    }

    /**
     * Loads a fixture.
     *
     * @param manager the manager the arrays are attached to
     * @param name the file name without extension, e.g. {@code "weight_norm"}
     * @return the fixture
     */
    public static Fixtures load(NDManager manager, String name) {
        String path = "/fixtures/" + name + ".npz";
        try (InputStream is = Fixtures.class.getResourceAsStream(path)) {
            if (is == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            return new Fixtures(NDList.decode(manager, is));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns the array of the given name.
     *
     * @param name the array name as given to {@code np.savez}
     * @return the array
     */
    public NDArray get(String name) {
        NDArray array = arrays.get(name);
        if (array == null) {
            array = arrays.get(name + ".npy");
        }
        if (array == null) {
            StringBuilder names = new StringBuilder();
            for (NDArray a : arrays) {
                names.append(a.getName()).append(' ');
            }
            throw new IllegalArgumentException("no array " + name + " in fixture; has " + names);
        }
        return array;
    }
}
