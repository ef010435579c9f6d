package io.github.djlgan.lasagne;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.ForkedJvm;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.Npy;
import java.io.ByteArrayInputStream;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * How {@link LasagneParams} reads the {@code .npy} arrays of an {@code .npz}: byte orders and float
 * types convert exactly, every other dtype and every malformed header is an {@link
 * IllegalArgumentException} naming the array, and nothing is assigned. The files are written byte
 * by byte ({@link Npy}), not by DJL.
 */
public class NpzFileTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public NpzFileTest(String engine) {
        super(engine);
    }

    /** Linear(2 units) on 3 features: Lasagne's W is (3, 2), b is (2). */
    private Linear dense() {
        return init(Linear.builder().setUnits(2).build(), DataType.FLOAT32, new Shape(1, 3));
    }

    private static void load(Linear dense, byte[] npz) throws Exception {
        LasagneParams.load(dense, new ByteArrayInputStream(npz));
    }

    private IllegalArgumentException rejected(byte[] npz) {
        Linear dense = dense();
        float[] weight = dense.getParameters().get("weight").getArray().toFloatArray();
        float[] bias = dense.getParameters().get("bias").getArray().toFloatArray();
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> load(dense, npz));
        assertEquals(dense.getParameters().get("weight").getArray().toFloatArray(), weight);
        assertEquals(dense.getParameters().get("bias").getArray().toFloatArray(), bias);
        return e;
    }

    private static final float[] W = {0.1f, -2.5f, 3e-8f, 65504f, -0f, 1.17549435e-38f};
    private static final float[] B = {0.3f, -7f};

    /**
     * Dtypes that DJL 0.35.1 cannot make into an engine array (the PyTorch engine aborts the JVM on
     * uint16, int16, uint32 and uint64; MXNet fails or reads garbage), and the other non-float
     * dtypes: each is rejected by name, before any engine array exists. Run in a forked JVM, so
     * that an abort cannot take the suite with it.
     */
    @Test
    public void nonFloatDtypesAreRejectedAndNeverAbortTheJvm() throws Exception {
        String[] dtypes = {"<u2", "<i2", "<u4", "<u8", "<i4", "<i8", "|u1", "|i1", "|b1", "<c8"};
        String[] args = new String[dtypes.length + 1];
        args[0] = engineName;
        System.arraycopy(dtypes, 0, args, 1, dtypes.length);
        ForkedJvm.Result result = ForkedJvm.run(UnsupportedDtypeChild.class, args);
        assertEquals(result.exitCode, 0, result.toString());
        assertTrue(result.output.contains("DONE"), result.toString());
        for (String dtype : dtypes) {
            String line =
                    Arrays.stream(result.output.split("\n"))
                            .filter(l -> l.startsWith("RESULT " + dtype + " "))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no line for " + dtype));
            assertTrue(
                    line.contains("IllegalArgumentException")
                            && line.contains("LasagneParams")
                            && line.contains("arr_0")
                            && line.contains("'" + dtype + "'")
                            && line.contains("nothing was assigned"),
                    line);
        }
    }

    @Test
    public void bigEndianArraysLoadWithTheirValues() throws Exception {
        Linear dense = dense();
        byte[] w = Npy.npy(">f4", "(3, 2)", Npy.floats(ByteOrder.BIG_ENDIAN, W));
        byte[] b = Npy.npy(">f8", "(2,)", Npy.doubles(ByteOrder.BIG_ENDIAN, 0.3, -7));
        load(dense, Npy.npz(w, b));
        NDArray expected = manager.create(W, new Shape(3, 2)).transpose();
        NDAssert.assertEqual(dense.getParameters().get("weight").getArray(), expected);
        assertEquals(dense.getParameters().get("bias").getArray().toFloatArray(), B);
    }

    @Test
    public void float16ArraysLoadExactly() throws Exception {
        Linear dense = dense();
        // 0.5, -1.25, 3, 1024, 2^-24 (the smallest subnormal), 65504 (the largest half)
        short[] halves = {0x3800, (short) 0xBD00, 0x4200, 0x6400, 0x0001, 0x7BFF};
        float[] values = {0.5f, -1.25f, 3f, 1024f, 5.9604645e-8f, 65504f};
        java.nio.ByteBuffer le = java.nio.ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer be = java.nio.ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN);
        for (short h : halves) {
            le.putShort(h);
        }
        be.putShort((short) 0x3800).putShort((short) 0xC000); // 0.5, -2
        load(
                dense,
                Npy.npz(Npy.npy("<f2", "(3, 2)", le.array()), Npy.npy(">f2", "(2,)", be.array())));
        NDArray expected = manager.create(values, new Shape(3, 2)).transpose();
        NDAssert.assertEqual(dense.getParameters().get("weight").getArray(), expected);
        assertEquals(
                dense.getParameters().get("bias").getArray().toFloatArray(),
                new float[] {0.5f, -2f});
    }

    @Test
    public void absurdHeaderShapeIsRejectedByName() {
        byte[] w = Npy.npy("<f4", "(100000, 100000)", Npy.floats(ByteOrder.LITTLE_ENDIAN, W));
        byte[] b = Npy.npy("<f4", "(2,)", Npy.floats(ByteOrder.LITTLE_ENDIAN, B));
        IllegalArgumentException e = rejected(Npy.npz(w, b));
        assertMessage(e, "LasagneParams", "arr_0", "(100000, 100000)", "nothing was assigned");
        // 2^32 · 2^32 · 4 elements: a product that wraps to 0 in 64 bits, with no data at all
        w = Npy.npy("<f4", "(4294967296, 4294967296, 4)", new byte[0]);
        e = rejected(Npy.npz(w, b));
        assertMessage(e, "LasagneParams", "arr_0", "(4294967296, 4294967296, 4)", "2^63");
    }

    @Test
    public void headerShapeLargerThanItsDataIsRejectedByName() {
        byte[] w = Npy.npy("<f4", "(3, 2)", Npy.floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4));
        byte[] b = Npy.npy("<f4", "(2,)", Npy.floats(ByteOrder.LITTLE_ENDIAN, B));
        IllegalArgumentException e = rejected(Npy.npz(w, b));
        assertMessage(e, "LasagneParams", "arr_0", "(3, 2)", "24 bytes", "16");
    }

    @Test
    public void dataAfterTheArrayIsRejectedByName() {
        byte[] b = Npy.npy("<f4", "(2,)", Npy.floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3));
        byte[] w = Npy.npy("<f4", "(3, 2)", Npy.floats(ByteOrder.LITTLE_ENDIAN, W));
        IllegalArgumentException e = rejected(Npy.npz(w, b));
        assertMessage(e, "LasagneParams", "arr_1", "(2)", "8 bytes", "12");
    }

    @Test
    public void negativeHeaderDimensionIsRejectedByName() {
        byte[] w = Npy.npy("<f4", "(-3, -2)", Npy.floats(ByteOrder.LITTLE_ENDIAN, W));
        byte[] b = Npy.npy("<f4", "(2,)", Npy.floats(ByteOrder.LITTLE_ENDIAN, B));
        IllegalArgumentException e = rejected(Npy.npz(w, b));
        assertMessage(e, "LasagneParams", "arr_0", "-3");
    }

    @Test
    public void entryThatIsNotAnNpyArrayIsRejectedByName() {
        byte[] b = Npy.npy("<f4", "(2,)", Npy.floats(ByteOrder.LITTLE_ENDIAN, B));
        IllegalArgumentException e = rejected(Npy.npz(new byte[] {1, 2, 3}, b));
        assertMessage(e, "LasagneParams", "arr_0", ".npy");
    }
}
