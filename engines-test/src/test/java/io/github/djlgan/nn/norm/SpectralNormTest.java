package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
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
import io.github.djlgan.training.DetachedParameterStore;
import java.util.List;
import java.util.function.Supplier;
import org.testng.Assert.ThrowingRunnable;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class SpectralNormTest extends WrapperBlockTestBase<SpectralNorm, SpectralNorm.Builder> {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public SpectralNormTest(String engine) {
        super(engine, "SpectralNorm", SpectralNorm::builder, SpectralNorm.Builder::build);
    }

    @Override
    protected List<BadOption<SpectralNorm.Builder>> badOptions() {
        return List.of(
                badOption("optPowerIterations", SpectralNorm.Builder::optPowerIterations, 0),
                badOption("optEpsilon", SpectralNorm.Builder::optEpsilon, 0f, -1f, Float.NaN));
    }

    @Override
    protected ConfigurationChange<SpectralNorm.Builder> configurationChange() {
        return new ConfigurationChange<>(
                b -> b.optPowerIterations(3), "powerIterations=1", "powerIterations=3");
    }

    @Override
    protected List<ThrowingRunnable> accessorsNeedingInitialization(SpectralNorm uninitialized) {
        return List.of(uninitialized::getSigma);
    }

    /**
     * Against {@code fixtures/spectral_norm.py} (torch.nn.utils.spectral_norm, PyTorch 1.13): one
     * training forward (output, gradient of the weight, updated u and v, σ), then an inference
     * forward. (The largest difference measured, relative to each array's largest value, was
     * 3.2e-7: float32 rounding.)
     */
    private void checkAgainstTorch(String prefix, Block wrapped, int powerIterations) {
        Fixtures f = Fixtures.load(manager, "spectral_norm");
        NDArray x = f.get(prefix + "_x");
        SpectralNorm sn =
                SpectralNorm.builder()
                        .setBlock(wrapped)
                        .optPowerIterations(powerIterations)
                        .build();
        init(sn, DataType.FLOAT32, x.getShape());
        String child = "01" + wrapped.getClass().getSimpleName();
        setParameter(sn, child + "_weight", f.get(prefix + "_w"));
        if (sn.getParameters().contains(child + "_bias")) {
            setParameter(sn, child + "_bias", f.get(prefix + "_b"));
        }
        setParameter(sn, "u", f.get(prefix + "_u0"));
        setParameter(sn, "v", f.get(prefix + "_v0"));

        NDArray weight = sn.getParameters().get(child + "_weight").getArray();
        NDArray y = forwardBackward(sn, x, f.get(prefix + "_r"));
        NDAssert.assertClose(y, f.get(prefix + "_y_train"), 1e-6, 1e-6);
        NDAssert.assertClose(weight.getGradient(), f.get(prefix + "_dw"), 1e-5, 1e-5);
        NDAssert.assertClose(
                sn.getParameters().get("u").getArray(), f.get(prefix + "_u1"), 1e-6, 1e-6);
        NDAssert.assertClose(
                sn.getParameters().get("v").getArray(), f.get(prefix + "_v1"), 1e-6, 1e-6);
        assertEquals(
                sn.getSigma(),
                f.get(prefix + "_sigma").toType(DataType.FLOAT32, false).getFloat(),
                1e-5);
        NDAssert.assertClose(forward(sn, false, x), f.get(prefix + "_y_eval"), 1e-6, 1e-6);
        // inference updates nothing
        NDAssert.assertClose(
                sn.getParameters().get("u").getArray(), f.get(prefix + "_u1"), 1e-6, 1e-6);
    }

    @Test
    public void linearMatchesTorch() {
        checkAgainstTorch("linear", fixtureLinear(), 1);
    }

    @Test
    public void linearWithThreePowerIterationsAndTheOutputScaledMatchesTorch() {
        checkAgainstTorch("linear3", fixtureLinear(), 3);
    }

    @Test
    public void conv2dMatchesTorch() {
        checkAgainstTorch("conv2d", fixtureConv2d(), 1);
    }

    @Test
    public void groupedConv2dWithoutBiasMatchesTorch() {
        checkAgainstTorch(
                "conv2d_groups",
                Conv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .setFilters(6)
                        .optGroups(2)
                        .optPadding(new Shape(1, 1))
                        .optBias(false)
                        .build(),
                1);
    }

    @Test
    public void deconv2dMatchesTorchConvTranspose2dOnDim1() {
        checkAgainstTorch("deconv2d", fixtureDeconv2d(), 1);
    }

    @Test
    public void groupedDeconv2dMatchesTorch() {
        checkAgainstTorch(
                "deconv2d_groups",
                Deconv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .setFilters(6)
                        .optGroups(2)
                        .optStride(new Shape(2, 2))
                        .optPadding(new Shape(1, 1))
                        .build(),
                1);
    }

    /**
     * Inference against the formula for blocks the fixtures do not cover, on both paths: the plain
     * block with its weight set to W/σ (σ from the stored u, v, in plain Java) gives the same
     * output.
     */
    private void checkInferenceAgainstPlainBlock(Supplier<Block> layer, long... in) {
        Shape inShape = new Shape(in);
        Block wrapped = layer.get();
        SpectralNorm sn = init(SpectralNorm.wrap(wrapped), DataType.FLOAT32, inShape);
        Block plain = init(layer.get(), DataType.FLOAT32, inShape);
        String child = "01" + wrapped.getClass().getSimpleName();
        // fixed weight, v, and u = W v/‖W v‖, so that σ = ‖W v‖ is well away from 0
        NDArray w = sn.getParameters().get(child + "_weight").getArray();
        setParameter(sn, child + "_weight", randn(93, w.getShape().getShape()));
        double[] wd = NDAssert.toDoubles(w);
        int rows = (int) w.getShape().get(0);
        double[] vd = Formulas.unit(gaussian(94, wd.length / rows));
        double[] ud = new double[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < vd.length; j++) {
                ud[i] += wd[i * vd.length + j] * vd[j];
            }
        }
        ud = Formulas.unit(ud);
        setParameter(sn, "u", manager.create(ud).toType(DataType.FLOAT32, false));
        setParameter(sn, "v", manager.create(vd).toType(DataType.FLOAT32, false));
        double s =
                Formulas.sigma(
                        wd,
                        NDAssert.toDoubles(sn.getParameters().get("u").getArray()),
                        NDAssert.toDoubles(sn.getParameters().get("v").getArray()));
        assertEquals(sn.getSigma(), s, 1e-5 * Math.abs(s));
        double[] normalised = NDAssert.toDoubles(w);
        for (int i = 0; i < normalised.length; i++) {
            normalised[i] /= s;
        }
        NDArray b =
                randn(91, sn.getParameters().get(child + "_bias").getArray().getShape().getShape());
        setParameter(sn, child + "_bias", b);
        setParameter(plain, "bias", b);
        setParameter(
                plain,
                "weight",
                manager.create(normalised, w.getShape()).toType(DataType.FLOAT32, false));
        NDArray x = randn(92, in);
        NDAssert.assertClose(forward(sn, false, x), forward(plain, false, x), 1e-5, 1e-5);
        NDAssert.assertClose(sn.getEffectiveWeight(manager), normalised, w.getShape(), 1e-5, 1e-6);
    }

    @Test
    public void inferenceMatchesTheFormulaOnBothPaths() {
        // Linear(20 -> 7): a batch of 30 (output 210 > weight 140) scales the weight, 2 the output
        for (long batch : new long[] {30, 2}) {
            checkInferenceAgainstPlainBlock(() -> Linear.builder().setUnits(7).build(), batch, 20);
        }
        checkInferenceAgainstPlainBlock(
                () -> NetworkInNetwork.builder().setUnits(5).build(), 2, 3, 4, 4);
        checkInferenceAgainstPlainBlock(
                () -> NetworkInNetwork.builder().setUnits(4).optUntieBiases(true).build(), 1, 6, 2);
    }

    /** Power iteration finds the largest singular value: W = diag(3, −2, 1) has σ = 3. */
    @Test
    public void repeatedTrainingForwardsConvergeToTheLargestSingularValue() {
        SpectralNorm sn = SpectralNorm.wrap(Linear.builder().setUnits(3).optBias(false).build());
        init(sn, DataType.FLOAT32, new Shape(2, 3));
        setParameter(
                sn,
                "01Linear_weight",
                manager.create(new float[] {3, 0, 0, 0, -2, 0, 0, 0, 1}, new Shape(3, 3)));
        NDArray x = randn(3, 2, 3);
        for (int i = 0; i < 60; i++) {
            forward(sn, true, x);
        }
        assertEquals(sn.getSigma(), 3f, 1e-4);
        // the layer now has spectral norm 1: W / 3
        NDAssert.assertClose(
                forward(sn, false, x),
                x.mul(manager.create(new float[] {1, -2f / 3, 1f / 3})),
                1e-4,
                1e-5);
        // u and v stay unit vectors
        assertEquals(sn.getParameters().get("u").getArray().norm().getFloat(), 1f, 1e-5);
        assertEquals(sn.getParameters().get("v").getArray().norm().getFloat(), 1f, 1e-5);
    }

    @Test
    public void parametersAndShapes() {
        SpectralNorm sn =
                SpectralNorm.wrap(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .setFilters(6)
                                .optGroups(2)
                                .build());
        init(sn, DataType.FLOAT32, new Shape(2, 4, 5, 5));
        assertEquals(
                sn.getParameters().keys(),
                List.of("u", "v", "01Deconv2d_weight", "01Deconv2d_bias"));
        // weight (4, 3, 3, 3): rows = its axis 1 (out/groups, as PyTorch's dim=1), rest 4·3·3
        assertEquals(sn.getParameters().get("u").getArray().getShape(), new Shape(3));
        assertEquals(sn.getParameters().get("v").getArray().getShape(), new Shape(36));
        assertFalse(sn.getParameters().get("u").requiresGradient());
        assertFalse(sn.getParameters().get("v").requiresGradient());
        // initial u and v are unit vectors
        assertEquals(sn.getParameters().get("u").getArray().norm().getFloat(), 1f, 1e-5);
        assertEquals(sn.getParameters().get("v").getArray().norm().getFloat(), 1f, 1e-5);
        assertEquals(
                sn.getOutputShapes(new Shape[] {new Shape(2, 4, 5, 5)})[0], new Shape(2, 6, 7, 7));
        assertEquals(sn.getPowerIterations(), 1);
        assertEquals(sn.getEpsilon(), 1e-12f);
    }

    @Test
    public void trainingUpdatesUAndVInferenceDoesNot() {
        SpectralNorm sn = SpectralNorm.wrap(Linear.builder().setUnits(4).build());
        init(sn, DataType.FLOAT32, new Shape(3, 5));
        NDArray x = randn(5, 3, 5);
        double[] u0 = NDAssert.toDoubles(sn.getParameters().get("u").getArray());
        forward(sn, false, x);
        NDAssert.assertClose(sn.getParameters().get("u").getArray(), u0, new Shape(4), 0, 0);
        forward(sn, true, x);
        double[] u1 = NDAssert.toDoubles(sn.getParameters().get("u").getArray());
        assertFalse(java.util.Arrays.equals(u0, u1));
    }

    /**
     * A discriminator run on detached parameters (the generator's update) still updates u and v in
     * place, on both engines, as PyTorch's spectral_norm does in training mode.
     */
    @Test
    public void detachedParameterStoreStillUpdatesUAndV() {
        SpectralNorm sn = SpectralNorm.wrap(Linear.builder().setUnits(4).build());
        init(sn, DataType.FLOAT32, new Shape(3, 5));
        SpectralNorm twin = SpectralNorm.wrap(Linear.builder().setUnits(4).build());
        init(twin, DataType.FLOAT32, new Shape(3, 5));
        for (String p : List.of("u", "v", "01Linear_weight", "01Linear_bias")) {
            setParameter(twin, p, sn.getParameters().get(p).getArray());
        }
        NDArray x = randn(6, 3, 5);
        sn.forward(new DetachedParameterStore(manager), new NDList(x), true);
        forward(twin, true, x);
        for (String p : List.of("u", "v")) {
            NDAssert.assertClose(
                    sn.getParameters().get(p).getArray(),
                    twin.getParameters().get(p).getArray(),
                    0,
                    0);
        }
    }

    @Test
    public void gradientsLinearBothPaths() {
        for (long batch : new long[] {2, 9}) { // output (2, 3) < weight (3, 6) < (9, 3)
            SpectralNorm sn = SpectralNorm.wrap(Linear.builder().setUnits(3).build());
            init(sn, DataType.FLOAT64, new Shape(batch, 6));
            GradientCheck.of(sn)
                    .training(false)
                    .check(manager, randn(10 + batch, DataType.FLOAT64, batch, 6));
        }
    }

    @Test
    public void gradientsNetworkInNetworkScalingTheOutput() {
        // output (1, 3, 2) smaller than the weight (3, 6); rank 3: σ computed on its own
        SpectralNorm sn = SpectralNorm.wrap(NetworkInNetwork.builder().setUnits(3).build());
        init(sn, DataType.FLOAT64, new Shape(1, 6, 2));
        GradientCheck.of(sn).training(false).check(manager, randn(23, DataType.FLOAT64, 1, 6, 2));
    }

    @Test
    public void gradientsConv2dAndDeconv2d() {
        SpectralNorm conv = initialized(smallConv2d(), DataType.FLOAT64, 2, 2, 4, 4);
        GradientCheck.of(conv)
                .training(false)
                .check(manager, randn(21, DataType.FLOAT64, 2, 2, 4, 4));
        SpectralNorm deconv = initialized(smallGroupedDeconv2d(), DataType.FLOAT64, 2, 2, 3, 3);
        GradientCheck.of(deconv)
                .training(false)
                .maxPoints(12)
                .check(manager, randn(22, DataType.FLOAT64, 2, 2, 3, 3));
    }

    @Test
    public void saveLoadRoundTrip() {
        Supplier<SpectralNorm> config =
                () ->
                        SpectralNorm.builder()
                                .setBlock(
                                        Conv2d.builder()
                                                .setKernelShape(new Shape(3, 3))
                                                .setFilters(4)
                                                .build())
                                .optPowerIterations(2)
                                .build();
        SpectralNorm trained = init(config.get(), DataType.FLOAT32, new Shape(2, 3, 6, 6));
        for (int i = 0; i < 3; i++) {
            forward(trained, true, randn(30 + i, 2, 3, 6, 6));
        }
        RoundTrip.assertSameAfterReload(manager, trained, config.get(), randn(34, 2, 3, 6, 6));
    }

    /** An all-zero weight gives a zero weight (output = bias), not 0/0. */
    @Test
    public void zeroWeightGivesTheBiasNotNaN() {
        SpectralNorm sn = SpectralNorm.wrap(Linear.builder().setUnits(3).build());
        init(sn, DataType.FLOAT32, new Shape(2, 4));
        setParameter(sn, "01Linear_weight", manager.zeros(new Shape(3, 4)));
        NDArray b = randn(40, 3);
        setParameter(sn, "01Linear_bias", b);
        for (boolean training : new boolean[] {true, false}) {
            NDAssert.assertClose(
                    forward(sn, training, randn(41, 2, 4)),
                    b.reshape(1, 3).broadcast(new Shape(2, 3)),
                    0,
                    0);
        }
    }
}
