package io.github.djlgan.zoo;

import ai.djl.ndarray.types.Shape;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The pieces of DJL 0.35.1's {@code .params} format that {@link ParamsHeader} and {@link
 * Checkpoints} both read: a stream that counts the bytes left, shapes as {@code Shape.encode}
 * writes them, and size fields checked against the bytes left before anything is allocated.
 */
final class ParamsFormat {

    private ParamsFormat() {}

    /**
     * Reads a shape as DJL's {@code Shape.encode} writes it (int rank, the dimensions as longs, int
     * layout length, the layout's chars), checking each size against the bytes left first.
     *
     * @param dis the stream, reading from {@code source}
     * @param source the counting stream under {@code dis}
     * @param owner the name that starts error messages, e.g. "Checkpoints"
     * @param where what is being read, for messages
     * @param minDim the smallest dimension allowed (−1 for an input shape's unknown batch size)
     * @return the shape
     * @throws IOException if the stream fails or ends
     * @throws CorruptFile if a field is out of range
     */
    static Shape readShape(
            DataInputStream dis, Source source, String owner, String where, long minDim)
            throws IOException {
        int rank = dis.readInt();
        check(rank >= 0 && 8L * rank <= source.left(), owner, where, "rank", rank, source);
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = dis.readLong();
            if (dims[i] < minDim) {
                throw new CorruptFile(
                        String.format(
                                Locale.ROOT,
                                "%s: %s: corrupt shape field: dimension %d is %d",
                                owner,
                                where,
                                i,
                                dims[i]));
            }
        }
        int layout = dis.readInt();
        check(
                layout >= 0 && 2L * layout <= source.left(),
                owner,
                where,
                "layout length",
                layout,
                source);
        char[] chars = new char[layout];
        for (int i = 0; i < layout; i++) {
            chars[i] = dis.readChar();
        }
        return new Shape(dims, new String(chars));
    }

    /**
     * Throws unless a size field is non-negative and fits in the bytes left.
     *
     * @throws CorruptFile if {@code ok} is false
     */
    static void check(
            boolean ok, String owner, String where, String field, long value, Source source) {
        if (!ok) {
            throw new CorruptFile(
                    String.format(
                            Locale.ROOT,
                            "%s: %s: corrupt %s field: %d, with %d bytes left in the file",
                            owner,
                            where,
                            field,
                            value,
                            source.left()));
        }
    }

    /** A corrupt field of the file; its message is complete. */
    static final class CorruptFile extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CorruptFile(String message) {
            super(message);
        }
    }

    /** The stream of the file, counting what has been read, so the bytes left are known. */
    static final class Source extends FilterInputStream {
        private final long length;
        private long position;

        Source(InputStream in, long length) {
            super(in);
            this.length = length;
        }

        long left() {
            return length - position;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                position++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                position += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            position += skipped;
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
