package io.github.djlgan.nn.convolutional;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import java.io.IOException;
import java.io.InputStream;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

public class Deconv2dTest extends EngineTest {

    /** The cases of fixtures/deconv2d.npz, written by fixtures/deconv2d.py with PyTorch. */
    private static final String[] PYTORCH_CASES = {
        "stride1",
        "dcgan",
        "improvedgan",
        "stride3",
        "groups2",
        "nonsquare",
        "dilation2",
        "dilation3stride2",
        "bigpadding",
        "depthwise"
    };

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public Deconv2dTest(String engine) {
        super(engine);
    }

    /** A configuration: input (N, C, H, W), filters, groups and the per-axis hyper-parameters. */
    record Config(
            long[] input,
            int filters,
            int groups,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] outPadding,
            int[] dilation,
            boolean bias) {

        Deconv2d build() {
            return Deconv2d.builder()
                    .setKernelShape(shape(kernel))
                    .setFilters(filters)
                    .optStride(shape(stride))
                    .optPadding(shape(padding))
                    .optOutPadding(shape(outPadding))
                    .optDilation(shape(dilation))
                    .optGroups(groups)
                    .optBias(bias)
                    .build();
        }

        Shape inputShape() {
            return new Shape(input);
        }

        Shape weightShape() {
            return new Shape(input[1], filters / groups, kernel[0], kernel[1]);
        }

        long outSize(int axis) {
            return (input[2 + axis] - 1) * stride[axis]
                    - 2L * padding[axis]
                    + (long) dilation[axis] * (kernel[axis] - 1)
                    + outPadding[axis]
                    + 1;
        }

        Shape outputShape() {
            return new Shape(input[0], filters, outSize(0), outSize(1));
        }

        private static Shape shape(int[] pair) {
            return new Shape(pair[0], pair[1]);
        }
    }

    /** {@link Formulas#deconv2d} for a configuration. */
    static double[] scatter(Config cfg, double[] x, double[] w, double[] b) {
        return Formulas.deconv2d(
                x,
                cfg.inputShape(),
                w,
                cfg.filters,
                cfg.groups,
                cfg.kernel,
                cfg.stride,
                cfg.padding,
                cfg.outPadding,
                cfg.dilation,
                b);
    }

    private static Config config(
            long[] input,
            int filters,
            int groups,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] outPadding,
            int[] dilation,
            boolean bias) {
        return new Config(
                input, filters, groups, kernel, stride, padding, outPadding, dilation, bias);
    }

    private static int[] p(int h, int w) {
        return new int[] {h, w};
    }

    private static long[] in(long n, long c, long h, long w) {
        return new long[] {n, c, h, w};
    }

    private NDList fixtures() throws IOException {
        try (InputStream is = getClass().getResourceAsStream("/fixtures/deconv2d.npz")) {
            assertNotNull(is, "fixtures/deconv2d.npz");
            return NDList.decode(manager, is);
        }
    }

    @Test
    public void matchesPyTorchConvTranspose2d() throws IOException {
        NDList fixtures = fixtures();
        for (String name : PYTORCH_CASES) {
            NDArray x = fixtures.get(name + "_x");
            NDArray w = fixtures.get(name + "_w");
            NDArray b = fixtures.get(name + "_b");
            NDArray want = fixtures.get(name + "_y");
            long[] c = fixtures.get(name + "_config").toLongArray();
            Deconv2d block =
                    Deconv2d.builder()
                            .setKernelShape(w.getShape().slice(2))
                            .setFilters((int) want.getShape().get(1))
                            .optStride(new Shape(c[0], c[1]))
                            .optPadding(new Shape(c[2], c[3]))
                            .optOutPadding(new Shape(c[4], c[5]))
                            .optDilation(new Shape(c[6], c[7]))
                            .optGroups((int) c[8])
                            .optBias(b != null)
                            .build();
            init(block, DataType.FLOAT64, x.getShape());
            setParameter(block, "weight", w);
            if (b != null) {
                setParameter(block, "bias", b);
            }
            try {
                assertEquals(block.getOutputShapes(new Shape[] {x.getShape()})[0], want.getShape());
                NDAssert.assertClose(forward(block, false, x), want, 1e-10, 1e-10);
                NDAssert.assertClose(forward(block, true, x), want, 1e-10, 1e-10);
            } catch (AssertionError e) {
                throw new AssertionError(name + ": " + e.getMessage(), e);
            }
        }
    }

    /** Configurations the PyTorch fixtures do not cover, against the scatter definition. */
    private static final Config[] SCATTER_CASES = {
        // stride 4 > kernel 3: one phase per axis is bias only
        config(in(2, 3, 3, 2), 2, 1, p(3, 2), p(4, 4), p(1, 0), p(3, 2), p(1, 1), true),
        // stride 2 and dilation 2 share a factor: half the phases get no tap
        config(in(1, 2, 4, 3), 4, 2, p(3, 3), p(2, 4), p(1, 1), p(1, 3), p(2, 2), true),
        // output padding below the dilation but not below the stride (PyTorch allows it)
        config(in(2, 2, 3, 3), 3, 1, p(3, 2), p(1, 1), p(0, 1), p(1, 0), p(2, 1), false),
        // padding beyond the kernel's reach on one axis, none on the other
        config(in(1, 3, 7, 2), 3, 3, p(2, 3), p(3, 1), p(5, 0), p(2, 0), p(1, 3), true),
        // 1x1 kernel with stride 2: pure zero-insertion upsampling
        config(in(2, 2, 3, 4), 2, 1, p(1, 1), p(2, 2), p(0, 0), p(1, 1), p(1, 1), true),
    };

    @Test
    public void matchesScatterDefinition() {
        long seed = 100;
        for (Config cfg : SCATTER_CASES) {
            Deconv2d block = cfg.build();
            init(block, DataType.FLOAT32, cfg.inputShape());
            NDArray w = randn(seed++, cfg.weightShape().getShape());
            NDArray b = randn(seed++, cfg.filters);
            NDArray x = randn(seed++, cfg.input);
            setParameter(block, "weight", w);
            if (cfg.bias) {
                setParameter(block, "bias", b);
            }

            NDArray y = forward(block, false, x);

            double[] want =
                    scatter(
                            cfg,
                            NDAssert.toDoubles(x),
                            NDAssert.toDoubles(w),
                            cfg.bias ? NDAssert.toDoubles(b) : null);
            NDAssert.assertClose(y, want, cfg.outputShape(), 1e-5, 1e-5);
        }
    }

    @Test
    public void functionalFormMatchesScatterDefinition() {
        Config cfg =
                config(in(2, 4, 3, 4), 6, 2, p(3, 4), p(2, 3), p(1, 2), p(1, 2), p(1, 1), true);
        NDArray x = randn(1, DataType.FLOAT64, cfg.input);
        NDArray w = randn(2, DataType.FLOAT64, cfg.weightShape().getShape());
        NDArray b = randn(3, DataType.FLOAT64, 6);

        NDArray y =
                Deconv2d.deconv2d(
                        x,
                        w,
                        b,
                        new Shape(2, 3),
                        new Shape(1, 2),
                        new Shape(1, 2),
                        new Shape(1, 1),
                        2);

        double[] want =
                scatter(cfg, NDAssert.toDoubles(x), NDAssert.toDoubles(w), NDAssert.toDoubles(b));
        NDAssert.assertClose(y, want, cfg.outputShape(), 1e-12, 1e-12);
        assertEquals(y.getDataType(), DataType.FLOAT64);
    }

    @Test
    public void shapes() {
        Config[] configs = {
            config(in(3, 5, 8, 8), 4, 1, p(4, 4), p(2, 2), p(1, 1), p(0, 0), p(1, 1), true),
            config(in(2, 6, 4, 5), 9, 3, p(5, 3), p(2, 3), p(2, 0), p(1, 2), p(1, 2), false),
            config(in(1, 2, 1, 1), 3, 1, p(1, 1), p(1, 1), p(0, 0), p(0, 0), p(1, 1), true),
        };
        for (Config cfg : configs) {
            Deconv2d block = cfg.build();
            init(block, DataType.FLOAT32, cfg.inputShape());
            assertEquals(
                    block.getOutputShapes(new Shape[] {cfg.inputShape()})[0], cfg.outputShape());
            assertEquals(forward(block, false, randn(1, cfg.input)).getShape(), cfg.outputShape());
            assertEquals(
                    block.getParameters().get("weight").getArray().getShape(), cfg.weightShape());
            Parameter bias = block.getParameters().get("bias");
            if (cfg.bias) {
                assertEquals(bias.getArray().getShape(), new Shape(cfg.filters));
            } else {
                assertNull(bias);
            }
        }
        // DCGAN: 4x4, stride 2, padding 1 doubles the size; an unknown batch stays unknown
        Deconv2d dcgan =
                Deconv2d.builder()
                        .setKernelShape(new Shape(4, 4))
                        .setFilters(64)
                        .optStride(new Shape(2, 2))
                        .optPadding(new Shape(1, 1))
                        .build();
        assertEquals(
                dcgan.getOutputShapes(new Shape[] {new Shape(-1, 128, 16, 16)})[0],
                new Shape(-1, 64, 32, 32));
    }

    @Test
    public void getters() {
        Deconv2d block =
                Deconv2d.builder()
                        .setKernelShape(new Shape(5, 3))
                        .setFilters(6)
                        .optStride(new Shape(2, 3))
                        .optPadding(new Shape(2, 1))
                        .optOutPadding(new Shape(1, 2))
                        .optDilation(new Shape(1, 2))
                        .optGroups(3)
                        .optBias(false)
                        .build();
        assertEquals(block.getKernelShape(), new Shape(5, 3));
        assertEquals(block.getFilters(), 6);
        assertEquals(block.getStride(), new Shape(2, 3));
        assertEquals(block.getPadding(), new Shape(2, 1));
        assertEquals(block.getOutPadding(), new Shape(1, 2));
        assertEquals(block.getDilation(), new Shape(1, 2));
        assertEquals(block.getGroups(), 3);
        assertFalse(block.hasBias());

        Deconv2d defaults =
                Deconv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build();
        assertEquals(defaults.getStride(), new Shape(1, 1));
        assertEquals(defaults.getPadding(), new Shape(0, 0));
        assertEquals(defaults.getOutPadding(), new Shape(0, 0));
        assertEquals(defaults.getDilation(), new Shape(1, 1));
        assertEquals(defaults.getGroups(), 1);
        assertTrue(defaults.hasBias());
    }

    /** A store that hands out derived values, as a weight-normalisation wrapper does. */
    private static final class ScalingStore extends ParameterStore {

        private final double scale;

        ScalingStore(NDManager manager, double scale) {
            super(manager, false);
            this.scale = scale;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            if (parameter == null || "bias".equals(parameter.getName())) {
                return null; // no bias
            }
            return super.getValue(parameter, device, training).mul(scale);
        }
    }

    @Test
    public void readsParametersFromTheStoreOnEveryCall() {
        Config cfg =
                config(in(2, 3, 3, 3), 2, 1, p(3, 3), p(2, 2), p(1, 1), p(1, 1), p(1, 1), true);
        Deconv2d block = cfg.build();
        init(block, DataType.FLOAT32, cfg.inputShape());
        NDArray w = randn(61, cfg.weightShape().getShape());
        setParameter(block, "weight", w);
        setParameter(block, "bias", randn(62, 2));
        NDArray x = randn(63, cfg.input);
        double[] xs = NDAssert.toDoubles(x);
        for (double scale : new double[] {2, -0.5}) {
            NDArray y =
                    block.forward(new ScalingStore(manager, scale), new NDList(x), false).head();
            NDArray scaled = w.mul(scale);
            NDAssert.assertClose(
                    y,
                    scatter(cfg, xs, NDAssert.toDoubles(scaled), null),
                    cfg.outputShape(),
                    1e-5,
                    1e-5);
        }
    }

    @Test
    public void forwardLeavesNoTemporariesOnTheParameterManager() {
        Config cfg =
                config(in(2, 4, 3, 3), 4, 2, p(3, 2), p(2, 2), p(1, 0), p(1, 1), p(1, 1), true);
        try (NDManager parameters = manager.newSubManager()) {
            Deconv2d block = cfg.build();
            block.initialize(parameters, DataType.FLOAT32, cfg.inputShape());
            int before = parameters.getManagedArrays().size();
            for (boolean training : new boolean[] {false, true}) {
                try (NDManager call = manager.newSubManager()) {
                    NDArray x = randn(71, cfg.input);
                    x.attach(call);
                    block.forward(new ParameterStore(call, false), new NDList(x), training);
                    assertEquals(
                            parameters.getManagedArrays().size(),
                            before,
                            "arrays on the parameters' manager after a forward pass");
                }
            }
        }
    }

    @Test
    public void gradientsStridedGroupedAsymmetric() {
        Config cfg =
                config(in(2, 4, 3, 3), 4, 2, p(3, 2), p(2, 3), p(1, 0), p(1, 2), p(1, 1), true);
        Deconv2d block = cfg.build();
        init(block, DataType.FLOAT64, cfg.inputShape());
        // 12 random coordinates per tensor: each costs two forward passes of six phase convolutions
        int checked =
                GradientCheck.of(block)
                        .maxPoints(12)
                        .check(manager, randn(81, DataType.FLOAT64, cfg.input));
        assertEquals(checked, 12 + 12 + 4, "input, weight, bias coordinates");
    }

    @Test
    public void gradientsDilated() {
        // dilation 3 with stride 2 (coprime) and dilation 2 with stride 2 (empty phases)
        Config cfg =
                config(in(1, 2, 4, 3), 3, 1, p(2, 3), p(2, 2), p(1, 2), p(1, 1), p(3, 2), false);
        Deconv2d block = cfg.build();
        init(block, DataType.FLOAT64, cfg.inputShape());
        int checked =
                GradientCheck.of(block)
                        .maxPoints(12)
                        .check(manager, randn(82, DataType.FLOAT64, cfg.input));
        assertEquals(checked, 12 + 12, "input, weight coordinates");
    }

    @Test
    public void saveLoadRoundTrip() {
        Config cfg =
                config(in(2, 3, 4, 4), 4, 1, p(5, 5), p(2, 2), p(2, 2), p(1, 1), p(1, 1), true);
        Deconv2d trained = cfg.build();
        init(trained, DataType.FLOAT32, cfg.inputShape());
        setParameter(trained, "bias", randn(91, 4));
        RoundTrip.assertSameAfterReload(manager, trained, cfg.build(), randn(92, cfg.input));
    }

    @Test
    public void loadIntoDifferentArchitectureFails() throws IOException {
        Deconv2d trained =
                Deconv2d.builder()
                        .setKernelShape(new Shape(4, 4))
                        .setFilters(3)
                        .optStride(new Shape(2, 2))
                        .build();
        init(trained, DataType.FLOAT32, new Shape(1, 2, 4, 4));
        RoundTrip.assertLoadRefused(
                manager,
                trained,
                Deconv2d.builder().setKernelShape(new Shape(4, 4)).setFilters(3).build(),
                "Deconv2d",
                "stride=(2, 2)",
                "stride=(1, 1)");
    }

    private Deconv2d simple(int filters) {
        return Deconv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(filters).build();
    }

    @Test
    public void rank3InputIsRejected() {
        Deconv2d block = simple(2);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> block.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 5)));
        assertMessage(e, "Deconv2d", "rank 4", "(2, 3, 5)");
        assertFalse(block.isInitialized());

        Deconv2d ready = init(simple(2), DataType.FLOAT32, new Shape(2, 3, 5, 5));
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(ready, false, manager.ones(new Shape(2, 3, 5))));
        assertMessage(e, "Deconv2d", "rank 4", "(2, 3, 5)");
    }

    @Test
    public void wrongChannelCountIsRejected() {
        Deconv2d block = init(simple(2), DataType.FLOAT32, new Shape(2, 4, 5, 5));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(block, false, manager.ones(new Shape(2, 6, 5, 5))));
        assertMessage(e, "Deconv2d", "(N, 4, H, W)", "(2, 6, 5, 5)");
    }

    @Test
    public void inputChannelsNotDivisibleByGroupsAreRejected() {
        Deconv2d block =
                Deconv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .setFilters(4)
                        .optGroups(2)
                        .build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> block.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 4, 4)));
        assertMessage(e, "Deconv2d", "input channels 3", "groups 2");
    }

    @Test
    public void filtersNotDivisibleByGroupsAreRejected() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                Deconv2d.builder()
                                        .setKernelShape(new Shape(3, 3))
                                        .setFilters(3)
                                        .optGroups(2)
                                        .build());
        assertMessage(e, "Deconv2d", "filters 3", "groups 2");
    }

    @Test
    public void outPaddingNotBelowStrideOrDilationIsRejected() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                Deconv2d.builder()
                                        .setKernelShape(new Shape(3, 3))
                                        .setFilters(2)
                                        .optStride(new Shape(2, 2))
                                        .optOutPadding(new Shape(2, 0))
                                        .build());
        assertMessage(e, "Deconv2d", "output padding (2, 0)", "stride (2, 2)", "dilation (1, 1)");

        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                Deconv2d.deconv2d(
                                        manager.ones(new Shape(1, 1, 2, 2)),
                                        manager.ones(new Shape(1, 1, 2, 2)),
                                        null,
                                        new Shape(1, 1),
                                        new Shape(0, 0),
                                        new Shape(0, 1),
                                        new Shape(1, 1),
                                        1));
        assertMessage(e, "Deconv2d", "output padding (0, 1)", "stride (1, 1)");
    }

    @Test
    public void invalidHyperParametersAreRejected() {
        Object[][] cases = {
            {new Shape(0, 3), null, null, null, "kernel", "(0, 3)"},
            {new Shape(3), null, null, null, "kernel", "2 values", "(3)"},
            {new Shape(3, 3), new Shape(1, 0), null, null, "stride", "(1, 0)"},
            {new Shape(3, 3), null, new Shape(-1, 0), null, "padding", "(-1, 0)"},
            {new Shape(3, 3), null, null, new Shape(0, 1), "dilation", "(0, 1)"},
        };
        for (Object[] c : cases) {
            Deconv2d.Builder builder =
                    Deconv2d.builder().setKernelShape((Shape) c[0]).setFilters(2);
            if (c[1] != null) {
                builder.optStride((Shape) c[1]);
            }
            if (c[2] != null) {
                builder.optPadding((Shape) c[2]);
            }
            if (c[3] != null) {
                builder.optDilation((Shape) c[3]);
            }
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, builder::build);
            for (int i = 4; i < c.length; i++) {
                assertMessage(e, "Deconv2d", (String) c[i]);
            }
        }
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                Deconv2d.builder()
                                        .setKernelShape(new Shape(3, 3))
                                        .setFilters(2)
                                        .optGroups(0)
                                        .build());
        assertMessage(e, "Deconv2d", "groups", "0");
    }

    @Test
    public void emptyOutputIsRejected() {
        // 3x3, padding 2, stride 1 on a 1x1 input: output (1 - 1) - 4 + 2 + 1 = -1
        Deconv2d block =
                Deconv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .setFilters(2)
                        .optPadding(new Shape(2, 2))
                        .build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> block.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 1, 1)));
        assertMessage(e, "Deconv2d", "non-empty output", "(-1, -1)", "(1, 2, 1, 1)");

        Deconv2d ready =
                init(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .setFilters(2)
                                .optPadding(new Shape(2, 2))
                                .build(),
                        DataType.FLOAT32,
                        new Shape(1, 2, 8, 8));
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(ready, false, manager.ones(new Shape(1, 2, 1, 4))));
        assertMessage(e, "Deconv2d", "non-empty output", "(-1, 2)", "(1, 2, 1, 4)");
    }

    @Test
    public void wrongBiasOrWeightInFunctionalFormIsRejected() {
        NDArray x = manager.ones(new Shape(1, 2, 3, 3));
        Shape one = new Shape(1, 1);
        Shape zero = new Shape(0, 0);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                Deconv2d.deconv2d(
                                        x,
                                        manager.ones(new Shape(2, 4, 3, 3)),
                                        manager.ones(new Shape(3)),
                                        one,
                                        zero,
                                        zero,
                                        one,
                                        1));
        assertMessage(e, "Deconv2d", "bias (4)", "(3)");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                Deconv2d.deconv2d(
                                        x,
                                        manager.ones(new Shape(2, 4, 3)),
                                        null,
                                        one,
                                        zero,
                                        zero,
                                        one,
                                        1));
        assertMessage(e, "Deconv2d", "weight (C, F/G, kh, kw)", "(2, 4, 3)");
    }

    @Test
    public void forwardBeforeInitializeIsRejected() {
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> forward(simple(2), false, manager.ones(new Shape(1, 2, 3, 3))));
        assertMessage(e, "Deconv2d", "not initialized");
    }

    @Test
    public void builderNeedsKernelAndFilters() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Deconv2d.builder().setFilters(2).build());
        assertMessage(e, "Deconv2d", "setKernelShape");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Deconv2d.builder().setKernelShape(new Shape(3, 3)).build());
        assertMessage(e, "Deconv2d", "setFilters", "got 0");
    }
}
