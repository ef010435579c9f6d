package io.github.djlgan.examples.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident set size, read from {@code /proc/self/status} (Linux). Native memory of
 * both engines is counted here, which the JVM's own counters do not see.
 */
public final class Memory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private Memory() {}

    /**
     * Returns the current resident set size.
     *
     * @return VmRSS in bytes, or -1 where /proc is not available
     */
    public static long rss() {
        return read("VmRSS:");
    }

    /**
     * Returns the high-water mark of the resident set size since the start or the last {@link
     * #resetPeak()}.
     *
     * @return VmHWM in bytes, or -1 where /proc is not available
     */
    public static long peak() {
        return read("VmHWM:");
    }

    /**
     * Resets the high-water mark to the current RSS (Linux ≥ 4.0, {@code echo 5 >
     * /proc/self/clear_refs}).
     *
     * @return whether the reset worked
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static long read(String key) {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
