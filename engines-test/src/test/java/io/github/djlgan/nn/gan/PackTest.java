package io.github.djlgan.nn.gan;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** {@link Pack}: shapes, values by index arithmetic, gradient, save/load, bad inputs. */
public class PackTest extends EngineTest {

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public PackTest(String engine) {
        super(engine);
    }

    /** y[i, j·C + c, p] = x[i·m + j, c, p], by loops over the row-major buffers. */
    static double[] expected(double[] x, Shape s, int m) {
        int n = (int) s.get(0);
        int c = (int) s.get(1);
        int p = (int) s.slice(2).size();
        double[] y = new double[x.length];
        for (int i = 0; i < n / m; i++) {
            for (int j = 0; j < m; j++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int q = 0; q < p; q++) {
                        int out = (i * (m * c) + j * c + ch) * p + q;
                        y[out] = x[((i * m + j) * c + ch) * p + q];
                    }
                }
            }
        }
        return y;
    }

    private void checkValues(int m, long... dims) {
        Shape shape = new Shape(dims);
        NDArray x = randn(3, DataType.FLOAT64, dims);
        Pack pack = Pack.builder().setPackSize(m).build();
        pack.initialize(manager, DataType.FLOAT32, shape);
        NDArray y = forward(pack, true, x);
        Shape out = new Shape(dims[0] / m, dims[1] * m).addAll(shape.slice(2));
        assertEquals(y.getShape(), out);
        assertEquals(pack.getOutputShapes(new Shape[] {shape})[0], out);
        NDAssert.assertClose(y, manager.create(expected(x.toDoubleArray(), shape, m), out), 0, 0);
    }

    @Test
    public void packsConsecutiveSamplesAlongAxisOne() {
        checkValues(2, 6, 3);
        checkValues(4, 8, 2);
        checkValues(3, 6, 2, 3, 2);
        checkValues(1, 5, 2);
    }

    @Test
    public void unknownBatchSizeStaysUnknown() {
        Pack pack = Pack.builder().setPackSize(2).build();
        assertEquals(
                pack.getOutputShapes(new Shape[] {new Shape(-1, 3, 4)})[0], new Shape(-1, 6, 4));
    }

    @Test
    public void gradientFlowsToEverySample() {
        Pack pack = Pack.builder().setPackSize(2).build();
        NDArray x = randn(4, DataType.FLOAT64, 4, 3, 2);
        pack.initialize(manager, DataType.FLOAT64, x.getShape());
        GradientCheck.of(pack).check(manager, x);
    }

    @Test
    public void savesAndLoadsItsConfiguration() {
        Pack pack = Pack.builder().setPackSize(2).build();
        pack.initialize(manager, DataType.FLOAT32, new Shape(4, 3));
        RoundTrip.assertSameAfterReload(
                manager, pack, Pack.builder().setPackSize(2).build(), randn(1, 4, 3));
    }

    @Test
    public void loadIntoAnotherPackSizeFails() {
        Pack saved = Pack.builder().setPackSize(2).build();
        saved.initialize(manager, DataType.FLOAT32, new Shape(4, 3));
        RoundTrip.assertLoadRefused(
                manager,
                saved,
                Pack.builder().setPackSize(4).build(),
                "Pack",
                "packSize=2",
                "packSize=4");
    }

    @Test
    public void aBatchNotDivisibleByThePackSizeIsRefused() {
        Pack pack = Pack.builder().setPackSize(4).build();
        NDArray x = randn(1, 6, 3);
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> forward(pack, true, x));
        assertMessage(e, "Pack", "divisible by the pack size 4", "(6, 3)");
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> pack.initialize(manager, DataType.FLOAT32, new Shape(6, 3))),
                "Pack",
                "(6, 3)");
    }

    @Test
    public void aRankOneInputIsRefused() {
        Pack pack = Pack.builder().setPackSize(2).build();
        NDArray x = randn(1, 6);
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> forward(pack, true, x)),
                "Pack",
                "rank >= 2",
                "(6)");
    }

    @Test
    public void aPackSizeBelowOneIsRefused() {
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Pack.builder().setPackSize(0).build()),
                "Pack",
                "setPackSize",
                "0");
    }

    @Test
    public void packRejectsAPackSizeBelowOne() {
        // 0 would divide by zero; -2 divides N = 6 and would fail in the reshape
        NDArray x = randn(1, 6, 3);
        for (int m : new int[] {0, -2}) {
            assertMessage(
                    expectThrows(IllegalArgumentException.class, () -> Pack.pack(x, m)),
                    "Pack:",
                    "pack size >= 1",
                    "got " + m,
                    "(6, 3)");
        }
    }
}
