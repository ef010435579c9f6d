package io.github.djlgan.examples.fashion;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A tiny Fashion-MNIST look-alike in the IDX format (random pixels, labels 0 … 9 in turn), so the
 * example tests need neither the Debian package nor minutes.
 */
public final class IdxTestData {

    private IdxTestData() {}

    /**
     * Writes {@code train-*} and {@code t10k-*} files of random images into a new temporary
     * directory.
     *
     * @param trainImages training images
     * @param testImages test images
     * @param seed the seed of the pixels
     * @return the directory
     * @throws IOException if writing fails
     */
    public static Path write(int trainImages, int testImages, long seed) throws IOException {
        Path dir = Files.createTempDirectory("fashion-idx");
        Random random = new Random(seed);
        writeSplit(dir, "train", trainImages, random);
        writeSplit(dir, "t10k", testImages, random);
        return dir;
    }

    private static void writeSplit(Path dir, String prefix, int n, Random random)
            throws IOException {
        try (DataOutputStream out = gz(dir.resolve(prefix + "-images-idx3-ubyte.gz"))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(28);
            out.writeInt(28);
            byte[] pixels = new byte[n * 784];
            random.nextBytes(pixels);
            out.write(pixels);
        }
        try (DataOutputStream out = gz(dir.resolve(prefix + "-labels-idx1-ubyte.gz"))) {
            out.writeInt(0x801);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(i % 10);
            }
        }
    }

    private static DataOutputStream gz(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        return new DataOutputStream(new GZIPOutputStream(raw));
    }
}
