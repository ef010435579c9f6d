package io.github.djlgan.examples.fashion;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A tiny Fashion-MNIST look-alike in the IDX format, so the example tests need neither the Debian
 * package nor minutes: image i has label c = i mod 10, rows 2c and 2c + 1 bright (255) and every
 * other pixel dark noise in [0, 64), so a classifier can learn the labels in a few steps.
 */
public final class IdxTestData {

    private IdxTestData() {}

    /**
     * Writes {@code train-*} and {@code t10k-*} files of such images into a new temporary
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
            out.write(pixels(n, random));
        }
        try (DataOutputStream out = gz(dir.resolve(prefix + "-labels-idx1-ubyte.gz"))) {
            out.writeInt(0x801);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(i % 10);
            }
        }
    }

    private static byte[] pixels(int n, Random random) {
        byte[] pixels = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            int c = i % 10;
            for (int p = 0; p < 784; p++) {
                int row = p / 28;
                boolean bright = row == 2 * c || row == 2 * c + 1;
                pixels[i * 784 + p] = (byte) (bright ? 255 : random.nextInt(64));
            }
        }
        return pixels;
    }

    private static DataOutputStream gz(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        return new DataOutputStream(new GZIPOutputStream(raw));
    }
}
