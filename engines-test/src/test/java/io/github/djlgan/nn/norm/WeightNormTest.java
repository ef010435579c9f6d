package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Fixtures;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import java.util.List;
import java.util.function.Supplier;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class WeightNormTest extends WrapperBlockTestBase<WeightNorm, WeightNorm.Builder> {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public WeightNormTest(String engine) {
        super(engine, "WeightNorm", WeightNorm::builder, WeightNorm.Builder::build);
    }

    @Override
    protected List<BadOption<WeightNorm.Builder>> badOptions() {
        return List.of(badOption("optInitScale", WeightNorm.Builder::optInitScale, 0f));
    }

    @Override
    protected ConfigurationChange<WeightNorm.Builder> configurationChange() {
        return new ConfigurationChange<>(b -> b.optInitScale(2f), "initScale=1.0", "initScale=2.0");
    }

    private NDArray asArray(double[] values, Shape shape) {
        return manager.create(values, shape).toType(DataType.FLOAT32, false);
    }

    private void checkAgainstTorch(String prefix, Block wrapped) {
        Fixtures f = Fixtures.load(manager, "weight_norm");
        NDArray x = f.get(prefix + "_x");
        WeightNorm wn = WeightNorm.wrap(wrapped);
        init(wn, DataType.FLOAT32, x.getShape());
        String child = "01" + wrapped.getClass().getSimpleName();
        setParameter(wn, child + "_weight", f.get(prefix + "_v"));
        setParameter(wn, child + "_bias", f.get(prefix + "_b"));
        setParameter(wn, "g", f.get(prefix + "_g"));
        NDAssert.assertClose(forward(wn, false, x), f.get(prefix + "_y"), 1e-5, 1e-5);
        NDAssert.assertClose(forward(wn, true, x), f.get(prefix + "_y"), 1e-5, 1e-5);
    }

    @Test
    public void linearMatchesTorchWeightNorm() {
        checkAgainstTorch("linear", fixtureLinear());
    }

    @Test
    public void conv1dMatchesTorchWeightNorm() {
        checkAgainstTorch(
                "conv1d",
                Conv1d.builder()
                        .setKernelShape(new Shape(3))
                        .setFilters(4)
                        .optPadding(new Shape(1))
                        .build());
    }

    @Test
    public void conv2dMatchesTorchWeightNorm() {
        checkAgainstTorch("conv2d", fixtureConv2d());
    }

    @Test
    public void deconv2dMatchesTorchWeightNormOnAxis1() {
        checkAgainstTorch("deconv2d", fixtureDeconv2d());
    }

    @Test
    public void groupedDeconv2dNormalisesEachOutputChannelOverItsGroup() {
        Deconv2d.Builder config =
                Deconv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .setFilters(6)
                        .optGroups(2)
                        .optStride(new Shape(2, 2));
        WeightNorm wn = WeightNorm.wrap(config.build());
        Deconv2d plain = config.build();
        Shape in = new Shape(2, 4, 3, 3);
        init(wn, DataType.FLOAT32, in);
        init(plain, DataType.FLOAT32, in);
        NDArray v = wn.getParameters().get("01Deconv2d_weight").getArray();
        assertEquals(v.getShape(), new Shape(4, 3, 3, 3));
        assertEquals(wn.getParameters().get("g").getArray().getShape(), new Shape(6));
        NDArray g = randn(64, 6).abs().add(0.5f);
        setParameter(wn, "g", g);
        double[] w =
                Formulas.weightNormDeconv(
                        NDAssert.toDoubles(v), v.getShape(), 2, NDAssert.toDoubles(g));
        setParameter(plain, "weight", asArray(w, v.getShape()));
        NDArray b = randn(65, 6);
        setParameter(wn, "01Deconv2d_bias", b);
        setParameter(plain, "bias", b);
        NDArray x = randn(66, 2, 4, 3, 3);
        NDAssert.assertClose(forward(wn, false, x), forward(plain, false, x), 1e-5, 1e-5);
        // one 1×1 image: output (1, 6, 3, 3) is smaller than the weight, so the output is scaled
        NDArray small = randn(67, 1, 4, 1, 1);
        NDAssert.assertClose(forward(wn, false, small), forward(plain, false, small), 1e-5, 1e-5);
        NDAssert.assertClose(wn.getEffectiveWeight(manager), w, v.getShape(), 1e-5, 1e-6);
    }

    /**
     * Grouped transposed convolution against PyTorch (fixture {@code
     * weight_norm_grouped_deconv.py}). PyTorch's {@code weight_norm(dim=1)} on a grouped {@code
     * ConvTranspose2d} keeps only out/groups scales (axis 1 of the (in, out/groups, kh, kw) weight
     * is the channel within its group), so the fixture applies {@code weight_norm(dim=1)} to one
     * ungrouped {@code ConvTranspose2d} per group and concatenates: one g per output channel,
     * normed over its own group's input channels. Output and the gradients of sum(y·r) with respect
     * to the input, v and g are compared, for an output larger than the weight ("grouped") and
     * smaller ("small", the output-scaling path).
     */
    @Test
    public void groupedDeconv2dMatchesTorchWeightNormPerGroup() {
        Fixtures f = Fixtures.load(manager, "weight_norm_grouped_deconv");
        for (String prefix : new String[] {"grouped", "small"}) {
            NDArray x = f.get(prefix + "_x");
            WeightNorm wn =
                    WeightNorm.wrap(
                            Deconv2d.builder()
                                    .setKernelShape(new Shape(3, 3))
                                    .setFilters(6)
                                    .optGroups(2)
                                    .optStride(new Shape(2, 2))
                                    .optPadding(new Shape(1, 1))
                                    .optOutPadding(new Shape(1, 1))
                                    .build());
            init(wn, DataType.FLOAT64, x.getShape());
            setParameter(wn, "01Deconv2d_weight", f.get(prefix + "_v"));
            setParameter(wn, "01Deconv2d_bias", f.get(prefix + "_b"));
            setParameter(wn, "g", f.get(prefix + "_g"));
            NDAssert.assertClose(forward(wn, false, x), f.get(prefix + "_y"), 1e-9, 1e-10);
            x.setRequiresGradient(true);
            NDArray y = forwardBackward(wn, x, f.get(prefix + "_r"));
            NDAssert.assertClose(y, f.get(prefix + "_y"), 1e-9, 1e-10);
            NDAssert.assertClose(x.getGradient(), f.get(prefix + "_dx"), 1e-9, 1e-10);
            NDAssert.assertClose(
                    wn.getParameters().get("01Deconv2d_weight").getArray().getGradient(),
                    f.get(prefix + "_dv"),
                    1e-9,
                    1e-10);
            NDAssert.assertClose(
                    wn.getParameters().get("g").getArray().getGradient(),
                    f.get(prefix + "_dg"),
                    1e-9,
                    1e-10);
        }
    }

    @Test
    public void gradientsDeconv2d() {
        WeightNorm wn =
                WeightNorm.wrap(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .setFilters(4)
                                .optGroups(2)
                                .optStride(new Shape(2, 2))
                                .optPadding(new Shape(1, 1))
                                .build());
        init(wn, DataType.FLOAT64, new Shape(2, 2, 3, 3));
        setParameter(wn, "g", randn(78, DataType.FLOAT64, 4).abs().add(0.5));
        GradientCheck.of(wn).maxPoints(12).check(manager, randn(79, DataType.FLOAT64, 2, 2, 3, 3));
        // output (1, 4, 1, 1) smaller than the weight (2, 2, 3, 3): the output-scaling path
        GradientCheck.of(wn).check(manager, randn(86, DataType.FLOAT64, 1, 2, 1, 1));
    }

    /**
     * For blocks torch has no weight_norm fixture of here: the plain block with its weight set to
     * the independently computed g·v/‖v‖ must give the same output.
     */
    private void checkAgainstPlainBlock(Supplier<Block> layer, long... in) {
        Shape inShape = new Shape(in);
        Block wrapped = layer.get();
        WeightNorm wn = init(WeightNorm.wrap(wrapped), DataType.FLOAT32, inShape);
        Block plain = init(layer.get(), DataType.FLOAT32, inShape);
        String child = "01" + wrapped.getClass().getSimpleName();
        NDArray v = wn.getParameters().get(child + "_weight").getArray();
        Shape gShape = wn.getParameters().get("g").getArray().getShape();
        NDArray g = randn(61, gShape.getShape()).abs().add(0.5f);
        setParameter(wn, "g", g);
        NDArray b = randn(62, gShape.getShape());
        boolean ownBias = wn.getDirectParameters().contains("bias");
        setParameter(wn, ownBias ? "bias" : child + "_bias", b);
        double[] w = Formulas.weightNorm(NDAssert.toDoubles(v), NDAssert.toDoubles(g));
        setParameter(plain, "weight", asArray(w, v.getShape()));
        NDArray x = randn(63, in);
        NDArray expected = forward(plain, false, x);
        if (ownBias) {
            Shape out = expected.getShape();
            long[] dims = new long[out.dimension()];
            java.util.Arrays.fill(dims, 1L);
            int axis = wrapped instanceof Linear ? out.dimension() - 1 : 1;
            dims[axis] = b.size();
            expected = expected.add(b.reshape(dims));
        } else {
            setParameter(plain, "bias", b);
            expected = forward(plain, false, x);
        }
        NDAssert.assertClose(forward(wn, false, x), expected, 1e-5, 1e-5);
    }

    @Test
    public void networkInNetworkMatchesFormula() {
        checkAgainstPlainBlock(() -> NetworkInNetwork.builder().setUnits(5).build(), 2, 3, 4, 4);
        checkAgainstPlainBlock(() -> NetworkInNetwork.builder().setUnits(2).build(), 3, 4, 6);
    }

    /**
     * WeightNorm scales the output instead of the weight when the output is the smaller array: a
     * batch of 2 through Linear(20 → 7) (output 14 values, weight 140) takes that path, a batch of
     * 30 (output 210) scales the weight. Both must give g·v/‖v‖ applied by the plain layer.
     */
    @Test
    public void outputScalingAndWeightScalingBothMatchTheFormula() {
        for (long batch : new long[] {2, 30}) {
            checkAgainstPlainBlock(() -> Linear.builder().setUnits(7).build(), batch, 20);
            checkAgainstPlainBlock(
                    () -> Linear.builder().setUnits(7).optBias(false).build(), batch, 20);
        }
        // NetworkInNetwork(6 → 5) on (1, 6, 1): output 5 values, weight 30
        checkAgainstPlainBlock(() -> NetworkInNetwork.builder().setUnits(5).build(), 1, 6, 1);
    }

    @Test
    public void gradientsLinearScalingTheOutput() {
        // output (2, 3) is smaller than the weight (3, 6): the output-scaling path
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(3).build());
        init(wn, DataType.FLOAT64, new Shape(2, 6));
        setParameter(wn, "g", randn(80, DataType.FLOAT64, 3).abs().add(0.5));
        setParameter(wn, "01Linear_bias", randn(81, DataType.FLOAT64, 3));
        GradientCheck.of(wn).check(manager, randn(82, DataType.FLOAT64, 2, 6));
        WeightNorm ownBias = WeightNorm.wrap(Linear.builder().setUnits(3).optBias(false).build());
        init(ownBias, DataType.FLOAT64, new Shape(2, 6));
        setParameter(ownBias, "g", randn(83, DataType.FLOAT64, 3).abs().add(0.5));
        setParameter(ownBias, "bias", randn(84, DataType.FLOAT64, 3));
        GradientCheck.of(ownBias).check(manager, randn(85, DataType.FLOAT64, 2, 6));
    }

    @Test
    public void groupedConv2dMatchesFormula() {
        checkAgainstPlainBlock(WrapperBlockTestBase::groupedConv2d, 2, 4, 5, 5);
    }

    @Test
    public void linearWithoutBiasGetsItsOwnBiasOnTheLastAxis() {
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(3).optBias(false).build());
        init(wn, DataType.FLOAT32, new Shape(4, 2, 6));
        assertEquals(wn.getParameters().get("bias").getArray().getShape(), new Shape(3));
        assertNull(wn.getParameters().get("01Linear_bias"));
        checkAgainstPlainBlock(() -> Linear.builder().setUnits(3).optBias(false).build(), 4, 2, 6);
    }

    @Test
    public void parametersAndShapes() {
        WeightNorm wn =
                WeightNorm.wrap(
                        Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build());
        init(wn, DataType.FLOAT32, new Shape(2, 3, 9, 9));
        assertEquals(wn.getParameters().keys(), List.of("g", "01Conv2d_weight", "01Conv2d_bias"));
        assertEquals(wn.getParameters().get("g").getArray().getShape(), new Shape(8));
        NDAssert.assertAllClose(wn.getParameters().get("g").getArray(), 1, 0, 0);
        assertEquals(
                wn.getOutputShapes(new Shape[] {new Shape(2, 3, 9, 9)})[0], new Shape(2, 8, 7, 7));
        assertTrue(wn.getParameters().get("g").requiresGradient());
        assertEquals(forward(wn, false, randn(1, 2, 3, 9, 9)).getShape(), new Shape(2, 8, 7, 7));
    }

    @Test
    public void effectiveWeightHasNormGPerChannel() {
        WeightNorm wn =
                WeightNorm.wrap(
                        Conv2d.builder().setKernelShape(new Shape(2, 2)).setFilters(3).build());
        init(wn, DataType.FLOAT32, new Shape(1, 2, 6, 6));
        NDArray g = manager.create(new float[] {0.5f, 2f, 3f});
        setParameter(wn, "g", g);
        NDArray w = wn.getEffectiveWeight(manager);
        assertEquals(w.getShape(), new Shape(3, 2, 2, 2));
        double[] values = NDAssert.toDoubles(w);
        double[] norms = new double[3];
        for (int i = 0; i < values.length; i++) {
            norms[i / 8] += values[i] * values[i];
        }
        for (int o = 0; o < 3; o++) {
            assertEquals(Math.sqrt(norms[o]), new double[] {0.5, 2, 3}[o], 1e-5);
        }
        // the direction is unchanged: w / g equals v / ||v||
        double[] v = NDAssert.toDoubles(wn.getParameters().get("01Conv2d_weight").getArray());
        NDAssert.assertClose(
                w, Formulas.weightNorm(v, new double[] {0.5, 2, 3}), w.getShape(), 1e-5, 1e-6);
    }

    @Test
    public void frozenScale() {
        WeightNorm wn =
                WeightNorm.builder()
                        .setBlock(Linear.builder().setUnits(3).build())
                        .optTrainScale(false)
                        .optInitScale(0.5f)
                        .build();
        init(wn, DataType.FLOAT64, new Shape(4, 5));
        assertFalse(wn.getParameters().get("g").requiresGradient());
        assertFalse(wn.isTrainScale());
        assertEquals(wn.getInitScale(), 0.5f);
        // g is excluded from the check because it is not trainable; v, bias and the input are
        int checked = GradientCheck.of(wn).check(manager, randn(71, DataType.FLOAT64, 4, 5));
        assertEquals(checked, 20 + 15 + 3);
    }

    @Test
    public void gradientsLinear() {
        WeightNorm wn = WeightNorm.wrap(Linear.builder().setUnits(3).optBias(false).build());
        init(wn, DataType.FLOAT64, new Shape(2, 3, 4));
        setParameter(wn, "g", randn(72, DataType.FLOAT64, 3).abs().add(0.5));
        GradientCheck.of(wn).check(manager, randn(73, DataType.FLOAT64, 2, 3, 4));
    }

    @Test
    public void gradientsConv2d() {
        WeightNorm wn = initialized(smallConv2d(), DataType.FLOAT64, 2, 2, 4, 4);
        setParameter(wn, "g", randn(74, DataType.FLOAT64, 2).abs().add(0.5));
        GradientCheck.of(wn).check(manager, randn(75, DataType.FLOAT64, 2, 2, 4, 4));
    }

    @Test
    public void gradientsNetworkInNetwork() {
        WeightNorm wn = WeightNorm.wrap(NetworkInNetwork.builder().setUnits(3).build());
        init(wn, DataType.FLOAT64, new Shape(2, 4, 3));
        setParameter(wn, "g", randn(76, DataType.FLOAT64, 3).abs().add(0.5));
        GradientCheck.of(wn).check(manager, randn(77, DataType.FLOAT64, 2, 4, 3));
    }

    @Test
    public void saveLoadRoundTrip() {
        Supplier<WeightNorm> config =
                () ->
                        WeightNorm.builder()
                                .setBlock(Linear.builder().setUnits(4).optBias(false).build())
                                .optInitScale(0.7f)
                                .build();
        WeightNorm trained = init(config.get(), DataType.FLOAT32, new Shape(3, 6));
        setParameter(trained, "g", randn(81, 4));
        setParameter(trained, "bias", randn(82, 4));
        RoundTrip.assertSameAfterReload(manager, trained, config.get(), randn(83, 3, 6));
    }
}
