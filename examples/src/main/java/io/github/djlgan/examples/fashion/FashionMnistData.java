package io.github.djlgan.examples.fashion;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST read from the IDX files that Debian's {@code dataset-fashion-mnist} package
 * installs in {@code /usr/share/datasets/fashion-mnist} ({@code train-images-idx3-ubyte.gz}, ...;
 * gzipped or not). Pixels are kept as bytes (47 MB for the training set) and scaled to [0, 1] when
 * a batch is made.
 *
 * <p>DJL's {@code ai.djl.basicdataset.cv.classification.FashionMnist} cannot simply be pointed at
 * these files (it wants its own repository layout and un-gzipped copies in its cache), so this is a
 * small IDX reader: a big-endian header (magic 0x803 for images: count, rows, columns; 0x801 for
 * labels: count) followed by one unsigned byte per pixel or label.
 */
public final class FashionMnistData {

    /** The directory the Debian package installs the files to. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Image height and width. */
    public static final int SIDE = 28;

    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;

    /** Number of classes. */
    public static final int CLASSES = 10;

    /** The class names, in label order. */
    public static final List<String> CLASS_NAMES =
            List.of(
                    "T-shirt/top",
                    "Trouser",
                    "Pullover",
                    "Dress",
                    "Coat",
                    "Sandal",
                    "Shirt",
                    "Sneaker",
                    "Bag",
                    "Ankle boot");

    private final byte[] images;
    private final byte[] labels;

    private FashionMnistData(byte[] images, byte[] labels) {
        this.images = images;
        this.labels = labels;
    }

    /**
     * Reads the training or the test split.
     *
     * @param dir the directory holding the IDX files
     * @param train true for the 60,000 training images, false for the 10,000 test images
     * @return the split
     * @throws IOException if a file is missing (the message says how to install the data) or
     *     malformed
     */
    public static FashionMnistData read(Path dir, boolean train) throws IOException {
        String prefix = train ? "train" : "t10k";
        byte[] labels = readIdx(find(dir, prefix + "-labels-idx1-ubyte"), 0x801, 1);
        byte[] images = readIdx(find(dir, prefix + "-images-idx3-ubyte"), 0x803, PIXELS);
        if (images.length / PIXELS != labels.length) {
            throw new IOException(
                    "Fashion-MNIST in "
                            + dir
                            + ": "
                            + images.length / PIXELS
                            + " images but "
                            + labels.length
                            + " labels");
        }
        return new FashionMnistData(images, labels);
    }

    /**
     * Returns the number of examples.
     *
     * @return the number of examples
     */
    public int size() {
        return labels.length;
    }

    /**
     * Returns an example's label.
     *
     * @param i the example
     * @return its class, 0 … 9
     */
    public int label(int i) {
        return labels[i];
    }

    /**
     * Copies examples' pixels, scaled to [0, 1], into a flat array (row-major, {@link #PIXELS} per
     * example).
     *
     * @param indices the examples
     * @return the pixels
     */
    public float[] pixels(int[] indices) {
        float[] out = new float[indices.length * PIXELS];
        for (int k = 0; k < indices.length; k++) {
            int from = indices[k] * PIXELS;
            for (int p = 0; p < PIXELS; p++) {
                out[k * PIXELS + p] = (images[from + p] & 0xFF) / 255f;
            }
        }
        return out;
    }

    /**
     * Returns examples' labels.
     *
     * @param indices the examples
     * @return the labels
     */
    public int[] labels(int[] indices) {
        int[] out = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            out[k] = labels[indices[k]];
        }
        return out;
    }

    /**
     * Returns the t-th batch of an order of examples, wrapping around at its end.
     *
     * @param order the examples' order (e.g. a {@link
     *     io.github.djlgan.examples.Shuffle#permutation})
     * @param t the batch, from 0
     * @param batch the batch size
     * @return order[t·batch], …, order[t·batch + batch − 1], indices taken modulo the order's
     *     length
     * @throws IllegalArgumentException for an empty order, t &lt; 0 or batch &lt; 1
     */
    public static int[] batch(int[] order, int t, int batch) {
        if (order.length == 0 || t < 0 || batch < 1) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "FashionMnistData: batch needs a non-empty order, t >= 0 and batch >="
                                    + " 1, got an order of %d, t = %d, batch = %d",
                            order.length,
                            t,
                            batch));
        }
        int[] idx = new int[batch];
        for (int k = 0; k < batch; k++) {
            idx[k] = order[(int) (((long) t * batch + k) % order.length)];
        }
        return idx;
    }

    /**
     * Chooses a class-balanced labelled subset, as improved-gan does: a random permutation, then
     * the first {@code count / 10} examples of each class.
     *
     * @param count the number of labelled examples, a positive multiple of 10
     * @param random the random source
     * @return the indices of the labelled examples
     * @throws IllegalArgumentException if count is not a positive multiple of 10 or exceeds what a
     *     class holds
     */
    public int[] balancedSubset(int count, Random random) {
        if (count <= 0 || count % CLASSES != 0) {
            throw new IllegalArgumentException(
                    "--labels must be a positive multiple of " + CLASSES + ", got " + count);
        }
        int perClass = count / CLASSES;
        List<Integer> order = new ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        int[] taken = new int[CLASSES];
        int[] subset = new int[count];
        int n = 0;
        for (int i : order) {
            int c = labels[i];
            if (taken[c] < perClass) {
                taken[c]++;
                subset[n++] = i;
                if (n == count) {
                    return subset;
                }
            }
        }
        throw new IllegalArgumentException(
                "--labels " + count + ": some class has fewer than " + perClass + " examples");
    }

    private static Path find(Path dir, String name) throws IOException {
        for (String candidate : new String[] {name + ".gz", name}) {
            Path file = dir.resolve(candidate);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new IOException(
                "Fashion-MNIST not found: no "
                        + name
                        + "[.gz] in "
                        + dir.toAbsolutePath()
                        + ". Install it with `sudo apt-get install dataset-fashion-mnist` (Debian"
                        + " and Ubuntu; files in "
                        + DEFAULT_DIR
                        + "), or download the four *-ubyte.gz files of"
                        + " https://github.com/zalandoresearch/fashion-mnist and pass their"
                        + " directory with --data DIR.");
    }

    private static byte[] readIdx(Path file, int magic, int itemSize) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                DataInputStream in =
                        new DataInputStream(
                                file.toString().endsWith(".gz")
                                        ? new GZIPInputStream(raw, 1 << 16)
                                        : raw)) {
            int actual = in.readInt();
            if (actual != magic) {
                throw new IOException(
                        String.format(
                                "%s: IDX magic number 0x%x, expected 0x%x", file, actual, magic));
            }
            int count = in.readInt();
            int size = 1;
            for (int d = 1; d < (magic & 0xFF); d++) {
                size *= in.readInt();
            }
            if (size != itemSize || count < 0) {
                throw new IOException(
                        file + ": " + count + " items of " + size + " bytes, expected " + itemSize);
            }
            byte[] data = new byte[count * itemSize];
            in.readFully(data);
            return data;
        }
    }
}
