package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class PixelNormTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public PixelNormTest(String engine) {
        super(engine);
    }

    @Test
    public void matchesTheFormulaForEveryRank() {
        for (long[] dims : new long[][] {{4, 6}, {3, 5, 7}, {2, 4, 3, 5}, {2, 3, 2, 2, 2}}) {
            Shape shape = new Shape(dims);
            NDArray x = randn(dims.length, dims);
            PixelNorm pn = PixelNorm.builder().build();
            for (boolean training : new boolean[] {false, true}) {
                NDArray y = forward(pn, training, x);
                NDAssert.assertClose(
                        y,
                        Formulas.pixelNorm(NDAssert.toDoubles(x), shape, 1e-8),
                        shape,
                        1e-5,
                        1e-6);
            }
        }
        // float64, another ε
        NDArray x = randn(9, DataType.FLOAT64, 3, 4, 2);
        NDArray y = forward(PixelNorm.builder().optEpsilon(0.5f).build(), false, x);
        assertEquals(y.getDataType(), DataType.FLOAT64);
        NDAssert.assertClose(
                y,
                Formulas.pixelNorm(NDAssert.toDoubles(x), x.getShape(), 0.5),
                x.getShape(),
                1e-12,
                1e-14);
    }

    @Test
    public void everyOutputVectorHasUnitRootMeanSquare() {
        NDArray y = forward(PixelNorm.builder().build(), false, randn(3, 2, 16, 3, 3).mul(50));
        NDArray meanSquare = y.square().mean(new int[] {1});
        NDAssert.assertAllClose(meanSquare, 1, 1e-5, 0);
    }

    @Test
    public void zeroVectorsStayZero() {
        NDArray y = forward(PixelNorm.builder().build(), true, manager.zeros(new Shape(2, 3, 2)));
        NDAssert.assertAllClose(y, 0, 0, 0);
    }

    /** Float16 is computed in float32: squares of 300 overflow float16 (max 65504). */
    @Test
    public void float16IsComputedInFloat32() {
        NDArray x = manager.full(new Shape(2, 4, 3), 300f).toType(DataType.FLOAT16, false);
        NDArray y = forward(PixelNorm.builder().build(), false, x);
        assertEquals(y.getDataType(), DataType.FLOAT16);
        NDAssert.assertAllClose(y, 1, 1e-3, 0);
    }

    @Test
    public void gradients() {
        PixelNorm pn = PixelNorm.builder().optEpsilon(1e-3f).build();
        GradientCheck.of(pn).check(manager, randn(11, DataType.FLOAT64, 3, 4, 2, 2));
        GradientCheck.of(pn).check(manager, randn(12, DataType.FLOAT64, 5, 6));
    }

    @Test
    public void sizesMayChangeBetweenCalls() {
        PixelNorm pn = PixelNorm.builder().build();
        pn.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 4, 4));
        for (Shape s :
                new Shape[] {new Shape(5, 7, 2, 2), new Shape(0, 3, 4, 4), new Shape(2, 3)}) {
            assertEquals(forward(pn, false, manager.ones(s)).getShape(), s);
        }
    }

    @Test
    public void saveLoadRoundTrip() {
        PixelNorm trained = PixelNorm.builder().optEpsilon(1e-4f).build();
        init(trained, DataType.FLOAT32, new Shape(2, 3, 4));
        RoundTrip.assertSameAfterReload(
                manager,
                trained,
                PixelNorm.builder().optEpsilon(1e-4f).build(),
                randn(20, 2, 3, 4));
    }

    @Test
    public void loadIntoDifferentConfigurationFails() {
        PixelNorm trained = PixelNorm.builder().build();
        init(trained, DataType.FLOAT32, new Shape(2, 3));
        RoundTrip.assertLoadRefused(
                manager,
                trained,
                PixelNorm.builder().optEpsilon(1e-3f).build(),
                "PixelNorm",
                "epsilon=1.0E-8",
                "epsilon=0.001");
    }

    @Test
    public void badInputsAndOptionsAreRejected() {
        PixelNorm pn = PixelNorm.builder().build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(pn, false, manager.ones(new Shape(5))));
        assertMessage(e, "PixelNorm", "rank >= 2", "(5)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(pn, false, manager.ones(new Shape(2, 3), DataType.INT32)));
        assertMessage(e, "PixelNorm", "floating-point", "int32", "(2, 3)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(pn, true, manager.ones(new Shape(2, 0, 3))));
        assertMessage(e, "PixelNorm", "C > 0", "(2, 0, 3)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> pn.initialize(manager, DataType.FLOAT32, new Shape(4)));
        assertMessage(e, "PixelNorm", "rank >= 2", "(4)");
        for (float bad : new float[] {0, -1e-8f, Float.NaN, Float.POSITIVE_INFINITY}) {
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> PixelNorm.builder().optEpsilon(bad).build());
            assertMessage(e, "PixelNorm", "optEpsilon", String.valueOf(bad));
        }
        assertTrue(PixelNorm.builder().build().getEpsilon() > 0);
    }
}
