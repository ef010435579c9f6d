package io.github.djlgan.lasagne;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Fixtures;
import io.github.djlgan.testing.NDAssert;
import java.io.IOException;
import java.io.InputStream;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * The importer's filter flips against SciPy ({@code fixtures/lasagne/conv_scipy.py}), a derivation
 * that does not share {@code layers.py}'s hand-written convolution loop: Theano's {@code conv2d}
 * with {@code filter_flip=True} (Lasagne's {@code Conv1DLayer}/{@code Conv2DLayer}) is {@code
 * scipy.signal.convolve} summed over input channels, with {@code filter_flip=False} ({@code
 * dnn.Conv2DDNNLayer}) {@code scipy.signal.correlate}; improved-gan's {@code Deconv2DLayer}
 * (Theano's {@code AbstractConv2d_gradInputs}, {@code filter_flip=True}) is the transpose of that
 * true convolution, built from {@code scipy.signal.convolve} as a matrix. Each case loads the
 * Lasagne {@code .npz} (W (F, C, k…), b) through {@link LasagneParams} and compares DJL's
 * convolution with SciPy's result.
 */
public class LasagneConvScipyTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public LasagneConvScipyTest(String engine) {
        super(engine);
    }

    private void check(String name, Block block, boolean flip) throws IOException {
        check(name, block, LasagneParams.builder().optFlipFilters(flip).build());
    }

    private void check(String name, Block block, LasagneParams importer) throws IOException {
        Fixtures io = Fixtures.load(manager, "lasagne/conv_scipy_io");
        NDArray x = io.get(name + "_x");
        init(block, DataType.FLOAT32, x.getShape());
        try (InputStream is =
                LasagneConvScipyTest.class.getResourceAsStream(
                        "/fixtures/lasagne/" + name + ".npz")) {
            importer.loadInto(block, is);
        }
        NDAssert.assertClose(forward(block, false, x), io.get(name + "_y"), 1e-5, 1e-5);
    }

    private static Conv2d conv2d(Shape stride, Shape padding) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 2))
                .setFilters(4)
                .optStride(stride)
                .optPadding(padding)
                .build();
    }

    @Test
    public void conv2dLayerIsScipyConvolve() throws IOException {
        check("scipy_conv2d_flip", conv2d(new Shape(1, 1), new Shape(1, 1)), true);
    }

    @Test
    public void stridedConv2dLayerIsScipyConvolveSubsampled() throws IOException {
        check("scipy_conv2d_flip_stride", conv2d(new Shape(2, 2), new Shape(1, 0)), true);
    }

    @Test
    public void conv2dDnnLayerIsScipyCorrelate() throws IOException {
        check("scipy_conv2d_dnn", conv2d(new Shape(1, 1), new Shape(1, 1)), false);
    }

    @Test
    public void conv1dLayerIsScipyConvolve() throws IOException {
        check(
                "scipy_conv1d_flip",
                Conv1d.builder()
                        .setKernelShape(new Shape(3))
                        .setFilters(3)
                        .optPadding(new Shape(1))
                        .build(),
                true);
    }

    @Test
    public void improvedGanDeconvIsTheTransposeOfScipyConvolve() throws IOException {
        // nn.Deconv2DLayer((N, 2, 8, 8), (5, 5), stride (2, 2)): 'half' padding, doubled size;
        // the importer's default flips transposed-convolution kernels
        check(
                "scipy_deconv",
                Deconv2d.builder()
                        .setKernelShape(new Shape(5, 5))
                        .setFilters(2)
                        .optStride(new Shape(2, 2))
                        .optPadding(new Shape(2, 2))
                        .optOutPadding(new Shape(1, 1))
                        .build(),
                LasagneParams.builder().build());
    }
}
