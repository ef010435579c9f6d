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
