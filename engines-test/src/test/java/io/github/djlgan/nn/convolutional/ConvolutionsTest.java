package io.github.djlgan.nn.convolutional;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Formulas;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.NDAssert;
import java.util.List;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * {@link Convolutions#convolve}: DJL's convolution, with zero filters on PyTorch where its float32
 * input gradient is wrong.
 *
 * <p>The input gradient cases are ungrouped convolutions with 1 or 3 filters — a DCGAN
 * discriminator's last layer (4×4, 1 filter, on a 4×4 input), a 3×3 RGB output layer, 1-D and 3-D
 * kernels — each of which DJL's PyTorch engine (2.7.1, CPU) gets wrong in float32 without the zero
 * filters (off by 0.3 to 1.0 of the largest entry on the machine of
 * docs/upstream/conv2d-input-gradient), against float64, which the engine computes by another code
 * path. Values come from {@link Formulas#conv2d} (a loop over the definition) and from DJL's own
 * convolution; gradients from float64 finite differences.
 */
public class ConvolutionsTest extends EngineTest {

    private static final String NAME = "Convolutions.convolve";

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public ConvolutionsTest(String engine) {
        super(engine);
    }

    /** A convolution: input shape, weight shape, stride s, padding p, dilation d (each axis). */
    private record Case(String name, Shape in, Shape weight, long s, long p, long d) {

        int axes() {
            return weight.dimension() - 2;
        }

        Shape stride() {
            return repeat(s);
        }

        Shape padding() {
            return repeat(p);
        }

        Shape dilation() {
            return repeat(d);
        }

        private Shape repeat(long value) {
            long[] values = new long[axes()];
            java.util.Arrays.fill(values, value);
            return new Shape(values);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @DataProvider
    public Object[][] fewFilters() {
        return new Object[][] {
            {
                new Case(
                        "DCGAN D's last layer",
                        new Shape(64, 512, 4, 4),
                        new Shape(1, 512, 4, 4),
                        1,
                        0,
                        1)
            },
            {
                new Case(
                        "3x3 RGB output",
                        new Shape(8, 128, 14, 14),
                        new Shape(3, 128, 3, 3),
                        1,
                        1,
                        1)
            },
            {new Case("conv1d k3, 1 filter", new Shape(8, 128, 50), new Shape(1, 128, 3), 1, 1, 1)},
            {
                new Case(
                        "conv3d 3x3x3, 1 filter",
                        new Shape(2, 32, 8, 8, 8),
                        new Shape(1, 32, 3, 3, 3),
                        1,
                        1,
                        1)
            },
        };
    }

    @Test(dataProvider = "fewFilters")
    public void float32InputGradientMatchesFloat64(Case c) {
        NDArray x = randn(1, c.in().getShape());
        NDArray w = randn(2, c.weight().getShape()).mul(0.05);
        NDArray y = Convolutions.convolve(x, w, null, c.stride(), c.padding(), c.dilation(), 1);
        NDArray r = randn(3, y.getShape().getShape());
        NDAssert.assertCloseToLargest(
                inputGradient(c, x, w, r, DataType.FLOAT32),
                inputGradient(c, x, w, r, DataType.FLOAT64),
                1e-5,
                c + ": float32 input gradient");
    }

    /** d(Σ convolve(x, w) · r)/dx, computed in the given type. */
    private NDArray inputGradient(Case c, NDArray x0, NDArray w, NDArray r, DataType type) {
        try (NDManager pass = manager.newSubManager()) {
            NDArray x = x0.toType(type, true);
            x.attach(pass);
            x.setRequiresGradient(true);
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray y =
                        Convolutions.convolve(
                                x,
                                w.toType(type, true),
                                null,
                                c.stride(),
                                c.padding(),
                                c.dilation(),
                                1);
                collector.backward(y.mul(r.toType(type, false)).sum());
            }
            NDArray gradient = x.getGradient().toType(DataType.FLOAT64, true);
            gradient.attach(manager);
            return gradient;
        }
    }

    @DataProvider
    public Object[][] filterCounts() {
        return new Object[][] {{1}, {3}, {16}, {17}};
    }

    /**
     * The definition's values in float64 (DJL's own convolution) and in float32, where the PyTorch
     * engine takes the zero-filter path for filter counts that are not a multiple of 16.
     */
    @Test(dataProvider = "filterCounts")
    public void valueIsTheDefinition(int filters) {
        Shape in = new Shape(2, 3, 5, 6);
        Shape weight = new Shape(filters, 3, 3, 2);
        double[] x = gaussian(4, (int) in.size());
        double[] w = gaussian(5, (int) weight.size());
        double[] b = gaussian(6, filters);
        double[] expected = Formulas.conv2d(x, in, w, weight, b, new int[] {1, 0});
        for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
            NDArray input = manager.create(x, in).toType(type, false);
            assertEquals(
                    Convolutions.padsFilters(input, filters, 1),
                    "PyTorch".equals(engineName)
                            && type == DataType.FLOAT32
                            && filters % Convolutions.FILTER_BLOCK != 0,
                    type + ", " + filters + " filters");
            NDArray y =
                    Convolutions.convolve(
                            input,
                            manager.create(w, weight).toType(type, false),
                            manager.create(b, new Shape(filters)).toType(type, false),
                            new Shape(1, 1),
                            new Shape(1, 0),
                            new Shape(1, 1),
                            1);
            assertEquals(y.getDataType(), type);
            double tolerance = type == DataType.FLOAT64 ? 1e-12 : 1e-5;
            NDAssert.assertClose(y, expected, new Shape(2, filters, 5, 5), tolerance, tolerance);
        }
    }

    @Test
    public void valueIsDjlsConvolutionForEveryRankStrideDilationAndGroups() {
        Object[][] cases = {
            {new Case("conv1d s2 d2", new Shape(2, 4, 17), new Shape(3, 4, 3), 2, 1, 2), 1},
            {new Case("conv2d s2 d1", new Shape(2, 4, 9, 9), new Shape(5, 4, 4, 4), 2, 1, 1), 1},
            {
                new Case(
                        "conv3d s1 d2",
                        new Shape(1, 2, 7, 7, 7),
                        new Shape(1, 2, 3, 3, 3),
                        1,
                        2,
                        2),
                1
            },
            {new Case("conv2d 2 groups", new Shape(2, 4, 6, 6), new Shape(6, 2, 3, 3), 1, 1, 1), 2},
        };
        for (Object[] row : cases) {
            Case c = (Case) row[0];
            int groups = (int) row[1];
            NDArray x = randn(7, c.in().getShape());
            NDArray w = randn(8, c.weight().getShape());
            NDArray b = randn(9, c.weight().get(0));
            NDArray y =
                    Convolutions.convolve(x, w, b, c.stride(), c.padding(), c.dilation(), groups);
            NDList args = new NDList(x, w, b);
            NDArray expected =
                    switch (c.axes()) {
                        case 1 ->
                                Conv1d.conv1d(
                                                x,
                                                w,
                                                b,
                                                c.stride(),
                                                c.padding(),
                                                c.dilation(),
                                                groups)
                                        .head();
                        case 2 ->
                                Conv2d.conv2d(
                                                x,
                                                w,
                                                b,
                                                c.stride(),
                                                c.padding(),
                                                c.dilation(),
                                                groups)
                                        .head();
                        default ->
                                Conv3d.conv3d(
                                                x,
                                                w,
                                                b,
                                                c.stride(),
                                                c.padding(),
                                                c.dilation(),
                                                groups)
                                        .head();
                    };
            assertEquals(y.getShape(), expected.getShape(), c.toString());
            NDAssert.assertClose(y, expected, 1e-5, 1e-5);
            args.close();
        }
    }

    @DataProvider
    public Object[][] gradientCases() {
        return new Object[][] {
            {new Case("conv2d 1 filter", new Shape(2, 3, 5, 5), new Shape(1, 3, 3, 3), 2, 1, 1)},
            {new Case("conv1d 3 filters", new Shape(2, 2, 9), new Shape(3, 2, 3), 1, 1, 2)},
        };
    }

    @Test(dataProvider = "gradientCases")
    public void gradientsMatchFiniteDifferences(Case c) {
        LambdaBlock block =
                new LambdaBlock(
                        in ->
                                new NDList(
                                        Convolutions.convolve(
                                                in.get(0),
                                                in.get(1),
                                                in.get(2),
                                                c.stride(),
                                                c.padding(),
                                                c.dilation(),
                                                1)));
        long filters = c.weight().get(0);
        block.initialize(manager, DataType.FLOAT64, c.in(), c.weight(), new Shape(filters));
        GradientCheck.of(block)
                .check(
                        manager,
                        randn(10, DataType.FLOAT64, c.in().getShape()),
                        randn(11, DataType.FLOAT64, c.weight().getShape()),
                        randn(12, DataType.FLOAT64, filters));
    }

    @Test
    public void padsUngroupedConvolutionsOfOtherThanSixteenFiltersOnPyTorchOnly() {
        NDArray x = manager.zeros(new Shape(1, 4, 3, 3));
        boolean pytorch = "PyTorch".equals(engineName);
        assertEquals(Convolutions.padsFilters(x, 1, 1), pytorch);
        assertEquals(Convolutions.padsFilters(x, 17, 1), pytorch);
        assertEquals(Convolutions.padsFilters(x, 16, 1), false);
        assertEquals(Convolutions.padsFilters(x, 32, 1), false);
        assertEquals(Convolutions.padsFilters(x, 2, 2), false);
        NDArray x64 = manager.zeros(new Shape(1, 4, 3, 3), DataType.FLOAT64);
        assertEquals(Convolutions.padsFilters(x64, 1, 1), false);
        assertEquals(
                Convolutions.affected(manager.getEngine(), x.getDevice(), DataType.FLOAT32),
                pytorch);
        assertEquals(
                Convolutions.affected(manager.getEngine(), x.getDevice(), DataType.FLOAT64), false);
    }

    @Test
    public void listsTheUnwrappedConvolutionsThatNeedFilterPadding() {
        SequentialBlock inner =
                new SequentialBlock()
                        .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(3).build())
                        .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(32).build());
        SequentialBlock network =
                new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(1).build())
                        .add(FilterPadding.wrap(conv2d(1, 1)))
                        .add(WeightNorm.wrap(conv2d(3, 1)))
                        .add(conv2d(6, 2))
                        .add(inner)
                        .add(
                                Deconv2d.builder()
                                        .setKernelShape(new Shape(4, 4))
                                        .setFilters(1)
                                        .build())
                        .add(Linear.builder().setUnits(1).build());
        assertEquals(
                Convolutions.needingFilterPadding(network),
                List.of("01Conv2d (1 filter)", "05SequentialBlock_01Conv1d (3 filters)"));
        assertEquals(
                Convolutions.needingFilterPadding(conv2d(17, 1)), List.of("Conv2d (17 filters)"));
        assertEquals(Convolutions.needingFilterPadding(conv2d(16, 1)), List.of());
        // a subclass runs its own forward: neither listed nor wrapped
        Conv2d subclass =
                new Conv2d(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(1)) {};
        assertEquals(Convolutions.needingFilterPadding(subclass), List.of());
        assertEquals(Convolutions.isDjlConvolution(subclass), false);
        assertMessage(
                expectThrows(IllegalArgumentException.class, () -> FilterPadding.wrap(subclass)),
                "FilterPadding",
                "not a subclass");
    }

    private static Conv2d conv2d(int filters, int groups) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(filters)
                .optGroups(groups)
                .build();
    }

    @Test
    public void temporariesStayOffTheWeightsManager() {
        try (NDManager parameters = manager.newSubManager();
                NDManager pass = manager.newSubManager()) {
            NDArray w = parameters.ones(new Shape(1, 4, 3, 3));
            NDArray b = parameters.ones(new Shape(1));
            int before = parameters.getManagedArrays().size();
            NDArray x = pass.ones(new Shape(2, 4, 5, 5));
            Convolutions.convolve(x, w, b, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1);
            assertEquals(parameters.getManagedArrays().size(), before);
        }
    }

    @Test
    public void badShapesAreRefused() {
        NDArray x = manager.zeros(new Shape(2, 4, 5, 5));
        NDArray w = manager.zeros(new Shape(3, 4, 3, 3));
        Shape one = new Shape(1, 1);
        refused(x, manager.zeros(new Shape(3, 4)), null, one, 1, "rank 3 to 5", "(3, 4)");
        refused(
                manager.zeros(new Shape(2, 4, 5)),
                w,
                null,
                one,
                1,
                "rank 4 with 4 channels on axis 1",
                "(2, 4, 5)");
        refused(
                manager.zeros(new Shape(2, 5, 5, 5)),
                w,
                null,
                one,
                1,
                "rank 4 with 4 channels on axis 1",
                "(2, 5, 5, 5)");
        refused(x, w, null, one, 2, "dividing the weight's 3 filters", "got 2");
        refused(x, w, manager.zeros(new Shape(4)), one, 1, "bias of shape (3)", "(4)");
        refused(x, w, null, new Shape(1), 1, "of 2 values", "(1)");
    }

    /** convolve(x, w, b, stride, padding 1, dilation 1, groups) is refused naming the parts. */
    private void refused(
            NDArray x, NDArray w, NDArray b, Shape stride, int groups, String... parts) {
        Shape one = new Shape(1, 1);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> Convolutions.convolve(x, w, b, stride, one, one, groups));
        assertMessage(e, NAME);
        assertMessage(e, parts);
    }
}
