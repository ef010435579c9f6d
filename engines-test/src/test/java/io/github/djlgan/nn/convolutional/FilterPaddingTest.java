package io.github.djlgan.nn.convolutional;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * {@link FilterPadding}: the wrapped convolution's own function, with a right float32 input
 * gradient on PyTorch. Values from {@link Formulas#conv2d}; the input gradient of a DCGAN
 * discriminator's last layer in float32 against float64 (DJL's PyTorch engine is off by about the
 * largest entry without the wrapper: {@code ConvolutionsTest}).
 */
public class FilterPaddingTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public FilterPaddingTest(String engine) {
        super(engine);
    }

    private static Conv2d conv(int filters, long kernel, long padding) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optPadding(new Shape(padding, padding))
                .build();
    }

    @Test
    public void shapeAndValueAreTheWrappedConvolutions() {
        Shape in = new Shape(2, 3, 5, 6);
        FilterPadding block = init(FilterPadding.wrap(conv(1, 3, 1)), DataType.FLOAT32, in);
        assertEquals(block.getOutputShapes(new Shape[] {in})[0], new Shape(2, 1, 5, 6));
        assertEquals(block.getName(), "FilterPadding(Conv2d)");
        setParameter(block, "01Conv2d_weight", randn(2, 1, 3, 3, 3));
        setParameter(block, "01Conv2d_bias", randn(3, 1));
        NDArray x = randn(1, in.getShape());
        double[] expected =
                Formulas.conv2d(
                        NDAssert.toDoubles(x),
                        in,
                        NDAssert.toDoubles(block.getParameters().get("01Conv2d_weight").getArray()),
                        new Shape(1, 3, 3, 3),
                        NDAssert.toDoubles(block.getParameters().get("01Conv2d_bias").getArray()),
                        new int[] {1, 1});
        for (boolean training : new boolean[] {false, true}) {
            NDAssert.assertClose(
                    forward(block, training, x), expected, new Shape(2, 1, 5, 6), 1e-5, 1e-5);
        }
    }

    @Test
    public void computesWhatTheWrappedLayerComputes() {
        Shape[] inputs = {new Shape(2, 4, 11), new Shape(2, 3, 5, 6, 7)};
        for (int i = 0; i < inputs.length; i++) {
            Block plain = init(layer(i), DataType.FLOAT32, inputs[i]);
            FilterPadding wrapped = init(FilterPadding.wrap(layer(i)), DataType.FLOAT32, inputs[i]);
            for (var p : plain.getParameters()) {
                String name = "01" + plain.getClass().getSimpleName() + "_" + p.getKey();
                setParameter(wrapped, name, p.getValue().getArray());
            }
            NDArray x = randn(8 + i, inputs[i].getShape());
            for (boolean training : new boolean[] {false, true}) {
                NDAssert.assertClose(
                        forward(wrapped, training, x), forward(plain, training, x), 1e-5, 1e-6);
            }
        }
    }

    /**
     * Layer i of {@link #computesWhatTheWrappedLayerComputes}: dilated, bias-less; 3-D, strided.
     */
    private static Block layer(int i) {
        return i == 0
                ? Conv1d.builder()
                        .setKernelShape(new Shape(3))
                        .setFilters(3)
                        .optDilation(new Shape(2))
                        .optBias(false)
                        .build()
                : Conv3d.builder()
                        .setKernelShape(new Shape(2, 3, 3))
                        .setFilters(5)
                        .optStride(new Shape(2, 1, 2))
                        .optPadding(new Shape(1, 1, 0))
                        .build();
    }

    @Test
    public void float32InputGradientOfADcganLastLayerMatchesFloat64() {
        Shape in = new Shape(32, 256, 4, 4);
        FilterPadding single = init(FilterPadding.wrap(conv(1, 4, 0)), DataType.FLOAT32, in);
        FilterPadding reference = init(FilterPadding.wrap(conv(1, 4, 0)), DataType.FLOAT64, in);
        for (String name : new String[] {"01Conv2d_weight", "01Conv2d_bias"}) {
            setParameter(reference, name, single.getParameters().get(name).getArray());
        }
        NDArray x = randn(4, in.getShape());
        NDArray r = randn(5, 32, 1, 1, 1);
        NDAssert.assertCloseToLargest(
                inputGradient(single, x, r),
                inputGradient(
                        reference,
                        x.toType(DataType.FLOAT64, false),
                        r.toType(DataType.FLOAT64, false)),
                1e-5,
                "float32 input gradient");
    }

    @Test
    public void gradientsMatchFiniteDifferences() {
        Shape in = new Shape(2, 2, 9);
        Block conv1d =
                Conv1d.builder()
                        .setKernelShape(new Shape(3))
                        .setFilters(3)
                        .optStride(new Shape(2))
                        .optPadding(new Shape(1))
                        .build();
        FilterPadding block = init(FilterPadding.wrap(conv1d), DataType.FLOAT64, in);
        GradientCheck.of(block).check(manager, randn(6, DataType.FLOAT64, in.getShape()));
    }

    @Test
    public void savesAndLoads() {
        Shape in = new Shape(2, 3, 5, 5);
        FilterPadding trained = init(FilterPadding.wrap(conv(3, 3, 1)), DataType.FLOAT32, in);
        RoundTrip.assertSameAfterReload(
                manager, trained, FilterPadding.wrap(conv(3, 3, 1)), randn(7, in.getShape()));
    }

    @Test
    public void onlyDjlConvolutionsAreWrapped() {
        assertMessage(
                expectThrows(
                        IllegalArgumentException.class,
                        () -> FilterPadding.wrap(Linear.builder().setUnits(2).build())),
                "FilterPadding",
                "Conv1d, Conv2d or Conv3d",
                "ai.djl.nn.core.Linear");
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> FilterPadding.builder().build()),
                "FilterPadding",
                "setBlock");
    }

    @Test
    public void inputsThatDoNotFitAreRefused() {
        FilterPadding block =
                init(FilterPadding.wrap(conv(1, 3, 1)), DataType.FLOAT32, new Shape(2, 3, 5, 5));
        for (Shape bad : new Shape[] {new Shape(2, 4, 5, 5), new Shape(2, 3, 5)}) {
            for (boolean training : new boolean[] {false, true}) {
                NDArray x = manager.zeros(bad);
                assertMessage(
                        expectThrows(
                                IllegalArgumentException.class, () -> forward(block, training, x)),
                        "FilterPadding(Conv2d)",
                        "3 channels",
                        bad.toString());
            }
        }
        assertMessage(
                expectThrows(
                        IllegalStateException.class,
                        () ->
                                forward(
                                        FilterPadding.wrap(conv(1, 3, 1)),
                                        false,
                                        manager.zeros(new Shape(2, 3, 5, 5)))),
                "FilterPadding(Conv2d)");
    }
}
