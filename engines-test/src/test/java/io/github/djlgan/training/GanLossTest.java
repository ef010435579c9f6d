package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.GradientCheck;
import java.util.function.BiFunction;
import java.util.function.DoubleUnaryOperator;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * Each {@link GanLoss} against a hand computation in double precision on given logits, and its
 * gradient against float64 finite differences.
 */
public class GanLossTest extends EngineTest {

    /** Logits including confident ones (|x| = 30), none on the hinge's kinks at ±1. */
    private static final double[] REAL = {2.5, -0.3, 30, -4, 0.7, -30};

    private static final double[] FAKE = {-1.7, 0.2, -30, 3.1, 0.05, 25, -0.9};

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GanLossTest(String engine) {
        super(engine);
    }

    /** softplus(x) = log(1 + eˣ), written to stay exact for large |x|. */
    private static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    private static double mean(double[] x, DoubleUnaryOperator f) {
        double s = 0;
        for (double v : x) {
            s += f.applyAsDouble(v);
        }
        return s / x.length;
    }

    private void check(GanLoss loss, double expectedD, double expectedG) {
        NDArray r = manager.create(REAL).toType(DataType.FLOAT32, false);
        NDArray f = manager.create(FAKE).toType(DataType.FLOAT32, false);
        NDArray d = loss.discriminatorLoss(r, f);
        NDArray g = loss.generatorLoss(r, f);
        assertEquals(d.getShape(), new Shape(), "a scalar");
        assertEquals(d.getFloat(), expectedD, 1e-5 * Math.max(1, Math.abs(expectedD)), "D " + loss);
        assertEquals(g.getFloat(), expectedG, 1e-5 * Math.max(1, Math.abs(expectedG)), "G " + loss);
        gradient(loss::discriminatorLoss);
        gradient(loss::generatorLoss);
    }

    private void gradient(BiFunction<NDArray, NDArray, NDArray> loss) {
        LambdaBlock block = new LambdaBlock(in -> new NDList(loss.apply(in.get(0), in.get(1))));
        NDArray r = manager.create(REAL);
        NDArray f = manager.create(FAKE);
        block.initialize(manager, DataType.FLOAT64, r.getShape(), f.getShape());
        // the generator's losses ignore the real logits: their gradient is zero
        GradientCheck.of(block).allowZero("input0").check(manager, r, f);
    }

    @Test
    public void nonSaturating() {
        check(
                GanLoss.nonSaturating(),
                mean(REAL, x -> softplus(-x)) + mean(FAKE, GanLossTest::softplus),
                mean(FAKE, x -> softplus(-x)));
    }

    @Test
    public void minimax() {
        check(
                GanLoss.minimax(),
                mean(REAL, x -> softplus(-x)) + mean(FAKE, GanLossTest::softplus),
                -mean(FAKE, GanLossTest::softplus));
    }

    @Test
    public void hinge() {
        check(
                GanLoss.hinge(),
                mean(REAL, x -> Math.max(0, 1 - x)) + mean(FAKE, x -> Math.max(0, 1 + x)),
                -mean(FAKE, x -> x));
    }

    @Test
    public void leastSquares() {
        check(
                GanLoss.leastSquares(),
                0.5 * mean(REAL, x -> (x - 1) * (x - 1)) + 0.5 * mean(FAKE, x -> x * x),
                0.5 * mean(FAKE, x -> (x - 1) * (x - 1)));
    }

    @Test
    public void wasserstein() {
        check(GanLoss.wasserstein(), mean(FAKE, x -> x) - mean(REAL, x -> x), -mean(FAKE, x -> x));
    }

    /** The binary cross-entropy reading: softplus(−r) = −log σ(r). */
    @Test
    public void nonSaturatingIsTheCrossEntropyOfASigmoid() {
        NDArray r = manager.create(new float[] {0.3f});
        NDArray f = manager.create(new float[] {-0.2f});
        double sigmaR = 1 / (1 + Math.exp(-0.3));
        double sigmaF = 1 / (1 + Math.exp(0.2));
        double bce = -Math.log(sigmaR) - Math.log(1 - sigmaF);
        assertEquals(GanLoss.nonSaturating().discriminatorLoss(r, f).getFloat(), bce, 1e-6);
    }
}
