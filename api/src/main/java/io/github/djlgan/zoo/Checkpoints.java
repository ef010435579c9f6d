package io.github.djlgan.zoo;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.Utils;
import io.github.djlgan.zoo.ParamsFormat.CorruptFile;
import io.github.djlgan.zoo.ParamsFormat.Source;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checked, all-or-nothing loading of the {@code .params} files written by DJL's {@link Model#save}.
 *
 * <p>DJL's own {@link Model#load} replaces parameters one by one as it reads them: a file that ends
 * early leaves the block half-loaded (and fails with a bare {@code EOFException}); a file of a
 * similar network with other sizes can load without any error (DJL's {@code Linear} takes its units
 * from the file); a corrupt size field in an array's header makes it allocate what the field says
 * (an {@code OutOfMemoryError} for a rank of 0x7FFFFFF0). {@link #load(Model, Path, String)}
 * instead:
 *
 * <ul>
 *   <li>reads the file's header with {@link ParamsHeader} (every count checked against the bytes
 *       left);
 *   <li>initializes an uninitialized block from the input shapes stored in the file, so the
 *       expected shape of every parameter is known (a block that cannot take those shapes is
 *       another architecture);
 *   <li>reads every array itself, in the format of DJL 0.35.1's {@code NDArray.encode}: each field
 *       of an array's header (rank, dimensions, layout length, data type, data length) is checked
 *       against the bytes left in the file, and the shape and data type against the parameter's,
 *       before anything is allocated;
 *   <li>checks that nothing is left over in the file;
 *   <li>on any failure ({@link Throwable}) puts every parameter's own array back, with its values
 *       (an uninitialized block is left uninitialized), and throws a {@link
 *       MalformedModelException} that names the parameter and the offending field or both shapes.
 *       Only an {@link Error} that is not a corrupt file's doing (e.g. running out of memory for an
 *       array the file really holds) is rethrown as it is, after the same restore.
 * </ul>
 *
 * <p>What it cannot check in advance: a block's own metadata (its saved input shapes and options),
 * which DJL's blocks read themselves. A corrupt size there fails inside that block's reader; the
 * error is reported with the position (the parameter it came before), and nothing is changed.
 *
 * <p>The parameters of a successful load are new arrays (as with {@link Model#load}); load before
 * creating a {@code Trainer} or {@code Predictor} on the model.
 */
public final class Checkpoints {

    private static final String NAME = "Checkpoints";

    /** The NDArray encodings DJL reads (1 to 3; DJL 0.35.1 writes 3). */
    private static final int MAX_ARRAY_ENCODING = 3;

    private static final int CHUNK = 1 << 20;

    private Checkpoints() {}

    /**
     * Loads the newest {@code <prefix>-NNNN.params} file of {@code modelDir} into the model's
     * block, checked and all or nothing. The file's properties are copied into the model.
     *
     * @param model the model; its block must be set
     * @param modelDir the directory {@link Model#save} wrote to
     * @param prefix the model name given to {@link Model#save}
     * @throws IOException if the file cannot be found or read
     * @throws MalformedModelException if the file does not fit the block (nothing is changed)
     */
    public static void load(Model model, Path modelDir, String prefix)
            throws IOException, MalformedModelException {
        Block block = model.getBlock();
        if (block == null) {
            throw new IllegalStateException(NAME + ": the model has no block; call setBlock first");
        }
        int epoch = Utils.getCurrentEpoch(modelDir, prefix);
        if (epoch < 0) {
            throw new FileNotFoundException(
                    NAME + ": no " + prefix + "-NNNN.params file in " + modelDir);
        }
        Path file = modelDir.resolve(String.format(Locale.ROOT, "%s-%04d.params", prefix, epoch));
        try (InputStream is = Files.newInputStream(file)) {
            Map<String, String> properties =
                    load(block, model.getNDManager(), is, Files.size(file));
            properties.forEach(model::setProperty);
        }
    }

    /**
     * Loads a {@code .params} stream written by {@link Model#save} into a block, checked and all or
     * nothing. The stream is read into memory first, so that every size field can be checked
     * against the bytes that follow it ({@link #load(Model, Path, String)} reads a file as it
     * goes).
     *
     * @param block the block; if it is not initialized, it is initialized from the input shapes
     *     stored in the file
     * @param manager the manager the parameters are attached to
     * @param stream the file's content
     * @return the properties stored in the file
     * @throws IOException if the stream cannot be read
     * @throws MalformedModelException if the file does not fit the block (nothing is changed)
     */
    public static Map<String, String> load(Block block, NDManager manager, InputStream stream)
            throws IOException, MalformedModelException {
        byte[] bytes = stream.readAllBytes();
        return load(block, manager, new ByteArrayInputStream(bytes), bytes.length);
    }

    private static Map<String, String> load(
            Block block, NDManager manager, InputStream stream, long length)
            throws IOException, MalformedModelException {
        Source source = new Source(new BufferedInputStream(stream), length);
        DataInputStream dis = new DataInputStream(source);
        ParamsHeader header = ParamsHeader.read(dis, source, NAME);
        Shape[] inputShapes = header.getInputShapes().toArray(new Shape[0]);
        boolean wasInitialized = block.isInitialized();
        if (!wasInitialized) {
            try {
                block.initialize(manager, header.getDataType(), inputShapes);
            } catch (RuntimeException e) {
                closeParameters(block);
                throw new MalformedModelException(
                        NAME
                                + ": the file is of another architecture: the block cannot be"
                                + " initialized with the file's input shapes "
                                + Arrays.toString(inputShapes)
                                + ": "
                                + describe(e),
                        e);
            }
        }
        List<Expected> expected = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            expected.add(new Expected(p.getKey(), p.getValue()));
        }
        byte[] snapshot = wasInitialized ? serialize(block) : null;
        ArrayReader reader = new ArrayReader(manager, expected, source, false);
        try {
            readInto(block, reader, dis, expected);
            return new LinkedHashMap<>(header.getProperties());
        } catch (Throwable t) {
            reader.closeCreated();
            if (wasInitialized) {
                restore(block, manager, snapshot, expected);
            } else {
                expected.forEach(e -> e.array.close());
                closeParameters(block);
            }
            Throwable f = failure(t, reader);
            if (f instanceof MalformedModelException m) {
                throw m;
            }
            if (f instanceof IOException io) {
                throw io;
            }
            throw (Error) f;
        }
    }

    private static void readInto(
            Block block, ArrayReader reader, DataInputStream dis, List<Expected> expected)
            throws IOException, MalformedModelException {
        block.loadParameters(reader.manager(), dis);
        if (dis.read() != -1) {
            throw new MalformedModelException(
                    NAME
                            + ": the file is of another architecture: it holds more data after"
                            + " the block's "
                            + expected.size()
                            + " parameters");
        }
        for (Expected want : expected) {
            NDArray got = want.parameter.getArray();
            if (!got.getShape().equals(want.shape) || got.getDataType() != want.dataType) {
                throw mismatch(want, got.getShape(), got.getDataType());
            }
        }
    }

    /**
     * The exception to throw for a failed read (the parameters are already restored): a {@link
     * MalformedModelException}, an {@link IOException} of the stream, or an {@link Error}.
     */
    private static Throwable failure(Throwable t, ArrayReader reader) {
        if (t instanceof CorruptFile) {
            return new MalformedModelException(t.getMessage(), t);
        }
        if (t instanceof MalformedModelException) {
            String message = t.getMessage();
            return message.startsWith(NAME)
                    ? t
                    : new MalformedModelException(
                            NAME + ": the file is of another architecture: " + message, t);
        }
        if (t instanceof EOFException) {
            return new MalformedModelException(
                    NAME + ": the file is truncated: it ended " + reader.position(), t);
        }
        if (t instanceof IOException) {
            return t;
        }
        if (t instanceof RuntimeException
                || (t instanceof OutOfMemoryError && !reader.allocating)) {
            // thrown by a block's own metadata reader (e.g. a negative or huge rank of its saved
            // input shape): a corrupt file, or one of another architecture
            return new MalformedModelException(
                    NAME
                            + ": the file is corrupt or of another architecture: reading failed "
                            + reader.position()
                            + ": "
                            + describe(t),
                    t);
        }
        return t; // an Error while allocating an array the file really holds
    }

    /**
     * Puts every parameter's own array back (the values never changed) and the block's metadata.
     */
    private static void restore(
            Block block, NDManager manager, byte[] snapshot, List<Expected> expected)
            throws IOException, MalformedModelException {
        Source source = new Source(new ByteArrayInputStream(snapshot), snapshot.length);
        ArrayReader originals = new ArrayReader(manager, expected, source, true);
        block.loadParameters(originals.manager(), new DataInputStream(source));
    }

    private static void closeParameters(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            p.getValue().close();
        }
    }

    private static MalformedModelException mismatch(Expected want, Shape shape, DataType type) {
        return new MalformedModelException(
                String.format(
                        Locale.ROOT,
                        "%s: parameter %s has shape %s (%s) in the file, the block expects %s"
                                + " (%s)",
                        NAME,
                        want.path,
                        shape,
                        type,
                        want.shape,
                        want.dataType));
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static byte[] serialize(Block block) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream dos = new DataOutputStream(bytes)) {
            block.saveParameters(dos);
        }
        return bytes.toByteArray();
    }

    /** A parameter before the load: its path, its own array, its shape and type. */
    private static final class Expected {
        final String path;
        final Parameter parameter;
        final NDArray array;
        final Shape shape;
        final DataType dataType;

        Expected(String path, Parameter parameter) {
            this.path = path;
            this.parameter = parameter;
            this.array = parameter.getArray();
            this.shape = array.getShape();
            this.dataType = array.getDataType();
        }
    }

    /**
     * Reads the arrays of the parameters in the order the block loads them (the order of {@code
     * block.getParameters()}), through an {@link NDManager} that answers {@code decode} itself and
     * hands every other call to the real manager. In restore mode it skips each array's data and
     * returns the parameter's own array from before the load.
     */
    private static final class ArrayReader {
        private final NDManager real;
        private final List<Expected> expected;
        private final Source source;
        private final boolean restore;
        private final List<NDArray> created = new ArrayList<>();
        private int next;
        private boolean inRecord;
        boolean allocating;

        ArrayReader(NDManager real, List<Expected> expected, Source source, boolean restore) {
            this.real = real;
            this.expected = expected;
            this.source = source;
            this.restore = restore;
        }

        NDManager manager() {
            return (NDManager)
                    Proxy.newProxyInstance(
                            NDManager.class.getClassLoader(),
                            new Class<?>[] {NDManager.class},
                            (proxy, method, args) -> {
                                if ("decode".equals(method.getName())
                                        && args != null
                                        && args.length == 1
                                        && args[0] instanceof InputStream is) {
                                    return decode(is);
                                }
                                try {
                                    return method.invoke(real, args);
                                } catch (InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
        }

        /** Where the read is, for messages: "before parameter X", "inside parameter X", … */
        String position() {
            if (inRecord && next <= expected.size()) {
                Expected e = expected.get(next - 1);
                return "inside the array of parameter " + e.path + " of shape " + e.shape;
            }
            if (next < expected.size()) {
                Expected e = expected.get(next);
                return "before parameter " + e.path + " of shape " + e.shape;
            }
            return "after the last parameter";
        }

        void closeCreated() {
            created.forEach(NDArray::close);
        }

        /**
         * One array as DJL 0.35.1's {@code NDSerializer.decode(NDManager, InputStream)} reads it.
         */
        private NDArray decode(InputStream in) throws IOException {
            DataInputStream dis = in instanceof DataInputStream d ? d : new DataInputStream(in);
            Expected want = next < expected.size() ? expected.get(next) : null;
            String where =
                    want == null
                            ? "an array after the block's last parameter"
                            : "parameter " + want.path;
            next++;
            inRecord = true;
            String magic = dis.readUTF();
            if (!"NDAR".equals(magic)) {
                throw new CorruptFile(
                        NAME + ": " + where + ": no array record (NDAR) where expected");
            }
            int version = dis.readInt();
            ParamsFormat.check(
                    version >= 1 && version <= MAX_ARRAY_ENCODING,
                    NAME,
                    where,
                    "encoding version",
                    version,
                    source);
            String name = version > 1 && dis.readByte() == 1 ? dis.readUTF() : null;
            dis.readUTF(); // sparse format
            String typeName = dis.readUTF();
            DataType type = dataType(typeName, where);
            Shape shape = ParamsFormat.readShape(dis, source, NAME, where, 0);
            ByteOrder order = ByteOrder.nativeOrder();
            if (version > 2) {
                int mark = dis.readByte();
                if (mark != '<' && mark != '>') {
                    throw new CorruptFile(
                            NAME + ": " + where + ": corrupt byte-order field: " + mark);
                }
                order = mark == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            }
            int length = dis.readInt();
            ParamsFormat.check(
                    length >= 0 && length <= source.left(),
                    NAME,
                    where,
                    "data length",
                    length,
                    source);
            long needed = type.getNumOfBytes(); // -1 if the product overflows
            try {
                for (long dim : shape.getShape()) {
                    needed = Math.multiplyExact(needed, dim);
                }
            } catch (ArithmeticException e) {
                needed = -1;
            }
            if (needed != length) {
                throw new CorruptFile(
                        String.format(
                                Locale.ROOT,
                                "%s: %s: corrupt array header: its shape %s of %s needs %s,"
                                        + " its data length field says %d bytes",
                                NAME,
                                where,
                                shape,
                                type,
                                needed < 0 ? "more than 2^63 bytes" : needed + " bytes",
                                length));
            }
            if (want != null && (!shape.equals(want.shape) || type != want.dataType)) {
                throw new CorruptFile(mismatch(want, shape, type).getMessage());
            }
            NDArray array;
            if (restore) {
                dis.skipNBytes(length);
                array = want.array;
            } else {
                array = read(dis, shape, type, order, length);
                array.setName(name);
            }
            inRecord = false;
            return array;
        }

        private NDArray read(
                DataInputStream dis, Shape shape, DataType type, ByteOrder order, int length)
                throws IOException {
            allocating = true;
            ByteBuffer data = real.allocateDirect(length);
            allocating = false;
            data.order(order);
            byte[] chunk = new byte[Math.min(length, CHUNK)];
            for (int done = 0; done < length; done += chunk.length) {
                int n = Math.min(chunk.length, length - done);
                dis.readFully(chunk, 0, n);
                data.put(chunk, 0, n);
            }
            data.rewind();
            allocating = true;
            NDArray array = real.create(data, shape, type);
            allocating = false;
            created.add(array);
            return array;
        }

        private static DataType dataType(String name, String where) {
            try {
                return DataType.valueOf(name);
            } catch (IllegalArgumentException e) {
                throw new CorruptFile(
                        NAME + ": " + where + ": corrupt data type field: \"" + name + "\"");
            }
        }
    }
}
