package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.RoundTrip;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.testng.Assert.ThrowingRunnable;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The checks every {@link WeightWrapper} must pass, whatever it does to the weight, and the layers
 * its tests share.
 *
 * <p>The checks ({@code @Test} methods run for each subclass on each engine): a block the wrapper
 * cannot wrap, a missing block and bad option values are refused; a file saved with other options
 * is refused; inputs that do not fit the wrapped layer are refused in inference and in training,
 * naming the wrapper, the expected and the actual shape, and leave every parameter as it was;
 * nothing runs before initialization.
 *
 * <p>A subclass tests one wrapper: it passes the wrapper's name (written out, as the messages must
 * spell it) and how to build it to this constructor, lists its bad options and a saved option to
 * change, and keeps the wrapper's own maths (fixtures, formulas, finite differences) to itself. It
 * declares the {@code @Factory} constructor like every engine-matrix test; this class is abstract
 * and not named {@code *Test}, so neither surefire nor TestNG runs it on its own.
 *
 * @param <B> the wrapper under test
 * @param <U> its builder
 */
public abstract class WrapperBlockTestBase<
                B extends WeightWrapper, U extends WeightWrapper.WrapperBuilder<U>>
        extends EngineTest {

    private final String wrapperName;
    private final Supplier<U> builder;
    private final Function<U, B> build;

    /**
     * Creates the test of one wrapper for one engine.
     *
     * @param engine the engine name
     * @param wrapperName the wrapper's class name as its messages spell it, e.g. {@code
     *     "SpectralNorm"}
     * @param builder the wrapper's {@code builder}
     * @param build its builder's {@code build}
     */
    protected WrapperBlockTestBase(
            String engine, String wrapperName, Supplier<U> builder, Function<U, B> build) {
        super(engine);
        this.wrapperName = wrapperName;
        this.builder = builder;
        this.build = build;
    }

    /**
     * A builder option and values of it that {@code build()} must refuse with a message naming the
     * wrapper, the option and the value.
     *
     * @param name the option's setter, e.g. {@code "optEpsilon"}
     * @param values each bad value as the message shows it, and the builder change setting it
     * @param <U> the wrapper's builder
     */
    protected record BadOption<U>(String name, Map<String, UnaryOperator<U>> values) {}

    /**
     * A change of one saved option, and how the message refusing a file saved with the default
     * shows the option: as saved and as the loading block has it, e.g. {@code "powerIterations=1"}
     * and {@code "powerIterations=3"}.
     *
     * @param change the builder change
     * @param saved the saved option in the message
     * @param loading the loading block's option in the message
     * @param <U> the wrapper's builder
     */
    protected record ConfigurationChange<U>(
            UnaryOperator<U> change, String saved, String loading) {}

    /**
     * Returns a bad option with its values.
     *
     * @param name the option's setter
     * @param set the setter
     * @param values the bad values
     * @param <U> the wrapper's builder
     * @param <V> the option's type
     * @return the bad option
     */
    @SafeVarargs
    protected static <U, V> BadOption<U> badOption(
            String name, BiFunction<U, V, U> set, V... values) {
        Map<String, UnaryOperator<U>> changes = new LinkedHashMap<>();
        for (V value : values) {
            changes.put(String.valueOf(value), b -> set.apply(b, value));
        }
        return new BadOption<>(name, changes);
    }

    /**
     * Returns the wrapper's options that {@code build()} must refuse.
     *
     * @return the bad options
     */
    protected abstract List<BadOption<U>> badOptions();

    /**
     * Returns a change of one saved option from the defaults of {@code wrap}.
     *
     * @return the change
     */
    protected abstract ConfigurationChange<U> configurationChange();

    /**
     * Returns calls on an uninitialized wrapper besides {@code forward} that must throw an {@link
     * IllegalStateException} saying it is not initialized; none unless overridden.
     *
     * @param uninitialized the wrapper, of a {@code Linear}, not initialized
     * @return the calls
     */
    protected List<ThrowingRunnable> accessorsNeedingInitialization(B uninitialized) {
        return List.of();
    }

    /**
     * Wraps a layer with the wrapper's default options, as its {@code wrap} does.
     *
     * @param layer the layer
     * @return the wrapper, not initialized
     */
    protected B wrap(Block layer) {
        return build.apply(builder.get().setBlock(layer));
    }

    /**
     * Wraps a layer with the wrapper's default options and initializes it for inputs of one shape.
     *
     * @param layer the layer
     * @param dataType the parameters' data type
     * @param inputShape the input shape
     * @return the initialized wrapper
     */
    protected B initialized(Block layer, DataType dataType, long... inputShape) {
        return init(wrap(layer), dataType, new Shape(inputShape));
    }

    /**
     * Returns the layer of the {@code "linear"} records of {@code fixtures/weight_norm.py} and
     * {@code fixtures/spectral_norm.py}: {@code torch.nn.Linear(20, 7)}.
     *
     * @return the layer
     */
    protected static Linear fixtureLinear() {
        return Linear.builder().setUnits(7).build();
    }

    /**
     * Returns the layer of both fixtures' {@code "conv2d"} records: {@code torch.nn.Conv2d(3, 5,
     * (3, 2), stride=(2, 1), padding=1)}.
     *
     * @return the layer
     */
    protected static Conv2d fixtureConv2d() {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 2))
                .setFilters(5)
                .optStride(new Shape(2, 1))
                .optPadding(new Shape(1, 1))
                .build();
    }

    /**
     * Returns the layer of both fixtures' {@code "deconv2d"} records: {@code
     * torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)}.
     *
     * @return the layer
     */
    protected static Deconv2d fixtureDeconv2d() {
        return Deconv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(6)
                .optStride(new Shape(2, 2))
                .optPadding(new Shape(1, 1))
                .optOutPadding(new Shape(1, 1))
                .build();
    }

    /**
     * Returns a 3×3 convolution with 2 filters and padding 1, small enough for finite differences
     * on inputs (2, 2, 4, 4).
     *
     * @return the layer
     */
    protected static Conv2d smallConv2d() {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(2)
                .optPadding(new Shape(1, 1))
                .build();
    }

    /**
     * Returns a 3×3 convolution with 6 filters in 2 groups, for inputs (N, 4, H, W).
     *
     * @return the layer
     */
    protected static Conv2d groupedConv2d() {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(6).optGroups(2).build();
    }

    /**
     * Returns a 3×3 transposed convolution with 4 filters in 2 groups and stride 2, small enough
     * for finite differences on inputs (2, 2, 3, 3).
     *
     * @return the layer
     */
    protected static Deconv2d smallGroupedDeconv2d() {
        return Deconv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(4)
                .optGroups(2)
                .optStride(new Shape(2, 2))
                .build();
    }

    @DataProvider
    public Object[][] oneFilterConvolutions() {
        return new Object[][] {
            // output (32, 1, 1, 1) smaller than the weight: the wrappers scale the output
            {4, 0, new Shape(32, 256, 4, 4)},
            // output (8, 1, 14, 14) larger than the weight: the wrappers scale the weight
            {3, 1, new Shape(8, 16, 14, 14)},
        };
    }

    /**
     * The float32 input gradient of the wrapper around a convolution with 1 filter — a DCGAN
     * discriminator's last layer (4×4 on a 4×4 input), and a 3×3 layer with padding — equals the
     * float64 one. DJL 0.35.1's PyTorch engine gets such a layer's float32 input gradient wrong
     * (see {@code ConvolutionsTest}); the wrappers compute a DJL convolution through {@link
     * io.github.djlgan.nn.convolutional.Convolutions#convolve}, which pads it with zero filters
     * (float64 takes DJL's unpadded convolution, an independent reference).
     *
     * @param kernel the kernel size
     * @param padding the padding
     * @param in the input shape
     */
    @Test(dataProvider = "oneFilterConvolutions")
    public void float32InputGradientOfAOneFilterConvolutionMatchesFloat64(
            int kernel, int padding, Shape in) {
        B single = init(wrap(oneFilter(kernel, padding)), DataType.FLOAT32, in);
        B reference = init(wrap(oneFilter(kernel, padding)), DataType.FLOAT64, in);
        for (int i = 0; i < single.getParameters().size(); i++) {
            NDArray value = single.getParameters().valueAt(i).getArray();
            value.toType(DataType.FLOAT64, false)
                    .copyTo(reference.getParameters().valueAt(i).getArray());
        }
        NDArray x = randn(21, in.getShape());
        NDArray r = randn(22, single.getOutputShapes(new Shape[] {in})[0].getShape());
        NDAssert.assertCloseToLargest(
                inputGradient(single, x, r),
                inputGradient(
                        reference,
                        x.toType(DataType.FLOAT64, false),
                        r.toType(DataType.FLOAT64, false)),
                1e-5,
                "float32 input gradient");
    }

    private static Conv2d oneFilter(int kernel, int padding) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(1)
                .optPadding(new Shape(padding, padding))
                .build();
    }

    @Test
    public void badOptionsAndBlocksAreRejected() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class, () -> wrap(BatchNorm.builder().build()));
        assertMessage(e, wrapperName, "ai.djl.nn.norm.BatchNorm", "Linear", "Conv2d", "Deconv2d");
        e = expectThrows(IllegalArgumentException.class, () -> build.apply(builder.get()));
        assertMessage(e, wrapperName, "setBlock");
        for (BadOption<U> option : badOptions()) {
            for (Map.Entry<String, UnaryOperator<U>> value : option.values().entrySet()) {
                U configured = builder.get().setBlock(Linear.builder().setUnits(2).build());
                e =
                        expectThrows(
                                IllegalArgumentException.class,
                                () -> build.apply(value.getValue().apply(configured)));
                assertMessage(e, wrapperName, option.name(), value.getKey());
            }
        }
    }

    @Test
    public void loadIntoDifferentConfigurationFails() {
        B trained = initialized(Linear.builder().setUnits(4).build(), DataType.FLOAT32, 3, 6);
        ConfigurationChange<U> other = configurationChange();
        U configured = builder.get().setBlock(Linear.builder().setUnits(4).build());
        RoundTrip.assertLoadRefused(
                manager,
                trained,
                build.apply(other.change().apply(configured)),
                wrapperName + "(Linear)",
                other.saved(),
                other.loading());
    }

    /**
     * Each bad input, in inference and in training, is refused with a message naming the wrapper
     * and its layer, the expected and the actual shape or type; afterwards every parameter is as it
     * was (a refused training forward updates nothing).
     */
    @Test
    public void badInputsAreRejected() {
        B linear = initialized(Linear.builder().setUnits(3).build(), DataType.FLOAT32, 2, 5);
        assertRefused(linear, manager.ones(new Shape(2, 4)), "Linear", "(..., 5)", "(2, 4)");
        for (Map.Entry<DataType, String> type :
                Map.of(DataType.FLOAT64, "float64", DataType.INT32, "int32").entrySet()) {
            NDArray x = manager.ones(new Shape(2, 5), type.getKey());
            assertRefused(linear, x, "Linear", "float32", type.getValue());
        }
        Block conv = Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(3).build();
        B conv2d = initialized(conv, DataType.FLOAT32, 2, 4, 3, 3);
        assertRefused(conv2d, manager.ones(new Shape(2, 5, 3, 3)), "Conv2d", "4 channels");
        assertRefused(conv2d, manager.ones(new Shape(4, 3, 3)), "Conv2d", "rank 4", "(4, 3, 3)");
        Block deconv = Deconv2d.builder().setKernelShape(new Shape(2, 2)).setFilters(3).build();
        B deconv2d = initialized(deconv, DataType.FLOAT32, 2, 4, 3, 3);
        assertRefused(deconv2d, manager.ones(new Shape(2, 3, 3, 3)), "Deconv2d", "(N, 4, H, W)");
        B nin =
                initialized(
                        NetworkInNetwork.builder().setUnits(3).build(), DataType.FLOAT32, 2, 4, 3);
        assertRefused(nin, manager.ones(new Shape(2, 5, 3)), "NetworkInNetwork", "(N, 4, ...)");
    }

    /**
     * Asserts that a forward pass of {@code x} is refused in inference and in training with a
     * message naming the wrapper of {@code layer}, the input's shape and {@code expected}, and that
     * the wrapper's parameters are unchanged.
     */
    private void assertRefused(B wrapper, NDArray x, String layer, String... expected) {
        List<NDArray> before = new ArrayList<>();
        for (Pair<String, Parameter> p : wrapper.getParameters()) {
            before.add(p.getValue().getArray().duplicate());
        }
        for (boolean training : new boolean[] {false, true}) {
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class, () -> forward(wrapper, training, x));
            assertMessage(e, wrapperName + "(" + layer + ")", x.getShape().toString());
            assertMessage(e, expected);
        }
        assertTrue(wrapper.isInitialized());
        for (int i = 0; i < before.size(); i++) {
            NDAssert.assertEqual(wrapper.getParameters().valueAt(i).getArray(), before.get(i));
        }
    }

    @Test
    public void forwardBeforeInitializeIsRejected() {
        Block layer = Linear.builder().setUnits(3).build();
        B wrapper = wrap(layer);
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () ->
                                wrapper.forward(
                                        new ParameterStore(manager, false),
                                        new NDList(manager.ones(new Shape(2, 2))),
                                        false));
        assertMessage(e, wrapperName + "(Linear)", "not initialized");
        for (ThrowingRunnable accessor : accessorsNeedingInitialization(wrapper)) {
            e = expectThrows(IllegalStateException.class, accessor);
            assertMessage(e, wrapperName + "(Linear)", "not initialized");
        }
        assertSame(wrapper.getBlock(), layer);
    }
}
