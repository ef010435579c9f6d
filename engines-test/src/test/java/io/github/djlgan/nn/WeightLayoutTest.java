package io.github.djlgan.nn;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import io.github.djlgan.nn.WeightLayout.LasagneWeight;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.NDAssert;
import java.util.List;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** The facts {@link WeightLayout} states for every wrappable block, against hand-written values. */
public class WeightLayoutTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public WeightLayoutTest(String engine) {
        super(engine);
    }

    private WeightLayout layout(Block block, long... in) {
        init(block, DataType.FLOAT32, new Shape(in));
        return WeightLayout.of(block, "Test");
    }

    private static Shape weightShape(WeightLayout layout) {
        return layout.getWeight().getArray().getShape();
    }

    @Test
    public void linear() {
        WeightLayout l = layout(Linear.builder().setUnits(7).build(), 2, 5);
        assertEquals(l.getKey(), "LINEAR");
        assertEquals(weightShape(l), new Shape(7, 5));
        assertEquals(l.getChannelAxis(), 0);
        assertEquals(l.getGroups(), 1);
        assertEquals(l.getChannels(weightShape(l)), 7);
        assertEquals(l.getFanIn(weightShape(l)), 5);
        assertEquals(l.getOutputChannelAxis(new Shape(2, 3, 7)), 2);
        assertTrue(l.isChannelwise());
        assertEquals(l.getLasagneLayer(), "DenseLayer");
        assertEquals(l.getLasagneWeight(), LasagneWeight.TRANSPOSED);
        assertSame(l.getBias(), l.getBlock().getDirectParameters().get("bias"));
    }

    @Test
    public void groupedConvolutions() {
        WeightLayout l =
                layout(
                        Conv2d.builder()
                                .setKernelShape(new Shape(3, 2))
                                .setFilters(6)
                                .optGroups(3)
                                .optBias(false)
                                .build(),
                        1,
                        9,
                        5,
                        5);
        assertEquals(l.getKey(), "CONVOLUTION");
        assertEquals(weightShape(l), new Shape(6, 3, 3, 2));
        assertEquals(l.getGroups(), 3);
        assertEquals(l.getChannels(weightShape(l)), 6);
        assertEquals(l.getFanIn(weightShape(l)), 3 * 3 * 2); // C/G · kh · kw
        assertEquals(l.getOutputChannelAxis(new Shape(1, 6, 3, 4)), 1);
        assertNull(l.getBias());
        assertEquals(l.getLasagneLayer(), "Conv2DLayer");
        assertEquals(l.getLasagneWeight(), LasagneWeight.KERNEL);
        assertEquals(
                layout(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(2).build(), 1, 2, 5)
                        .getLasagneLayer(),
                "Conv1DLayer");
        assertEquals(
                layout(
                                Conv3d.builder()
                                        .setKernelShape(new Shape(1, 1, 1))
                                        .setFilters(2)
                                        .build(),
                                1,
                                2,
                                2,
                                2,
                                2)
                        .getLasagneLayer(),
                "Conv3DLayer");
    }

    @Test
    public void networkInNetwork() {
        WeightLayout l = layout(NetworkInNetwork.builder().setUnits(4).build(), 2, 3, 5);
        assertEquals(l.getKey(), "NIN");
        assertEquals(l.getChannels(weightShape(l)), 4);
        assertEquals(l.getFanIn(weightShape(l)), 3);
        assertEquals(l.getOutputChannelAxis(new Shape(2, 4, 5)), 1);
        assertEquals(l.getLasagneLayer(), "NINLayer");
        assertEquals(l.getLasagneWeight(), LasagneWeight.TRANSPOSED);
    }

    @Test
    public void groupedDeconvolution() {
        WeightLayout l =
                layout(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(3, 2))
                                .setFilters(6)
                                .optGroups(2)
                                .build(),
                        1,
                        4,
                        3,
                        3);
        assertEquals(l.getKey(), "DECONV");
        // (C, F/G, kh, kw): output channels on axis 1, G of them per axis-1 entry
        assertEquals(weightShape(l), new Shape(4, 3, 3, 2));
        assertEquals(l.getChannelAxis(), 1);
        assertEquals(l.getChannels(weightShape(l)), 6);
        assertEquals(l.getFanIn(weightShape(l)), 2 * 3 * 2); // C/G · kh · kw
        assertEquals(l.getLasagneLayer(), "Deconv2DLayer");
        assertEquals(l.getLasagneWeight(), LasagneWeight.TRANSPOSED_KERNEL);
    }

    @Test
    public void maxout() {
        WeightLayout l = layout(Maxout.builder().setUnits(3).setPieces(2).build(), 2, 5, 4);
        assertEquals(l.getKey(), "MAXOUT");
        assertEquals(weightShape(l), new Shape(6, 5));
        assertEquals(l.getChannels(weightShape(l)), 6); // every piece is a channel of the weight
        assertEquals(l.getFanIn(weightShape(l)), 5);
        assertFalse(l.isChannelwise()); // the output is the max over pieces
        assertEquals(l.getLasagneLayer(), "DenseLayer");
        assertEquals(l.getLasagneWeight(), LasagneWeight.TRANSPOSED);
    }

    /** The matrix view puts the channel axis first: for (C, F/G, kh, kw), row k holds W[:, k]. */
    @Test
    public void matrixViewMovesTheChannelAxisFirst() {
        WeightLayout l =
                layout(
                        Deconv2d.builder().setKernelShape(new Shape(2, 2)).setFilters(3).build(),
                        1,
                        2,
                        3,
                        3);
        NDArray w = l.getWeight().getArray();
        double[] values = NDAssert.toDoubles(w);
        double[] expected = new double[values.length];
        int c = 2;
        int f = 3;
        int taps = 4;
        for (int k = 0; k < f; k++) {
            for (int i = 0; i < c; i++) {
                for (int t = 0; t < taps; t++) {
                    expected[(k * c + i) * taps + t] = values[(i * f + k) * taps + t];
                }
            }
        }
        NDAssert.assertClose(l.toMatrix(w), expected, new Shape(3, 8), 0, 0);
        WeightLayout linear = layout(Linear.builder().setUnits(3).build(), 2, 4);
        NDArray lw = linear.getWeight().getArray();
        NDAssert.assertClose(linear.toMatrix(lw), NDAssert.toDoubles(lw), new Shape(3, 4), 0, 0);
    }

    @Test
    public void inputChecksNameTheWrapper() {
        WeightLayout l = layout(Linear.builder().setUnits(3).build(), 2, 5);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> l.checkInput("X(Linear)", new Shape(2, 4), new Shape(3, 5)));
        assertMessage(e, "X(Linear): expected input (..., 5), got shape (2, 4)");
        l.checkInput("X(Linear)", new Shape(2, 7, 5), new Shape(3, 5));
        WeightLayout conv =
                layout(
                        Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build(),
                        1,
                        2,
                        5,
                        5);
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                conv.checkInput(
                                        "X(Conv2d)", new Shape(1, 2, 5, 2), weightShape(conv)));
        assertMessage(e, "X(Conv2d)", "axis 3", "kernel extent 3", "(1, 2, 5, 2)");
    }

    @Test
    public void unsupportedBlocksAreNamed() {
        assertFalse(WeightLayout.find(BatchNorm.builder().build()).isPresent());
        assertFalse(WeightLayout.find(null).isPresent());
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> WeightLayout.of(BatchNorm.builder().build(), "SomeWrapper"));
        assertMessage(
                e,
                "SomeWrapper: cannot wrap ai.djl.nn.norm.BatchNorm; supported blocks are Linear,"
                        + " Conv1d, Conv2d, Conv3d, NetworkInNetwork, Deconv2d and Maxout");
        assertEquals(
                WeightLayout.supportedBlockNames(),
                List.of(
                        "Linear",
                        "Conv1d",
                        "Conv2d",
                        "Conv3d",
                        "NetworkInNetwork",
                        "Deconv2d",
                        "Maxout"));
    }
}
