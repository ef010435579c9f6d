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
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * from the file). {@link #load(Model, Path, String)} instead:
 *
 * <ul>
 *   <li>initializes an uninitialized block from the input shapes stored in the file, so the
 *       expected shape of every parameter is known;
 *   <li>reads the file into the block and then checks every parameter's shape and data type, and
 *       that nothing is left over in the file;
 *   <li>on any failure restores every parameter to its value before the call (an uninitialized
 *       block is left uninitialized) and throws a {@link MalformedModelException} that names the
 *       parameter and gives both shapes.
 * </ul>
 *
 * <p>The parameters of a successful load are new arrays (as with {@link Model#load}); load before
 * creating a {@code Trainer} or {@code Predictor} on the model.
 */
public final class Checkpoints {

    private static final String NAME = "Checkpoints";
    private static final int MODEL_VERSION = 1;

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
            Map<String, String> properties = load(block, model.getNDManager(), is);
            properties.forEach(model::setProperty);
        }
    }

    /**
     * Loads a {@code .params} stream written by {@link Model#save} into a block, checked and all or
     * nothing.
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
        DataInputStream dis = new DataInputStream(new BufferedInputStream(stream));
        Header header = Header.read(dis);
        boolean wasInitialized = block.isInitialized();
        if (!wasInitialized) {
            block.initialize(manager, header.dataType, header.inputShapes);
        }
        Map<String, Parameter> parameters = new LinkedHashMap<>();
        Map<String, Expected> expected = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().getArray();
            parameters.put(p.getKey(), p.getValue());
            expected.put(p.getKey(), new Expected(array, array.getShape(), array.getDataType()));
        }
        byte[] snapshot = wasInitialized ? serialize(block) : null;
        try {
            readInto(block, manager, dis, parameters, expected);
            return header.properties;
        } catch (MalformedModelException | IOException | RuntimeException e) {
            if (wasInitialized) {
                block.loadParameters(
                        manager, new DataInputStream(new ByteArrayInputStream(snapshot)));
            } else {
                parameters.values().forEach(Parameter::close);
            }
            if (e instanceof MalformedModelException || e instanceof IOException) {
                throw e;
            }
            throw new MalformedModelException(NAME + ": " + e.getMessage(), e);
        }
    }

    private static void readInto(
            Block block,
            NDManager manager,
            DataInputStream dis,
            Map<String, Parameter> parameters,
            Map<String, Expected> expected)
            throws IOException, MalformedModelException {
        try {
            block.loadParameters(manager, dis);
        } catch (EOFException e) {
            throw new MalformedModelException(
                    NAME + ": the file is truncated: it ended " + firstUnread(parameters, expected),
                    e);
        } catch (MalformedModelException e) {
            throw new MalformedModelException(
                    NAME + ": the file is of another architecture: " + e.getMessage(), e);
        }
        if (dis.read() != -1) {
            throw new MalformedModelException(
                    NAME
                            + ": the file is of another architecture: it holds more data after"
                            + " the block's "
                            + parameters.size()
                            + " parameters");
        }
        for (Map.Entry<String, Parameter> p : parameters.entrySet()) {
            Expected want = expected.get(p.getKey());
            NDArray got = p.getValue().getArray();
            if (!got.getShape().equals(want.shape) || got.getDataType() != want.dataType) {
                throw new MalformedModelException(
                        String.format(
                                Locale.ROOT,
                                "%s: parameter %s has shape %s (%s) in the file, the block"
                                        + " expects %s (%s)",
                                NAME,
                                p.getKey(),
                                got.getShape(),
                                got.getDataType(),
                                want.shape,
                                want.dataType));
            }
        }
    }

    /** Describes the first parameter that still holds its old array after a failed read. */
    private static String firstUnread(
            Map<String, Parameter> parameters, Map<String, Expected> expected) {
        for (Map.Entry<String, Parameter> p : parameters.entrySet()) {
            Expected want = expected.get(p.getKey());
            if (!p.getValue().isInitialized() || p.getValue().getArray() == want.array) {
                return "before parameter " + p.getKey() + " of shape " + want.shape;
            }
        }
        return "after the last parameter";
    }

    private static byte[] serialize(Block block) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream dos = new DataOutputStream(bytes)) {
            block.saveParameters(dos);
        }
        return bytes.toByteArray();
    }

    /** A parameter's array, shape and type before the load. */
    private static final class Expected {
        final NDArray array;
        final Shape shape;
        final DataType dataType;

        Expected(NDArray array, Shape shape, DataType dataType) {
            this.array = array;
            this.shape = shape;
            this.dataType = dataType;
        }
    }

    /** The header {@link Model#save} writes before the block's parameters (DJL 0.35.1). */
    private static final class Header {
        DataType dataType;
        Shape[] inputShapes;
        Map<String, String> properties = new LinkedHashMap<>();

        static Header read(DataInputStream dis) throws IOException, MalformedModelException {
            Header h = new Header();
            try {
                byte[] magic = new byte[4];
                dis.readFully(magic);
                if (!"DJL@".equals(new String(magic, StandardCharsets.US_ASCII))) {
                    throw new MalformedModelException(
                            NAME + ": not a DJL parameter file (no DJL@ header)");
                }
                int version = dis.readInt();
                if (version != MODEL_VERSION) {
                    throw new MalformedModelException(
                            NAME + ": unsupported parameter file version " + version);
                }
                dis.readUTF(); // model name
                h.dataType = DataType.valueOf(dis.readUTF());
                int inputs = dis.readInt();
                List<Shape> shapes = new ArrayList<>();
                for (int i = 0; i < inputs; i++) {
                    dis.readUTF(); // input name
                    shapes.add(Shape.decode(dis));
                }
                h.inputShapes = shapes.toArray(new Shape[0]);
                int properties = dis.readInt();
                for (int i = 0; i < properties; i++) {
                    h.properties.put(dis.readUTF(), dis.readUTF());
                }
            } catch (EOFException e) {
                throw new MalformedModelException(
                        NAME + ": the file is truncated: it ended inside the header", e);
            } catch (IllegalArgumentException e) {
                throw new MalformedModelException(NAME + ": corrupt header: " + e.getMessage(), e);
            }
            return h;
        }
    }
}
