package io.github.djlgan.training;

import static org.testng.Assert.expectThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * {@link NonFiniteCheck} on a block whose gradients are set by hand: a Linear layer (weight (2, 3),
 * bias (2)) and the loss Σ w·c + Σ b·e, whose gradients are c and e exactly.
 */
public class NonFiniteCheckTest extends EngineTest {

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public NonFiniteCheckTest(String engine) {
        super(engine);
    }

    /** A Linear layer whose weight gradient is {@code c} (6 values) and bias gradient 1. */
    private Block withGradient(float... c) {
        Block linear = Linear.builder().setUnits(2).build();
        linear.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
        NDArray w = linear.getParameters().get("weight").getArray();
        NDArray b = linear.getParameters().get("bias").getArray();
        try (GradientCollector collector = Engine.getEngine(engineName).newGradientCollector()) {
            NDArray loss = w.mul(manager.create(c, new Shape(2, 3))).sum().add(b.sum());
            collector.backward(loss);
        }
        return linear;
    }

    private void check(NonFiniteCheck check, float loss, Block block) {
        check.check(7, "discriminator", loss, block, manager, "what changed");
    }

    @Test
    public void anInfiniteGradientIsNamed() {
        Block block = withGradient(1, 2, Float.POSITIVE_INFINITY, 4, 5, 6);
        assertMessage(
                expectThrows(
                        IllegalStateException.class,
                        () -> check(NonFiniteCheck.LOSSES_AND_GRADIENTS, 0.5f, block)),
                "GanTrainer: step 7: the discriminator's gradient of weight (2, 3) holds"
                        + " infinity; what changed");
    }

    @Test
    public void aNaNGradientIsNamed() {
        Block block = withGradient(1, 2, 3, 4, Float.NaN, Float.NEGATIVE_INFINITY);
        assertMessage(
                expectThrows(
                        IllegalStateException.class,
                        () -> check(NonFiniteCheck.LOSSES_AND_GRADIENTS, 0.5f, block)),
                "the discriminator's gradient of weight (2, 3) holds NaN");
    }

    /** Six gradients of 3·10³⁸: their float32 sum overflows, but every gradient is finite. */
    @Test
    public void finiteGradientsWhoseSumOverflowsPass() {
        float big = 3e38f;
        check(
                NonFiniteCheck.LOSSES_AND_GRADIENTS,
                0.5f,
                withGradient(big, big, big, big, big, big));
    }

    @Test
    public void lossesLooksAtTheLossOnly() {
        Block block = withGradient(Float.NaN, 2, 3, 4, 5, 6);
        check(NonFiniteCheck.LOSSES, 0.5f, block);
        assertMessage(
                expectThrows(
                        IllegalStateException.class,
                        () -> check(NonFiniteCheck.LOSSES, Float.NEGATIVE_INFINITY, block)),
                "the discriminator's loss is -Infinity",
                "may already hold NaN",
                "LOSSES_AND_GRADIENTS");
        assertMessage(
                expectThrows(
                        IllegalStateException.class,
                        () -> check(NonFiniteCheck.LOSSES_AND_GRADIENTS, Float.NaN, block)),
                "the discriminator's loss is NaN; what changed");
    }

    @Test
    public void noneChecksNothing() {
        check(NonFiniteCheck.NONE, Float.NaN, withGradient(Float.NaN, 2, 3, 4, 5, 6));
    }
}
