package io.github.djlgan.lasagne;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.github.djlgan.testing.Npy;
import java.io.ByteArrayInputStream;

/**
 * Run in a forked JVM by {@link NpzFileTest}: imports one {@code .npz} per dtype given on the
 * command line into a Linear layer and prints one line per dtype, {@code RESULT <dtype> <outcome>}.
 * Before the dtype check existed, DJL's PyTorch engine aborted the process on some of these.
 */
public final class UnsupportedDtypeChild {

    private UnsupportedDtypeChild() {}

    /**
     * Runs the imports.
     *
     * @param args the engine name, then the dtype strings (e.g. {@code <u2})
     */
    public static void main(String[] args) {
        try (NDManager manager = Engine.getEngine(args[0]).newBaseManager()) {
            for (int i = 1; i < args.length; i++) {
                String descr = args[i];
                Linear dense = Linear.builder().setUnits(2).optBias(false).build();
                dense.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
                // Lasagne's W is (in, out) = (1, 2): two elements of 1 byte up to 16 bytes each
                int itemSize = Integer.parseInt(descr.replaceAll("[^0-9]", ""));
                byte[] npz = Npy.npz(Npy.npy(descr, "(1, 2)", new byte[2 * itemSize]));
                String outcome;
                try {
                    LasagneParams.load(dense, new ByteArrayInputStream(npz));
                    outcome = "loaded";
                } catch (Exception e) {
                    outcome = e.getClass().getName() + ": " + e.getMessage();
                }
                System.out.println("RESULT " + descr + " " + outcome);
                System.out.flush();
            }
        }
        System.out.println("DONE");
    }
}
