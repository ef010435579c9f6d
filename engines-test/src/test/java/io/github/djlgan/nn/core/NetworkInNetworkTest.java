package io.github.djlgan.nn.core;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
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

public class NetworkInNetworkTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public NetworkInNetworkTest(String engine) {
        super(engine);
    }

    @Test
    public void seedWorkedExample() {
        // the blog post "TensorFlow tips: ported Lasagne's NIN Layer" (Theano 0.9, Lasagne
        // 0.2.dev1):
        // Lasagne W = [[1,2,3],[2,2,2]] is (C=2, units=3); DJL's weight is its transpose.
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).optBias(false).build();
        init(nin, DataType.FLOAT32, new Shape(1, 2, 5, 5));
        NDArray lasagneW = manager.create(new float[][] {{1, 2, 3}, {2, 2, 2}});
        setParameter(nin, "weight", lasagneW.transpose());
        NDArray x = manager.ones(new Shape(1, 2, 5, 5)).mul(0.1f);

        NDArray y = forward(nin, false, x);

        assertEquals(y.getShape(), new Shape(1, 3, 5, 5));
        NDAssert.assertAllClose(y.get(":, 0"), 0.3, 1e-6, 1e-7);
        NDAssert.assertAllClose(y.get(":, 1"), 0.4, 1e-6, 1e-7);
        NDAssert.assertAllClose(y.get(":, 2"), 0.5, 1e-6, 1e-7);
    }

    @Test
    public void outputShapesForEveryRank() {
        long[][] shapes = {{4, 3}, {4, 3, 7}, {2, 3, 5, 6}, {2, 3, 2, 3, 4}, {1, 3, 1, 1, 1, 1}};
        for (long[] dims : shapes) {
            Shape in = new Shape(dims);
            NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(5).build();
            init(nin, DataType.FLOAT32, in);
            Shape expected = new Shape(dims[0], 5).addAll(in.slice(2));
            assertEquals(nin.getOutputShapes(new Shape[] {in})[0], expected);
            assertEquals(forward(nin, false, randn(1, dims)).getShape(), expected);
            assertEquals(nin.getParameters().get("weight").getArray().getShape(), new Shape(5, 3));
            assertEquals(nin.getParameters().get("bias").getArray().getShape(), new Shape(5));
        }
    }

    @Test
    public void randomValuesForEveryRank() {
        long[][] shapes = {{6, 4}, {3, 4, 9}, {2, 4, 5, 3}, {2, 4, 3, 2, 3}};
        for (long[] dims : shapes) {
            for (boolean training : new boolean[] {false, true}) {
                Shape in = new Shape(dims);
                NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(7).build();
                init(nin, DataType.FLOAT32, in);
                NDArray w = randn(11, 7, 4);
                NDArray b = randn(12, 7);
                setParameter(nin, "weight", w);
                setParameter(nin, "bias", b);
                NDArray x = randn(13, dims);

                NDArray y = forward(nin, training, x);

                double[] want =
                        Formulas.nin(
                                NDAssert.toDoubles(x),
                                in,
                                NDAssert.toDoubles(w),
                                7,
                                NDAssert.toDoubles(b),
                                false);
                NDAssert.assertClose(
                        y, want, new Shape(dims[0], 7).addAll(in.slice(2)), 1e-5, 1e-5);
            }
        }
    }

    @Test
    public void float64Values() {
        Shape in = new Shape(2, 3, 4, 4);
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(2).build();
        init(nin, DataType.FLOAT64, in);
        NDArray w = randn(21, DataType.FLOAT64, 2, 3);
        NDArray b = randn(22, DataType.FLOAT64, 2);
        setParameter(nin, "weight", w);
        setParameter(nin, "bias", b);
        NDArray x = randn(23, DataType.FLOAT64, 2, 3, 4, 4);

        NDArray y = forward(nin, false, x);

        assertEquals(y.getDataType(), DataType.FLOAT64);
        double[] want =
                Formulas.nin(
                        NDAssert.toDoubles(x),
                        in,
                        NDAssert.toDoubles(w),
                        2,
                        NDAssert.toDoubles(b),
                        false);
        NDAssert.assertClose(y, want, new Shape(2, 2, 4, 4), 1e-12, 1e-12);
    }

    @Test
    public void untiedBiases() {
        Shape in = new Shape(3, 2, 4, 5);
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).optUntieBiases(true).build();
        init(nin, DataType.FLOAT32, in);
        assertTrue(nin.isUntiedBiases());
        assertEquals(nin.getParameters().get("bias").getArray().getShape(), new Shape(3, 4, 5));
        NDArray w = randn(31, 3, 2);
        NDArray b = randn(32, 3, 4, 5);
        setParameter(nin, "weight", w);
        setParameter(nin, "bias", b);
        NDArray x = randn(33, 3, 2, 4, 5);

        NDArray y = forward(nin, false, x);

        double[] want =
                Formulas.nin(
                        NDAssert.toDoubles(x),
                        in,
                        NDAssert.toDoubles(w),
                        3,
                        NDAssert.toDoubles(b),
                        true);
        NDAssert.assertClose(y, want, new Shape(3, 3, 4, 5), 1e-5, 1e-5);
    }

    @Test
    public void untiedBiasesOnRank2AreTied() {
        // with no trailing axes the untied bias is (units), the same as a tied one
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).optUntieBiases(true).build();
        init(nin, DataType.FLOAT32, new Shape(4, 2));
        assertEquals(nin.getParameters().get("bias").getArray().getShape(), new Shape(3));
        assertEquals(forward(nin, false, randn(1, 4, 2)).getShape(), new Shape(4, 3));
    }

    @Test
    public void gradientsTiedRank4() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).build();
        init(nin, DataType.FLOAT64, new Shape(2, 4, 3, 3));
        int checked = GradientCheck.of(nin).check(manager, randn(41, DataType.FLOAT64, 2, 4, 3, 3));
        assertEquals(checked, 24 + 12 + 3, "input, weight, bias coordinates");
    }

    @Test
    public void gradientsUntiedRank3() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(2).optUntieBiases(true).build();
        init(nin, DataType.FLOAT64, new Shape(3, 3, 5));
        GradientCheck.of(nin).check(manager, randn(42, DataType.FLOAT64, 3, 3, 5));
    }

    @Test
    public void gradientsRank2() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(4).build();
        init(nin, DataType.FLOAT64, new Shape(5, 3));
        GradientCheck.of(nin).check(manager, randn(43, DataType.FLOAT64, 5, 3));
    }

    @Test
    public void saveLoadRoundTrip() {
        NetworkInNetwork trained = NetworkInNetwork.builder().setUnits(4).build();
        init(trained, DataType.FLOAT32, new Shape(2, 3, 4, 4));
        setParameter(trained, "bias", randn(51, 4));
        RoundTrip.assertSameAfterReload(
                manager,
                trained,
                NetworkInNetwork.builder().setUnits(4).build(),
                randn(52, 2, 3, 4, 4));
    }

    @Test
    public void saveLoadRoundTripUntied() {
        NetworkInNetwork trained =
                NetworkInNetwork.builder().setUnits(2).optUntieBiases(true).build();
        init(trained, DataType.FLOAT32, new Shape(2, 3, 5));
        setParameter(trained, "bias", randn(53, 2, 5));
        RoundTrip.assertSameAfterReload(
                manager,
                trained,
                NetworkInNetwork.builder().setUnits(2).optUntieBiases(true).build(),
                randn(54, 2, 3, 5));
    }

    @Test
    public void loadIntoDifferentArchitectureFails() {
        NetworkInNetwork trained = NetworkInNetwork.builder().setUnits(4).build();
        init(trained, DataType.FLOAT32, new Shape(2, 3));
        RoundTrip.assertLoadRefused(
                manager,
                trained,
                NetworkInNetwork.builder().setUnits(5).build(),
                "NetworkInNetwork",
                "units=4",
                "units=5");
    }

    @Test
    public void rank1InputIsRejected() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> nin.initialize(manager, DataType.FLOAT32, new Shape(5)));
        assertMessage(e, "NetworkInNetwork", "rank >= 2", "(5)");
        assertFalse(nin.isInitialized());

        NetworkInNetwork ready = NetworkInNetwork.builder().setUnits(3).build();
        init(ready, DataType.FLOAT32, new Shape(2, 5));
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(ready, false, manager.ones(new Shape(5))));
        assertMessage(e, "NetworkInNetwork", "rank >= 2", "(5)");
    }

    @Test
    public void wrongChannelCountIsRejected() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).build();
        init(nin, DataType.FLOAT32, new Shape(2, 4, 5));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(nin, false, manager.ones(new Shape(2, 6, 5))));
        assertMessage(e, "NetworkInNetwork", "(N, 4, ...)", "(2, 6, 5)");
    }

    @Test
    public void untiedBiasesNeedKnownTrailingSizes() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).optUntieBiases(true).build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> nin.initialize(manager, DataType.FLOAT32, new Shape(-1, 2, -1, 5)));
        assertMessage(e, "NetworkInNetwork", "specified input sizes", "(-1, 2, -1, 5)");
    }

    @Test
    public void untiedBiasesRejectOtherTrailingSizes() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).optUntieBiases(true).build();
        init(nin, DataType.FLOAT32, new Shape(2, 2, 4, 5));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(nin, false, manager.ones(new Shape(2, 2, 5, 4))));
        assertMessage(e, "NetworkInNetwork", "(4, 5)", "(2, 2, 5, 4)");
    }

    @Test
    public void forwardBeforeInitializeIsRejected() {
        NetworkInNetwork nin = NetworkInNetwork.builder().setUnits(3).build();
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> forward(nin, false, manager.ones(new Shape(2, 2))));
        assertMessage(e, "NetworkInNetwork", "not initialized");
    }

    @Test
    public void builderNeedsUnits() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class, () -> NetworkInNetwork.builder().build());
        assertMessage(e, "NetworkInNetwork", "units");
        assertThrows(
                IllegalArgumentException.class,
                () -> NetworkInNetwork.builder().setUnits(-2).build());
    }

    @Test
    public void ninRejectsARank1Input() {
        NDArray w = randn(1, 3, 5);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> NetworkInNetwork.nin(manager.ones(new Shape(5)), w, null));
        assertMessage(e, "NetworkInNetwork:", "rank >= 2", "(5)");
    }

    @Test
    public void ninRejectsAWeightNotOfRank2() {
        for (long[] dims : new long[][] {{3, 2, 1}, {6}}) {
            NDArray w = randn(1, dims);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> NetworkInNetwork.nin(randn(2, 4, 2, 5), w, null));
            assertMessage(e, "NetworkInNetwork:", "(units, C) of rank 2", w.getShape().toString());
        }
    }

    @Test
    public void ninRejectsAChannelMismatch() {
        // rank 2 (the Linear path) and rank 3 (the convolution path)
        for (long[] dims : new long[][] {{2, 6}, {2, 6, 5}}) {
            NDArray x = randn(1, dims);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> NetworkInNetwork.nin(x, randn(2, 3, 4), randn(3, 3)));
            assertMessage(e, "NetworkInNetwork:", "(N, 4, ...)", "(3, 4)", x.getShape().toString());
        }
    }

    @Test
    public void ninRejectsABiasOfAnotherShape() {
        NDArray w = randn(1, 3, 2);
        // tied: another length; untied: other trailing sizes, which would broadcast silently
        for (long[] dims : new long[][] {{4}, {3, 5, 4}, {3, 1, 5}}) {
            NDArray b = randn(2, dims);
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> NetworkInNetwork.nin(randn(3, 2, 2, 4, 5), w, b));
            assertMessage(
                    e,
                    "NetworkInNetwork:",
                    "bias (3) or (3, 4, 5)",
                    "(3, 2)",
                    "(2, 2, 4, 5)",
                    "got shape " + b.getShape());
        }
        // a rank-2 input takes only a (units) bias
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> NetworkInNetwork.nin(randn(3, 2, 2), w, randn(2, 3, 1)));
        assertMessage(e, "NetworkInNetwork:", "bias (3) for", "got shape (3, 1)");
    }
}
