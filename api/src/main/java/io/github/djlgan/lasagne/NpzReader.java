package io.github.djlgan.lasagne;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Reads the arrays of a Lasagne {@code .npz} ({@code np.savez(f, *values)}: a zip archive of {@code
 * .npy} files named {@code arr_0}, {@code arr_1}, …) for {@link LasagneParams}, checking every
 * array's header before any engine array is made.
 *
 * <p><b>Why not DJL's {@code NDList.decode}.</b> {@code NDList.decode} turns each {@code .npy} into
 * an engine array as it reads it, so a caller sees the dtype only after the engine has been asked
 * to create the array. With DJL 0.35.1, on the PyTorch engine, a {@code uint16}, {@code int16},
 * {@code uint32} or {@code uint64} array aborts the JVM ({@code terminate called without an active
 * exception}, exit code 134); on MXNet, {@code int16}, {@code uint16} and {@code uint32} fail with
 * {@code EngineException: Unknown type enum}, and a {@code uint64} array reads as garbage; on both
 * engines a big-endian array ({@code >f4}, {@code >f8}) is read with its bytes in the wrong order
 * (0.1 becomes −4.3·10⁸), and a header shape whose size overflows an {@code int} throws {@code
 * ArithmeticException}. This reader parses the header itself.
 *
 * <p><b>What it accepts.</b> Lasagne parameters are floating point: {@code float16}, {@code
 * float32} and {@code float64} arrays, little- or big-endian ({@code <f2}, {@code >f4}, …), C order
 * ({@code fortran_order: False}), {@code .npy} format 1.0 to 3.0, stored or deflated ({@code
 * np.savez_compressed}). The bytes are put in the machine's order in Java, so the engine array has
 * exactly the file's values. Every other dtype (integers, booleans, complex, strings, objects,
 * structured records) is rejected: no conversion of them to a float parameter is exact in general,
 * and several of them crash or corrupt DJL's engines. Every header field is checked against the
 * data the entry holds: dimensions must be ≥ 0, the array must fit in one Java buffer (2 GiB), and
 * the entry must hold exactly shape × item size bytes after its header.
 *
 * <p><b>Two passes.</b> {@link #read} first reads and checks every entry into Java memory (names,
 * headers, sizes); only when the whole archive is valid does it create the engine arrays. Any
 * problem is an {@link IllegalArgumentException} whose message starts with {@code LasagneParams}
 * (the public entry point), names the array, and ends with "nothing was assigned".
 */
final class NpzReader {

    private static final String NAME = "LasagneParams";
    private static final String NOTHING = "; nothing was assigned";
    private static final Pattern ARRAY_NAME = Pattern.compile("arr_(\\d{1,9})(\\.npy)?");
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8; // the largest Java array
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(\\w+)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpzReader() {}

    /**
     * Reads the arrays of a Lasagne {@code .npz}, ordered by the index in their names.
     *
     * @param manager the manager the arrays are created on
     * @param npz the stream of the {@code .npz}; read to its end, not closed
     * @return the arrays {@code arr_0}, {@code arr_1}, …, with the file's float types and values
     * @throws IOException if the stream cannot be read
     * @throws IllegalArgumentException if the file is not an {@code .npz} of Lasagne's format or an
     *     array cannot be read exactly (no engine array is made then)
     */
    static List<NDArray> read(NDManager manager, InputStream npz) throws IOException {
        List<Npy> arrays = parse(npz);
        List<NDArray> result = new ArrayList<>(arrays.size());
        for (Npy npy : arrays) {
            result.add(npy.toArray(manager));
        }
        return result;
    }

    /** The first pass: every entry read into Java memory and checked; no engine is involved. */
    private static List<Npy> parse(InputStream npz) throws IOException {
        InputStream in = new BufferedInputStream(new NonClosing(npz));
        in.mark(2);
        boolean zip = in.read() == 'P' && in.read() == 'K';
        in.reset();
        if (!zip) {
            throw new IllegalArgumentException(
                    NAME + ": not an .npz file (a zip archive of .npy arrays)");
        }
        Map<Integer, Npy> arrays = new TreeMap<>();
        try (ZipInputStream entries = new ZipInputStream(in)) {
            ZipEntry entry;
            while ((entry = entries.getNextEntry()) != null) {
                String name = entry.getName();
                Matcher m = ARRAY_NAME.matcher(name);
                if (!m.matches()) {
                    throw new IllegalArgumentException(
                            NAME
                                    + ": the .npz holds an array named \""
                                    + name
                                    + "\"; Lasagne's format, np.savez(f,"
                                    + " *lasagne.layers.get_all_param_values(net)), names its"
                                    + " arrays arr_0, arr_1, ... (np.savez(f, **named) is not"
                                    + " that format)");
                }
                int index = Integer.parseInt(m.group(1));
                if (arrays.put(index, readNpy("arr_" + index, entries)) != null) {
                    throw new IllegalArgumentException(
                            NAME + ": the .npz holds arr_" + index + " twice");
                }
            }
        }
        int expected = 0;
        for (int index : arrays.keySet()) {
            if (index != expected) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s: the .npz holds %d arrays but no arr_%d (its arrays must be"
                                        + " arr_0 to arr_%d)",
                                NAME,
                                arrays.size(),
                                expected,
                                arrays.size() - 1));
            }
            expected++;
        }
        return new ArrayList<>(arrays.values());
    }

    /** Reads one {@code .npy} entry: header, checks, then exactly its data bytes. */
    private static Npy readNpy(String name, InputStream in) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length + 2);
        if (magic.length < MAGIC.length + 2
                || !Arrays.equals(Arrays.copyOf(magic, MAGIC.length), MAGIC)) {
            throw error(name, "is not a .npy array (no \\x93NUMPY magic at its start)");
        }
        int major = magic[MAGIC.length];
        int minor = magic[MAGIC.length + 1];
        if (major < 1 || major > 3 || minor != 0) {
            throw error(name, "has .npy format version " + major + "." + minor + " (1.0 to 3.0)");
        }
        byte[] lengthBytes = in.readNBytes(major == 1 ? 2 : 4);
        if (lengthBytes.length < (major == 1 ? 2 : 4)) {
            throw error(name, "ends inside its .npy header");
        }
        ByteBuffer lengthBuffer = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength =
                major == 1
                        ? Short.toUnsignedInt(lengthBuffer.getShort())
                        : Integer.toUnsignedLong(lengthBuffer.getInt());
        if (headerLength > MAX_HEADER) {
            throw error(name, "claims a .npy header of " + headerLength + " bytes");
        }
        byte[] headerBytes = in.readNBytes((int) headerLength);
        if (headerBytes.length < headerLength) {
            throw error(name, "ends inside its .npy header");
        }
        String header =
                new String(
                        headerBytes,
                        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = field(name, header, DESCR, "'descr' (a dtype such as '<f4')");
        String fortran = field(name, header, FORTRAN, "'fortran_order'");
        Shape shape = shape(name, field(name, header, SHAPE, "'shape'"), header);
        if (!"False".equals(fortran)) {
            throw error(
                    name,
                    "is stored in Fortran order (fortran_order: "
                            + fortran
                            + "); save C-ordered arrays (np.ascontiguousarray)");
        }
        FloatType type = FloatType.of(name, descr);
        long bytes = type.size; // shape × item size, Long.MAX_VALUE if it overflows
        try {
            for (long dim : shape.getShape()) {
                bytes = Math.multiplyExact(bytes, dim);
            }
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > MAX_BYTES) {
            throw error(
                    name,
                    String.format(
                            Locale.ROOT,
                            "has a header claiming shape %s of %s, %s bytes, more than one array"
                                    + " can hold (2 GiB)",
                            shape,
                            type.dataType,
                            bytes == Long.MAX_VALUE ? "more than 2^63" : Long.toString(bytes)));
        }
        byte[] data = in.readNBytes((int) bytes);
        long extra = data.length < bytes ? 0 : in.transferTo(OutputStream.nullOutputStream());
        if (data.length < bytes || extra > 0) {
            throw error(
                    name,
                    String.format(
                            Locale.ROOT,
                            "has a header claiming shape %s of %s, %d bytes, but the entry holds"
                                    + " %d bytes of data",
                            shape,
                            type.dataType,
                            bytes,
                            data.length + extra));
        }
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return new Npy(shape, type, data, order);
    }

    private static String field(String name, String header, Pattern pattern, String what) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw error(
                    name,
                    "has a .npy header without a readable "
                            + what
                            + " (a structured dtype?): "
                            + header.trim());
        }
        return m.group(1).trim();
    }

    private static Shape shape(String name, String text, String header) {
        if (text.isEmpty()) {
            return new Shape();
        }
        String[] tokens = text.split(",", -1);
        int count = tokens[tokens.length - 1].isBlank() ? tokens.length - 1 : tokens.length;
        long[] dims = new long[count];
        for (int i = 0; i < count; i++) {
            try {
                dims[i] = Long.parseLong(tokens[i].trim());
            } catch (NumberFormatException e) {
                throw error(name, "has a .npy header with an unreadable shape: " + header.trim());
            }
            if (dims[i] < 0) {
                throw error(
                        name,
                        "has a header claiming shape ("
                                + text.trim()
                                + "), with a negative dimension "
                                + dims[i]);
            }
        }
        return new Shape(dims);
    }

    private static IllegalArgumentException error(String name, String what) {
        return new IllegalArgumentException(NAME + ": " + name + " " + what + NOTHING);
    }

    /** The float dtypes this reader accepts, by item size. */
    private enum FloatType {
        FLOAT16(2, DataType.FLOAT16),
        FLOAT32(4, DataType.FLOAT32),
        FLOAT64(8, DataType.FLOAT64);

        final int size;
        final DataType dataType;

        FloatType(int size, DataType dataType) {
            this.size = size;
            this.dataType = dataType;
        }

        /** The type of a dtype string such as {@code <f4}; anything else is an error. */
        static FloatType of(String name, String descr) {
            if (descr.length() == 3 && "<>".indexOf(descr.charAt(0)) >= 0) {
                for (FloatType type : values()) {
                    if (descr.substring(1).equals("f" + type.size)) {
                        return type;
                    }
                }
            }
            throw error(
                    name,
                    "has dtype '"
                            + descr
                            + "'"
                            + describe(descr)
                            + "; Lasagne parameters are floating point: only float16, float32"
                            + " and float64 arrays (either byte order, e.g. '<f4', '>f8') can"
                            + " be imported exactly");
        }

        private static String describe(String descr) {
            String kind = descr.replaceAll("^[<>|=]", "");
            String bits = kind.length() > 1 ? kind.substring(1) : "";
            String text;
            switch (kind.isEmpty() ? ' ' : kind.charAt(0)) {
                case 'u':
                    text = "uint";
                    break;
                case 'i':
                    text = "int";
                    break;
                case 'b':
                    return " (bool)";
                case 'c':
                    text = "complex";
                    break;
                case 'f':
                    text = "float";
                    break;
                default:
                    return "";
            }
            try {
                return " (" + text + Integer.parseInt(bits) * 8 + ")";
            } catch (NumberFormatException e) {
                return "";
            }
        }
    }

    /** One checked {@code .npy}: its shape, type, and data bytes in the file's byte order. */
    private static final class Npy {
        final Shape shape;
        final FloatType type;
        final byte[] data;
        final ByteOrder order;

        Npy(Shape shape, FloatType type, byte[] data, ByteOrder order) {
            this.shape = shape;
            this.type = type;
            this.data = data;
            this.order = order;
        }

        /** The engine array: the values, put into the machine's byte order in Java first. */
        NDArray toArray(NDManager manager) {
            ByteBuffer source = ByteBuffer.wrap(data).order(order);
            ByteBuffer target = manager.allocateDirect(data.length).order(ByteOrder.nativeOrder());
            switch (type) {
                case FLOAT16:
                    while (source.hasRemaining()) {
                        target.putShort(source.getShort());
                    }
                    break;
                case FLOAT32:
                    while (source.hasRemaining()) {
                        target.putInt(source.getInt());
                    }
                    break;
                default:
                    while (source.hasRemaining()) {
                        target.putLong(source.getLong());
                    }
            }
            target.rewind();
            return manager.create(target, shape, type.dataType);
        }
    }

    /** Keeps the zip reader from closing the caller's stream. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {}
    }
}
