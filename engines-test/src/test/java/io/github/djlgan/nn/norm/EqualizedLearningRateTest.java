package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import java.util.List;
import java.util.function.Supplier;
import org.testng.Assert.ThrowingRunnable;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class EqualizedLearningRateTest
        extends WrapperBlockTestBase<EqualizedLearningRate, EqualizedLearningRate.Builder> {

    private static final Float[] NOT_POSITIVE_AND_FINITE = {
        0f, -1f, Float.NaN, Float.POSITIVE_INFINITY
    };

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public EqualizedLearningRateTest(String engine) {
        super(
                engine,
                "EqualizedLearningRate",
                EqualizedLearningRate::builder,
                EqualizedLearningRate.Builder::build);
    }

    @Override
    protected List<BadOption<EqualizedLearningRate.Builder>> badOptions() {
        return List.of(
                badOption(
                        "optGain", EqualizedLearningRate.Builder::optGain, NOT_POSITIVE_AND_FINITE),
                badOption(
                        "optLrMultiplier",
                        EqualizedLearningRate.Builder::optLrMultiplier,
                        NOT_POSITIVE_AND_FINITE));
    }

    @Override
    protected ConfigurationChange<EqualizedLearningRate.Builder> configurationChange() {
        return new ConfigurationChange<>(b -> b.optGain(1f), "gain=1.4142135", "gain=1.0");
    }

    @Override
    protected List<ThrowingRunnable> accessorsNeedingInitialization(
            EqualizedLearningRate uninitialized) {
        return List.of(uninitialized::getWeightScale);
    }

    /**
     * The formula on given weights: the plain block with weight W · gain · lrMul / √fanIn and bias
     * b · lrMul gives the same output. {@code fanIn} is written out per case by hand.
     */
    private void checkAgainstPlainBlock(
            Supplier<Block> layer, long fanIn, float gain, float lrMul, long... in) {
        Shape inShape = new Shape(in);
        Block wrapped = layer.get();
        EqualizedLearningRate eq =
                EqualizedLearningRate.builder()
                        .setBlock(wrapped)
                        .optGain(gain)
                        .optLrMultiplier(lrMul)
                        .build();
        init(eq, DataType.FLOAT32, inShape);
        Block plain = init(layer.get(), DataType.FLOAT32, inShape);
        String child = "01" + wrapped.getClass().getSimpleName();
        NDArray w = eq.getParameters().get(child + "_weight").getArray();
        double scale = gain * (double) lrMul / Math.sqrt(fanIn);
        assertEquals(eq.getWeightScale(), scale, 1e-7 * scale);
        double[] runtime = NDAssert.toDoubles(w);
        for (int i = 0; i < runtime.length; i++) {
            runtime[i] *= scale;
        }
        setParameter(plain, "weight", asFloat(runtime, w.getShape()));
        if (eq.getParameters().contains(child + "_bias")) {
            NDArray b =
                    randn(
                            51,
                            eq.getParameters()
                                    .get(child + "_bias")
                                    .getArray()
                                    .getShape()
                                    .getShape());
            setParameter(eq, child + "_bias", b);
            double[] bias = NDAssert.toDoubles(b);
            for (int i = 0; i < bias.length; i++) {
                bias[i] *= lrMul;
            }
            setParameter(plain, "bias", asFloat(bias, b.getShape()));
        }
        NDArray x = randn(52, in);
        for (boolean training : new boolean[] {false, true}) {
            NDAssert.assertClose(forward(eq, training, x), forward(plain, training, x), 1e-5, 1e-5);
        }
    }

    private NDArray asFloat(double[] values, Shape shape) {
        return manager.create(values, shape).toType(DataType.FLOAT32, false);
    }

    @Test
    public void linearMatchesTheFormulaOnBothPaths() {
        // Linear(20 -> 7): a batch of 30 (output 210 > weight 140) scales the weight, 2 the output
        for (long batch : new long[] {30, 2}) {
            Supplier<Block> linear = () -> Linear.builder().setUnits(7).build();
            checkAgainstPlainBlock(linear, 20, (float) Math.sqrt(2), 1f, batch, 20);
            checkAgainstPlainBlock(linear, 20, 1f, 0.01f, batch, 20);
        }
    }

    @Test
    public void conv2dMatchesTheFormula() {
        // fanIn = C/G · kh · kw = 4/2 · 3 · 3
        checkAgainstPlainBlock(
                WrapperBlockTestBase::groupedConv2d, 18, (float) Math.sqrt(2), 0.5f, 2, 4, 5, 5);
    }

    @Test
    public void deconv2dMatchesTheFormula() {
        // weight (C, F/G, kh, kw) = (4, 3, 4, 4): one output channel sees C/G · kh · kw = 2 · 16
        checkAgainstPlainBlock(
                () ->
                        Deconv2d.builder()
                                .setKernelShape(new Shape(4, 4))
                                .setFilters(6)
                                .optGroups(2)
                                .optStride(new Shape(2, 2))
                                .optPadding(new Shape(1, 1))
                                .build(),
                32,
                (float) Math.sqrt(2),
                1f,
                2,
                4,
                3,
                3);
    }

    @Test
    public void networkInNetworkWithoutBiasMatchesTheFormula() {
        checkAgainstPlainBlock(
                () -> NetworkInNetwork.builder().setUnits(5).optBias(false).build(),
                3,
                2f,
                1f,
                2,
                3,
                4);
    }

    /** Stored weights start N(0, 1/lrMul²), biases 0. */
    @Test
    public void initializationIsUnitScaleOverLrMul() {
        for (float lrMul : new float[] {1f, 0.01f}) {
            EqualizedLearningRate eq =
                    EqualizedLearningRate.builder()
                            .setBlock(Linear.builder().setUnits(400).build())
                            .optLrMultiplier(lrMul)
                            .build();
            init(eq, DataType.FLOAT32, new Shape(1, 500));
            double[] w = NDAssert.toDoubles(eq.getParameters().get("01Linear_weight").getArray());
            double sum = 0;
            double squares = 0;
            for (double value : w) {
                sum += value;
                squares += value * value;
            }
            double mean = sum / w.length;
            double std = Math.sqrt(squares / w.length - mean * mean);
            // 200,000 draws: the sample std is within 1% of σ with overwhelming probability
            assertEquals(std, 1 / lrMul, 0.01 / lrMul);
            assertEquals(mean, 0, 0.01 / lrMul);
            NDAssert.assertAllClose(eq.getParameters().get("01Linear_bias").getArray(), 0, 0, 0);
        }
    }

    @Test
    public void parametersAreTheWrappedBlocksOnly() {
        EqualizedLearningRate eq =
                EqualizedLearningRate.wrap(
                        Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build());
        init(eq, DataType.FLOAT32, new Shape(2, 3, 6, 6));
        assertEquals(eq.getParameters().keys(), List.of("01Conv2d_weight", "01Conv2d_bias"));
        assertEquals(eq.getGain(), (float) Math.sqrt(2));
        assertEquals(eq.getLrMultiplier(), 1f);
        assertEquals(eq.getWeightScale(), Math.sqrt(2) / Math.sqrt(27), 1e-7);
        assertEquals(
                eq.getOutputShapes(new Shape[] {new Shape(2, 3, 6, 6)})[0], new Shape(2, 4, 4, 4));
    }

    @Test
    public void gradients() {
        for (long batch : new long[] {2, 9}) { // both paths of Linear(6 -> 3)
            EqualizedLearningRate eq =
                    EqualizedLearningRate.builder()
                            .setBlock(Linear.builder().setUnits(3).build())
                            .optLrMultiplier(0.5f)
                            .build();
            init(eq, DataType.FLOAT64, new Shape(batch, 6));
            setParameter(eq, "01Linear_bias", randn(60 + batch, DataType.FLOAT64, 3));
            GradientCheck.of(eq).check(manager, randn(70 + batch, DataType.FLOAT64, batch, 6));
        }
        EqualizedLearningRate conv = initialized(smallConv2d(), DataType.FLOAT64, 2, 2, 4, 4);
        setParameter(conv, "01Conv2d_bias", randn(80, DataType.FLOAT64, 2));
        GradientCheck.of(conv).check(manager, randn(81, DataType.FLOAT64, 2, 2, 4, 4));
        EqualizedLearningRate deconv =
                initialized(smallGroupedDeconv2d(), DataType.FLOAT64, 2, 2, 3, 3);
        setParameter(deconv, "01Deconv2d_bias", randn(82, DataType.FLOAT64, 4));
        GradientCheck.of(deconv)
                .maxPoints(12)
                .check(manager, randn(83, DataType.FLOAT64, 2, 2, 3, 3));
    }

    @Test
    public void saveLoadRoundTrip() {
        Supplier<EqualizedLearningRate> config =
                () ->
                        EqualizedLearningRate.builder()
                                .setBlock(Linear.builder().setUnits(4).build())
                                .optGain(1f)
                                .optLrMultiplier(0.1f)
                                .build();
        EqualizedLearningRate trained = init(config.get(), DataType.FLOAT32, new Shape(3, 6));
        setParameter(trained, "01Linear_bias", randn(90, 4));
        RoundTrip.assertSameAfterReload(manager, trained, config.get(), randn(91, 3, 6));
    }
}
