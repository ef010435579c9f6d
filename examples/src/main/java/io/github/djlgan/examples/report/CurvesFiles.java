package io.github.djlgan.examples.report;

import io.github.djlgan.examples.report.Curves.Run;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options that name the {@code curves.csv} files a command reads ({@code --curves}, {@code
 * --label}): a picocli mixin of {@code plot-curves} and {@code curves-table}.
 */
public final class CurvesFiles {

    @Option(
            names = "--curves",
            required = true,
            arity = "1..*",
            paramLabel = "FILE",
            description = "curves.csv files written by mode-coverage, one or more.")
    List<Path> files;

    @Option(
            names = "--label",
            paramLabel = "FILE=TEXT",
            description =
                    "Puts TEXT before the names of FILE's runs (repeatable); runs of files with"
                            + " different labels are different runs.")
    Map<Path, String> labels = new LinkedHashMap<>();

    /** Creates the options; picocli sets them. */
    public CurvesFiles() {}

    /**
     * Returns the files named.
     *
     * @return the {@code --curves} files, in order
     */
    public List<Path> files() {
        return files;
    }

    /**
     * Reads the files' runs.
     *
     * @return the runs, as {@link Curves#read} returns them
     * @throws IllegalArgumentException as {@link Curves#read} throws it
     */
    public List<Run> read() {
        return Curves.read(files, labels);
    }
}
