package io.github.djlgan.examples.report;

import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hand-made {@code curves.csv} files in a temporary directory, for the tests of the commands that
 * read them ({@code plot-curves}, {@code curves-table}).
 */
public final class CurvesFixture {

    /** The header {@code mode-coverage} writes, spelt out here rather than taken from the code. */
    public static final String HEADER =
            "protocol,data,variant,seed,iteration,modes,of,hq_pct,rkl,loss_d,loss_g";

    /**
     * Two grid runs, the first one's iteration 200 written twice (a resumed run; the second row
     * counts), and one ring run of another protocol.
     */
    public static final String SAMPLE =
            HEADER
                    + "\n"
                    + "pacgan,grid,gan,1,100,3,25,10.00,2.0000,1.2000,0.9000\n"
                    + "pacgan,grid,gan,1,200,5,25,20.00,1.5000,1.0000,1.1000\n"
                    + "pacgan,grid,pac2,2,100,4,25,12.00,1.8000,1.3000,0.8000\n"
                    + "pacgan,grid,gan,1,200,6,25,30.00,1.2500,0.9000,1.2000\n"
                    + "pacgan,grid,pac2,2,200,7,25,40.00,1.1000,1.1000,1.0000\n"
                    + "metz,ring,gan,1,2500,8,8,70.00,0.0100,1.3800,0.7000\n";

    private final Path dir;

    /**
     * Creates the temporary directory.
     *
     * @param prefix the directory name's prefix
     * @throws IOException if it cannot be created
     */
    public CurvesFixture(String prefix) throws IOException {
        dir = Files.createTempDirectory(prefix);
    }

    /**
     * Returns the directory.
     *
     * @return the temporary directory
     */
    public Path dir() {
        return dir;
    }

    /**
     * Writes a file in the directory.
     *
     * @param name the file name
     * @param text its content
     * @return the file
     * @throws IOException if it cannot be written
     */
    public Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** Deletes the directory and what is in it. */
    public void delete() {
        TempDirs.delete(dir);
    }
}
