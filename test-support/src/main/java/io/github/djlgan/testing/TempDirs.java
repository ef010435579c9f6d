package io.github.djlgan.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deleting the temporary directory trees that tests create. */
public final class TempDirs {

    private TempDirs() {}

    /**
     * Deletes each directory tree, deepest entries first, as far as it can: temporary files only,
     * so a failure (or a null or missing directory) is ignored rather than hiding a test's result.
     *
     * @param dirs the directories
     */
    public static void delete(Path... dirs) {
        for (Path dir : dirs) {
            if (dir == null || !Files.exists(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // temporary files; nothing to do
            }
        }
    }
}
