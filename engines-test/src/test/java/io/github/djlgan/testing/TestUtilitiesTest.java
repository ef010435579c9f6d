package io.github.djlgan.testing;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** The shared test utilities must be able to fail: each is shown a wrong answer here. */
public class TestUtilitiesTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public TestUtilitiesTest(String engine) {
        super(engine);
    }

    @Test
    public void managerBelongsToTheEngine() {
        assertEquals(manager.getEngine().getEngineName(), engineName);
        assertEquals(
                manager.ones(new Shape(2)).getManager().getEngine().getEngineName(), engineName);
    }

    @Test
    public void closeToLargestPassesSmallErrorsAndCatchesLargeOnesAndZeroReferences() {
        NDArray reference = manager.create(new double[] {4, -2, 0.5});
        NDAssert.assertCloseToLargest(
                manager.create(new float[] {4.00001f, -2, 0.5f}), reference, 1e-5, "close");
        AssertionError far =
                expectThrows(
                        AssertionError.class,
                        () ->
                                NDAssert.assertCloseToLargest(
                                        manager.create(new float[] {4, -2, 0.6f}),
                                        reference,
                                        1e-5,
                                        "far"));
        assertMessage(far, "far", "off by", "largest 4.0");
        AssertionError zero =
                expectThrows(
                        AssertionError.class,
                        () ->
                                NDAssert.assertCloseToLargest(
                                        manager.zeros(new Shape(3)),
                                        manager.zeros(new Shape(3)),
                                        1e-5,
                                        "zero"));
        assertMessage(zero, "all-zero reference");
    }

    @Test
    public void gradientCheckPassesACorrectGradient() {
        LambdaBlock square = LambdaBlock.singleton(x -> x.mul(x));
        square.initialize(manager, DataType.FLOAT64, new Shape(3, 4));
        assertEquals(GradientCheck.of(square).check(manager, randn(1, DataType.FLOAT64, 3, 4)), 12);
    }

    @Test
    public void gradientCheckCatchesAWrongGradient() {
        // d/dx (x · stopGradient(x)) is x for autograd but 2x for finite differences
        LambdaBlock wrong = LambdaBlock.singleton(x -> x.mul(x.stopGradient()));
        wrong.initialize(manager, DataType.FLOAT64, new Shape(3, 4));
        AssertionError e =
                expectThrows(
                        AssertionError.class,
                        () ->
                                GradientCheck.of(wrong)
                                        .check(manager, randn(2, DataType.FLOAT64, 3, 4)));
        assertMessage(e, "input0", "analytic", "numeric");
    }

    @Test
    public void gradientCheckRejectsAVacuousCheck() {
        LambdaBlock constant = LambdaBlock.singleton(x -> x.mul(0));
        constant.initialize(manager, DataType.FLOAT64, new Shape(2, 2));
        AssertionError e =
                expectThrows(
                        AssertionError.class,
                        () ->
                                GradientCheck.of(constant)
                                        .check(manager, randn(3, DataType.FLOAT64, 2, 2)));
        assertMessage(e, "proves nothing");
    }

    @Test
    public void assertClosePrintsBothArrays() {
        NDArray a = manager.create(new float[] {1, 2, 3});
        AssertionError e =
                expectThrows(
                        AssertionError.class,
                        () ->
                                NDAssert.assertClose(
                                        a, new double[] {1, 2, 4}, new Shape(3), 0, 1e-6));
        assertMessage(
                e,
                "1 of 3 values differ",
                "[1.00000, 2.00000, 3.00000]",
                "[1.00000, 2.00000, 4.00000]");
        expectThrows(
                AssertionError.class,
                () -> NDAssert.assertClose(a, new double[] {1, 2, 3}, new Shape(1, 3), 0, 0));
        NDArray nan = manager.create(new float[] {Float.NaN});
        expectThrows(
                AssertionError.class,
                () -> NDAssert.assertClose(nan, new double[] {Double.NaN}, new Shape(1), 1, 1));
    }

    /** RoundTrip fails when the reloaded block answers differently or lost a parameter. */
    @Test
    public void roundTripCatchesAnotherOutputAndAFailedLoad() {
        // same parameters, but each forward adds fresh noise: the outputs differ
        Block noisy = noisyLinear();
        init(noisy, DataType.FLOAT32, new Shape(3, 4));
        expectThrows(
                AssertionError.class,
                () ->
                        RoundTrip.assertSameAfterReload(
                                manager, noisy, noisyLinear(), randn(1, 3, 4)));
        // a bias-less Linear: DJL loads the biased layer's file into it without a word, and
        // RoundTrip names the parameter it lost
        Block linear = Linear.builder().setUnits(2).build();
        init(linear, DataType.FLOAT32, new Shape(3, 4));
        AssertionError e =
                expectThrows(
                        AssertionError.class,
                        () ->
                                RoundTrip.assertSameAfterReload(
                                        manager,
                                        linear,
                                        Linear.builder().setUnits(2).optBias(false).build(),
                                        randn(1, 3, 4)));
        assertMessage(e, "parameter bias missing after load");
    }

    private static Block noisyLinear() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(2).build())
                .add(
                        LambdaBlock.singleton(
                                x -> x.add(x.getManager().randomUniform(0, 1, x.getShape()))));
    }

    /** LeakCheck fails for a block that leaves an array on its parameters' manager each call. */
    @Test
    public void leakCheckCatchesAnArrayLeftOnTheParametersManager() {
        Linear linear = Linear.builder().setUnits(2).build();
        Block leaky =
                new SequentialBlock()
                        .add(linear)
                        .add(
                                LambdaBlock.singleton(
                                        x -> {
                                            linear.getParameters()
                                                    .get("weight")
                                                    .getArray()
                                                    .reshape(-1);
                                            return x;
                                        }));
        AssertionError e =
                expectThrows(
                        AssertionError.class,
                        () -> LeakCheck.assertNoParameterLeak(manager, leaky, randn(1, 3, 4)));
        assertMessage(e, "SequentialBlock", "left");
        LeakCheck.assertNoParameterLeak(
                manager, Linear.builder().setUnits(2).build(), randn(1, 3, 4));
    }

    /**
     * LeakCheck fails for a parameter-free block that leaves an array above the step: on the
     * inputs' parent manager, or on the test's own manager.
     */
    @Test
    public void leakCheckCatchesAParameterFreeBlockLeavingArraysAboveTheStep() {
        Block toParent =
                LambdaBlock.singleton(x -> x.add(x.getManager().getParentManager().create(1f)));
        AssertionError e =
                expectThrows(
                        AssertionError.class,
                        () -> LeakCheck.assertNoParameterLeak(manager, toParent, randn(2, 3, 4)));
        assertMessage(e, "LambdaBlock", "the inputs' parent manager");
        Block toTest = LambdaBlock.singleton(x -> x.add(manager.create(1f)));
        e =
                expectThrows(
                        AssertionError.class,
                        () -> LeakCheck.assertNoParameterLeak(manager, toTest, randn(3, 3, 4)));
        assertMessage(e, "LambdaBlock", "the test's manager");
        LeakCheck.assertNoParameterLeak(
                manager,
                LambdaBlock.singleton(x -> x.add(x.getManager().create(1f))),
                randn(4, 3, 4));
    }
}
