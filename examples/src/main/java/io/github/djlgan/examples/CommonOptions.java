package io.github.djlgan.examples;

import ai.djl.engine.Engine;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every example takes: engine, seed and output directory. */
public class CommonOptions {

    /** The DJL engine to run on. */
    @Option(
            names = "--engine",
            defaultValue = "PyTorch",
            description = "DJL engine: PyTorch or MXNet (default: ${DEFAULT-VALUE}).")
    public String engine;

    /** The random seed. */
    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Random seed (default: ${DEFAULT-VALUE}).")
    public long seed;

    /** Where outputs are written. */
    @Option(
            names = "--out",
            defaultValue = "out",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    public Path out;

    /** PyTorch's intra-op threads; {@code null} = the command's default. */
    @Option(
            names = "--threads",
            description =
                    "PyTorch intra-op threads (default: the example's choice). MXNet reads the"
                            + " environment variable OMP_NUM_THREADS instead.")
    public Integer threads;

    /**
     * Returns the selected engine, seeded, with PyTorch's thread count set from {@code --threads}
     * or the given default (it takes effect if PyTorch is not loaded yet in this JVM).
     *
     * @param defaultThreads PyTorch threads when {@code --threads} is not given; 0 = the engine's
     *     default (one per core)
     * @return the engine
     * @throws IllegalArgumentException if the engine is not available
     */
    public Engine engine(int defaultThreads) {
        int n = threads != null ? threads : defaultThreads;
        if (n > 0 && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        }
        return engine();
    }

    /**
     * Returns the selected engine, seeded.
     *
     * @return the engine
     * @throws IllegalArgumentException if the engine is not available
     */
    public Engine engine() {
        if (!Engine.getAllEngines().contains(engine)) {
            throw new IllegalArgumentException(
                    "unknown engine " + engine + "; available: " + Engine.getAllEngines());
        }
        Engine e = Engine.getEngine(engine);
        e.setRandomSeed((int) seed);
        return e;
    }
}
