package io.github.djlgan.zoo;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.zoo.ParamsFormat.CorruptFile;
import io.github.djlgan.zoo.ParamsFormat.Source;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header that DJL's {@link Model#save} writes at the start of a {@code .params} file, before
 * the block's parameters (DJL 0.35.1, file version 1):
 *
 * <pre>
 *   "DJL@"                      4 bytes
 *   version                     int, 1
 *   model name                  UTF
 *   data type                   UTF, e.g. "FLOAT32"
 *   input count                 int
 *   per input: name (UTF), shape (int rank, rank longs, int layout length, layout chars)
 *   property count              int
 *   per property: key (UTF), value (UTF)
 * </pre>
 *
 * <p>Every count and size is checked against the bytes left in the file before anything is
 * allocated, so a corrupt file is reported as such rather than running out of memory. This is the
 * one reader of the header: {@link Checkpoints} reads it before the parameters, {@link
 * ModelPackager} to describe the packaged model's input.
 */
public final class ParamsHeader {

    private static final int VERSION = 1;

    private final String modelName;
    private final DataType dataType;
    private final List<String> inputNames;
    private final List<Shape> inputShapes;
    private final Map<String, String> properties;

    private ParamsHeader(
            String modelName,
            DataType dataType,
            List<String> inputNames,
            List<Shape> inputShapes,
            Map<String, String> properties) {
        this.modelName = modelName;
        this.dataType = dataType;
        this.inputNames = Collections.unmodifiableList(inputNames);
        this.inputShapes = Collections.unmodifiableList(inputShapes);
        this.properties = Collections.unmodifiableMap(properties);
    }

    /**
     * Reads the header of a {@code .params} file.
     *
     * @param file the file written by {@link Model#save}
     * @return the header
     * @throws IOException if the file cannot be read
     * @throws MalformedModelException if the file is not a DJL parameter file of version 1, or a
     *     field of its header is corrupt; the message starts with "ParamsHeader: " and the file's
     *     name
     */
    public static ParamsHeader read(Path file) throws IOException, MalformedModelException {
        try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
            Source source = new Source(is, Files.size(file));
            return read(new DataInputStream(source), source, "ParamsHeader: " + file.getFileName());
        }
    }

    /**
     * Reads the header from a stream positioned at the start of the file; afterwards the stream is
     * positioned at the block's parameters.
     *
     * @param dis the stream, reading from {@code source}
     * @param source the counting stream under {@code dis}
     * @param owner the name that starts error messages
     */
    static ParamsHeader read(DataInputStream dis, Source source, String owner)
            throws IOException, MalformedModelException {
        try {
            byte[] magic = new byte[4];
            dis.readFully(magic);
            if (!"DJL@".equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new MalformedModelException(
                        owner + ": not a DJL parameter file (no DJL@ header)");
            }
            int version = dis.readInt();
            if (version != VERSION) {
                throw new MalformedModelException(
                        owner + ": unsupported parameter file version " + version);
            }
            String modelName = dis.readUTF();
            String type = dis.readUTF();
            DataType dataType;
            try {
                dataType = DataType.valueOf(type);
            } catch (IllegalArgumentException e) {
                throw new CorruptFile(
                        owner + ": the file header: corrupt data type field: \"" + type + "\"");
            }
            int inputs = dis.readInt();
            // each input: a name (2 bytes at least) and a shape (8 bytes at least)
            ParamsFormat.check(
                    inputs >= 0 && 10L * inputs <= source.left(),
                    owner,
                    "the file header",
                    "input count",
                    inputs,
                    source);
            List<String> names = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            for (int i = 0; i < inputs; i++) {
                names.add(dis.readUTF());
                shapes.add(
                        ParamsFormat.readShape(
                                dis, source, owner, "the file header's input shape " + i, -1));
            }
            int count = dis.readInt();
            ParamsFormat.check(
                    count >= 0 && 4L * count <= source.left(),
                    owner,
                    "the file header",
                    "property count",
                    count,
                    source);
            Map<String, String> properties = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                properties.put(dis.readUTF(), dis.readUTF());
            }
            return new ParamsHeader(modelName, dataType, names, shapes, properties);
        } catch (EOFException e) {
            throw new MalformedModelException(
                    owner + ": the file is truncated: it ended inside the header", e);
        } catch (CorruptFile e) {
            throw new MalformedModelException(e.getMessage(), e);
        }
    }

    /**
     * Returns the name of the model that was saved.
     *
     * @return the model name stored in the file
     */
    public String getModelName() {
        return modelName;
    }

    /**
     * Returns the model's data type.
     *
     * @return the data type stored in the file
     */
    public DataType getDataType() {
        return dataType;
    }

    /**
     * Returns the names of the block's inputs.
     *
     * @return the input names, in order (unmodifiable)
     */
    public List<String> getInputNames() {
        return inputNames;
    }

    /**
     * Returns the shapes the block was initialized with, the batch size included.
     *
     * @return the input shapes, in order (unmodifiable)
     */
    public List<Shape> getInputShapes() {
        return inputShapes;
    }

    /**
     * Returns the model's properties ({@code Model.setProperty}).
     *
     * @return the properties, in the file's order (unmodifiable)
     */
    public Map<String, String> getProperties() {
        return properties;
    }
}
