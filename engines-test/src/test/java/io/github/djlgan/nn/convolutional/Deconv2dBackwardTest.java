package io.github.djlgan.nn.convolutional;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * The input gradient of a {@link Deconv2d} with few filters must not depend on what freed memory
 * holds.
 *
 * <p>DJL 0.35.1's PyTorch engine (PyTorch 2.7.1, CPU) computes the input gradient of a convolution
 * whose output channels are not a multiple of 16 partly from memory it has not written: now and
 * then whole input channels of the gradient come out NaN (a few backward passes in a thousand,
 * found as NaN generator weights in the image-gan smoke test). Each trial here first fills and
 * frees arrays with NaN, so that such reads find NaN, then runs forward and backward of a float32
 * deconvolution with 1 or 3 filters (a generator's last layer: grey or RGB images), and requires a
 * finite input gradient, the same in every trial. Without the zero filters {@link Deconv2d} pads
 * its phase convolutions with, most trials fail on PyTorch.
 */
public class Deconv2dBackwardTest extends EngineTest {

    private static final int TRIALS = 30;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public Deconv2dBackwardTest(String engine) {
        super(engine);
    }

    @DataProvider
    public Object[][] filters() {
        return new Object[][] {{1}, {3}};
    }

    @Test(dataProvider = "filters")
    public void inputGradientIgnoresFreedMemory(int filters) {
        Deconv2d deconv =
                Deconv2d.builder()
                        .setKernelShape(new Shape(4, 4))
                        .setFilters(filters)
                        .optStride(new Shape(2, 2))
                        .optPadding(new Shape(1, 1))
                        .build();
        Shape in = new Shape(8, 128, 14, 14);
        deconv.initialize(manager, DataType.FLOAT32, in);
        manager.getEngine().setRandomSeed(7);
        NDArray x0 = manager.randomNormal(in);
        float[] reference = null;
        for (int trial = 0; trial < TRIALS; trial++) {
            poisonFreedMemory();
            try (NDManager step = manager.newSubManager()) {
                NDArray x = x0.duplicate();
                x.attach(step);
                x.setRequiresGradient(true);
                try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                    NDArray y =
                            deconv.forward(new ParameterStore(step, false), new NDList(x), true)
                                    .head();
                    collector.backward(y.tanh().sum());
                }
                float[] gradient = x.getGradient().toFloatArray();
                int nan = 0;
                for (float g : gradient) {
                    nan += Float.isFinite(g) ? 0 : 1;
                }
                assertEquals(nan, 0, "non-finite input gradients in trial " + trial);
                if (reference == null) {
                    reference = gradient;
                }
                assertTrue(
                        java.util.Arrays.equals(gradient, reference),
                        "trial " + trial + " gave another input gradient");
            }
        }
    }

    /** Allocates arrays of growing sizes filled with NaN and frees them. */
    private void poisonFreedMemory() {
        try (NDManager poison = manager.newSubManager()) {
            for (int i = 10; i < 18; i++) {
                poison.full(new Shape(1L << i), Float.NaN);
            }
        }
    }
}
