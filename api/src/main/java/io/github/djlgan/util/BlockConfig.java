package io.github.djlgan.util;

import ai.djl.MalformedModelException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A block's configuration (the builder options that shape its parameters and its maths), saved
 * beside its parameters and compared when they are loaded, so that a file is never loaded into a
 * block built differently.
 *
 * <p>Each block's {@code saveMetadata} writes {@code config().save(os)} after its input shapes, and
 * its {@code loadMetadata} reads the saved one ({@link #read}) and compares ({@link #check}; {@link
 * #checkSaved} does both), which throws a {@link MalformedModelException} such as {@code
 * "NetworkInNetwork: saved with units=4, bias=true, untieBiases=false; this block has units=5,
 * bias=true, untieBiases=false"}. Values are stored as their string form ({@link String#valueOf};
 * arrays with {@link Arrays#toString}), which is exact for floats and readable in a hex dump.
 */
public final class BlockConfig {

    private final String block;
    private final Map<String, String> entries = new LinkedHashMap<>();

    private BlockConfig(String block) {
        this.block = block;
    }

    /**
     * Starts the configuration of a block.
     *
     * @param block the block's name, for messages
     * @return an empty configuration
     */
    public static BlockConfig of(String block) {
        return new BlockConfig(block);
    }

    /**
     * Adds an option.
     *
     * @param key the option's name
     * @param value its value: a number, boolean, string, {@code Shape}, enum or {@code int[]}
     * @return this configuration
     */
    public BlockConfig add(String key, Object value) {
        entries.put(
                key,
                value instanceof int[] ? Arrays.toString((int[]) value) : String.valueOf(value));
        return this;
    }

    /**
     * Writes the configuration.
     *
     * @param os the stream
     * @throws IOException if writing fails
     */
    public void save(DataOutputStream os) throws IOException {
        os.writeInt(entries.size());
        for (Map.Entry<String, String> e : entries.entrySet()) {
            os.writeUTF(e.getKey());
            os.writeUTF(e.getValue());
        }
    }

    /**
     * Reads a saved configuration.
     *
     * @param is the stream, positioned where {@link #save} wrote
     * @return the saved options, in order
     * @throws IOException if reading fails
     */
    public static Map<String, String> read(DataInputStream is) throws IOException {
        int count = is.readInt();
        if (count < 0 || count > 1024) {
            throw new IOException("corrupt block configuration: " + count + " entries");
        }
        Map<String, String> saved = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            saved.put(is.readUTF(), is.readUTF());
        }
        return saved;
    }

    /**
     * Reads a saved configuration and checks that it equals this one.
     *
     * @param is the stream, positioned where {@link #save} wrote
     * @throws IOException if reading fails
     * @throws MalformedModelException if the saved configuration differs, naming both
     */
    public void checkSaved(DataInputStream is) throws IOException, MalformedModelException {
        check(read(is));
    }

    /**
     * Checks that a saved configuration equals this one.
     *
     * @param saved the saved options
     * @throws MalformedModelException if they differ, naming both configurations
     */
    public void check(Map<String, String> saved) throws MalformedModelException {
        if (!saved.equals(entries)) {
            throw new MalformedModelException(
                    block
                            + ": saved with "
                            + describe(saved)
                            + "; this block has "
                            + describe(entries));
        }
    }

    /**
     * Checks the version byte of a block's saved parameters.
     *
     * @param block the block's name
     * @param expected the version the block writes
     * @param loaded the version found in the file
     * @throws MalformedModelException if they differ
     */
    public static void checkVersion(String block, byte expected, byte loaded)
            throws MalformedModelException {
        if (loaded != expected) {
            throw new MalformedModelException(
                    block
                            + ": unsupported parameter file version "
                            + loaded
                            + ", expected "
                            + expected);
        }
    }

    private static String describe(Map<String, String> options) {
        StringJoiner joiner = new StringJoiner(", ");
        options.forEach((k, v) -> joiner.add(k + "=" + v));
        return joiner.toString();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return block + "(" + describe(entries) + ")";
    }
}
