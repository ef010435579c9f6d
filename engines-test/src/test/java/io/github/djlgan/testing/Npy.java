package io.github.djlgan.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes NumPy {@code .npy} arrays and {@code .npz} archives byte by byte, following NumPy's format
 * description ({@code numpy/lib/format.py}), independently of DJL and of the importer under test:
 * any dtype, byte order and header, including malformed ones.
 */
public final class Npy {

    private Npy() {}

    /**
     * A {@code .npy} (format 1.0) with the given header fields and raw data.
     *
     * @param descr the dtype string, e.g. {@code "<f4"} or {@code ">f8"}
     * @param shape the shape as Python writes it, e.g. {@code "(2, 3)"}, {@code "(3,)"}
     * @param data the raw data bytes, written as they are
     * @return the file's bytes
     */
    public static byte[] npy(String descr, String shape, byte[] data) {
        return npy(
                "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }",
                data);
    }

    /**
     * A {@code .npy} (format 1.0) with a literal header dictionary and raw data.
     *
     * @param header the header dictionary, e.g. {@code "{'descr': '<f4', ...}"}
     * @param data the raw data bytes
     * @return the file's bytes
     */
    public static byte[] npy(String header, byte[] data) {
        int len = header.length() + 1; // + '\n'
        int padding = (64 - (10 + len) % 64) % 64;
        int headerLength = len + padding;
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        os.write(0x93);
        os.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        os.write(1);
        os.write(0);
        os.write(headerLength & 0xff);
        os.write(headerLength >>> 8);
        os.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < padding; i++) {
            os.write(' ');
        }
        os.write('\n');
        os.writeBytes(data);
        return os.toByteArray();
    }

    /**
     * float32 values in the given byte order.
     *
     * @param order the byte order
     * @param values the values
     * @return the raw bytes
     */
    public static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer bb = ByteBuffer.allocate(4 * values.length).order(order);
        for (float v : values) {
            bb.putFloat(v);
        }
        return bb.array();
    }

    /**
     * float64 values in the given byte order.
     *
     * @param order the byte order
     * @param values the values
     * @return the raw bytes
     */
    public static byte[] doubles(ByteOrder order, double... values) {
        ByteBuffer bb = ByteBuffer.allocate(8 * values.length).order(order);
        for (double v : values) {
            bb.putDouble(v);
        }
        return bb.array();
    }

    /**
     * An {@code .npz} holding {@code arr_0.npy}, {@code arr_1.npy}, … in order.
     *
     * @param arrays the {@code .npy} files
     * @return the archive's bytes
     */
    public static byte[] npz(byte[]... arrays) {
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(os)) {
            for (int i = 0; i < arrays.length; i++) {
                zip.putNextEntry(new ZipEntry(String.format(Locale.ROOT, "arr_%d.npy", i)));
                zip.write(arrays[i]);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return os.toByteArray();
    }
}
