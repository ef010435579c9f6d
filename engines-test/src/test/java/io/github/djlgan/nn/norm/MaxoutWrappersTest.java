package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import java.util.ArrayList;
import java.util.List;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * WeightNorm, SpectralNorm and EqualizedLearningRate on {@link Maxout}: the weight (units·pieces,
 * C) is transformed row by row, and the wrapped Maxout takes the max of the transformed pieces.
 * Each wrapper must equal a plain Maxout given the transformed weight (computed here in plain
 * Java), also when the output is smaller than the weight, where the channel-wise wrappers would
 * scale the output instead: that shortcut does not hold for a maximum.
 */
public class MaxoutWrappersTest extends EngineTest {

    private static final int UNITS = 3;
    private static final int PIECES = 2;
    private static final int CHANNELS = 5;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public MaxoutWrappersTest(String engine) {
        super(engine);
    }

    private static Maxout maxout(boolean bias) {
        return Maxout.builder().setUnits(UNITS).setPieces(PIECES).optBias(bias).build();
    }

    private NDArray asFloat(double[] values, Shape shape) {
        return manager.create(values, shape).toType(DataType.FLOAT32, false);
    }

    /** The wrapper against a plain Maxout with weight {@code runtime} and bias {@code bias}. */
    private void assertSameAsPlain(
            Block wrapper, double[] runtime, NDArray bias, boolean training) {
        Maxout plain = maxout(bias != null);
        // an input of one sample with no trailing axes: output (1, 3) is far smaller than the
        // weight (6, 5); and a larger one whose output (8, 3, 4) is larger
        for (Shape in : new Shape[] {new Shape(1, CHANNELS), new Shape(8, CHANNELS, 4)}) {
            init(plain, DataType.FLOAT32, in);
            setParameter(plain, "weight", asFloat(runtime, new Shape(UNITS * PIECES, CHANNELS)));
            if (bias != null) {
                setParameter(plain, "bias", bias);
            }
            NDArray x = randn(in.size(), in.getShape());
            NDAssert.assertClose(
                    forward(wrapper, training, x), forward(plain, false, x), 1e-5, 1e-5);
        }
    }

    private double[] weightOf(Block wrapper) {
        return NDAssert.toDoubles(wrapper.getParameters().get("01Maxout_weight").getArray());
    }

    @Test
    public void weightNormNormalisesEveryPieceAndScalesTheWeightOnly() {
        for (boolean bias : new boolean[] {true, false}) {
            WeightNorm wn = WeightNorm.wrap(maxout(bias));
            init(wn, DataType.FLOAT32, new Shape(2, CHANNELS));
            // one g per piece; no bias of its own (it would have to be added before the max)
            List<String> expected = new ArrayList<>(List.of("g", "01Maxout_weight"));
            if (bias) {
                expected.add("01Maxout_bias");
            }
            assertEquals(wn.getParameters().keys(), expected);
            assertEquals(wn.getParameters().get("g").getArray().getShape(), new Shape(6));
            NDArray g = randn(1, 6).abs().add(0.5f);
            setParameter(wn, "g", g);
            NDArray b = bias ? randn(2, 6) : null;
            if (bias) {
                setParameter(wn, "01Maxout_bias", b);
            }
            double[] w = Formulas.weightNorm(weightOf(wn), NDAssert.toDoubles(g));
            assertSameAsPlain(wn, w, b, false);
            assertSameAsPlain(wn, w, b, true);
            NDAssert.assertClose(wn.getEffectiveWeight(manager), w, new Shape(6, 5), 1e-5, 1e-6);
        }
    }

    @Test
    public void weightNormOfMaxoutHasNoDataDependentInit() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(WeightNorm.wrap(Linear.builder().setUnits(CHANNELS).build()))
                        .add(WeightNorm.wrap(maxout(true)));
        init(net, DataType.FLOAT32, new Shape(8, 4));
        List<double[]> before = values(net);
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> DataInit.initialize(net, null, new NDList(randn(3, 8, 4))));
        assertMessage(e, "WeightNorm(Maxout)", "data-dependent init", "Maxout");
        List<double[]> after = values(net);
        for (int i = 0; i < before.size(); i++) {
            assertTrue(java.util.Arrays.equals(before.get(i), after.get(i)), "parameter " + i);
        }
    }

    private static List<double[]> values(Block block) {
        List<double[]> values = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.add(NDAssert.toDoubles(p.getValue().getArray()));
        }
        return values;
    }

    @Test
    public void spectralNormDividesTheWholeWeightBySigma() {
        SpectralNorm sn = SpectralNorm.wrap(maxout(true));
        init(sn, DataType.FLOAT32, new Shape(2, CHANNELS));
        assertEquals(sn.getParameters().get("u").getArray().getShape(), new Shape(6));
        assertEquals(sn.getParameters().get("v").getArray().getShape(), new Shape(CHANNELS));
        double[] w = weightOf(sn);
        double[][] uv =
                Formulas.powerIteration(
                        w,
                        NDAssert.toDoubles(sn.getParameters().get("u").getArray()),
                        NDAssert.toDoubles(sn.getParameters().get("v").getArray()));
        // a training forward runs one power iteration, then divides by σ = uᵀ W v
        forward(sn, true, randn(4, 2, CHANNELS));
        NDAssert.assertClose(
                sn.getParameters().get("u").getArray(), uv[0], new Shape(6), 1e-5, 1e-6);
        NDAssert.assertClose(
                sn.getParameters().get("v").getArray(), uv[1], new Shape(CHANNELS), 1e-5, 1e-6);
        double sigma = Formulas.sigma(w, uv[0], uv[1]);
        assertEquals(sn.getSigma(), sigma, 1e-5 * sigma);
        double[] runtime = w.clone();
        for (int i = 0; i < runtime.length; i++) {
            runtime[i] /= sigma;
        }
        NDArray b = randn(5, 6);
        setParameter(sn, "01Maxout_bias", b);
        assertSameAsPlain(sn, runtime, b, false);
    }

    @Test
    public void equalizedLearningRateScalesTheWeightByGainOverSqrtFanIn() {
        EqualizedLearningRate eq =
                EqualizedLearningRate.builder()
                        .setBlock(maxout(true))
                        .optLrMultiplier(0.5f)
                        .build();
        init(eq, DataType.FLOAT32, new Shape(2, CHANNELS));
        double scale = Math.sqrt(2) * 0.5 / Math.sqrt(CHANNELS); // fanIn = C
        assertEquals(eq.getWeightScale(), scale, 1e-7);
        double[] runtime = weightOf(eq);
        for (int i = 0; i < runtime.length; i++) {
            runtime[i] *= scale;
        }
        NDArray b = randn(6, 6);
        setParameter(eq, "01Maxout_bias", b);
        assertSameAsPlain(eq, runtime, b.mul(0.5f), true);
    }

    @Test
    public void gradients() {
        // random inputs and weights: no two pieces tie, the max is differentiable there
        Shape small = new Shape(1, CHANNELS);
        Shape large = new Shape(4, CHANNELS, 2);
        for (Shape in : new Shape[] {small, large}) {
            WeightNorm wn = WeightNorm.wrap(maxout(true));
            init(wn, DataType.FLOAT64, in);
            setParameter(wn, "g", randn(10, DataType.FLOAT64, 6).abs().add(0.5));
            setParameter(wn, "01Maxout_bias", randn(11, DataType.FLOAT64, 6));
            GradientCheck.of(wn).check(manager, randn(12, DataType.FLOAT64, in.getShape()));
            SpectralNorm sn = SpectralNorm.wrap(maxout(true));
            init(sn, DataType.FLOAT64, in);
            GradientCheck.of(sn)
                    .training(false)
                    .check(manager, randn(13, DataType.FLOAT64, in.getShape()));
            EqualizedLearningRate eq = EqualizedLearningRate.wrap(maxout(true));
            init(eq, DataType.FLOAT64, in);
            setParameter(eq, "01Maxout_bias", randn(14, DataType.FLOAT64, 6));
            GradientCheck.of(eq).check(manager, randn(15, DataType.FLOAT64, in.getShape()));
        }
    }

    @Test
    public void saveLoadRoundTrip() {
        SpectralNorm trained = SpectralNorm.wrap(maxout(false));
        init(trained, DataType.FLOAT32, new Shape(2, CHANNELS, 3));
        forward(trained, true, randn(20, 2, CHANNELS, 3));
        RoundTrip.assertSameAfterReload(
                manager, trained, SpectralNorm.wrap(maxout(false)), randn(21, 2, CHANNELS, 3));
        WeightNorm wn = WeightNorm.wrap(maxout(true));
        init(wn, DataType.FLOAT32, new Shape(2, CHANNELS));
        setParameter(wn, "g", randn(22, 6));
        RoundTrip.assertSameAfterReload(
                manager, wn, WeightNorm.wrap(maxout(true)), randn(23, 2, CHANNELS));
    }

    @Test
    public void badInputsNameTheWrapper() {
        WeightNorm wn = WeightNorm.wrap(maxout(true));
        init(wn, DataType.FLOAT32, new Shape(2, CHANNELS));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(wn, false, manager.ones(new Shape(2, 4))));
        assertMessage(e, "WeightNorm(Maxout)", "(N, 5, ...)", "(2, 4)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(wn, false, manager.ones(new Shape(5))));
        assertMessage(e, "WeightNorm(Maxout)", "(N, 5, ...)", "(5)");
    }
}
