package io.github.djlgan.nn;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.init.DataInitPass;
import io.github.djlgan.init.DataInitializable;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.GradientCheck;
import io.github.djlgan.testing.RoundTrip;
import io.github.djlgan.training.DetachedParameterStore;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * {@link BaseBlock}'s contract, on a block of its own ({@link Scale}: y[n, c] = x[n, c] · w[c],
 * data init w[c] = 1 / mean over n of |x[n, c]|) so that no real block's maths is in the way: one
 * input, the initialized and data-type checks, {@code checkInput}, the data-init dispatch (also
 * through a wrapping store), the saved configuration and version byte.
 */
public class BaseBlockTest extends EngineTest {

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine's name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public BaseBlockTest(String engine) {
        super(engine);
    }

    /** The smallest block on the base: a per-channel scale of (N, C) inputs. */
    static final class Scale extends BaseBlock implements DataInitializable {

        private final long channels;
        private final Parameter weight;

        Scale(long channels) {
            this(channels, (byte) 1);
        }

        Scale(long channels, byte version) {
            super("Scale", version);
            this.channels = channels;
            weight = addParameter("weight", Parameter.Type.GAMMA);
        }

        @Override
        protected NDArray compute(
                ParameterStore store,
                NDArray input,
                boolean training,
                PairList<String, Object> params) {
            return input.mul(store.getValue(weight, input.getDevice(), training));
        }

        @Override
        protected void checkInput(NDArray input) {
            BlockChecks.checkArgument(
                    input.getShape().dimension() == 2 && input.getShape().get(1) == channels,
                    getName(),
                    "expected input (N, %d), got %s",
                    channels,
                    input.getShape());
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }

        @Override
        protected void prepare(Shape[] inputShapes) {
            weight.setShape(new Shape(channels));
        }

        @Override
        protected BlockConfig config() {
            return super.config().add("channels", channels);
        }

        @Override
        public NDList initializeFromData(DataInitPass pass, ParameterStore store, NDList inputs) {
            NDArray x = inputs.head();
            pass.assign(getName(), weight, x.abs().mean(new int[] {0}).pow(-1));
            return new NDList(compute(store, x, true, null));
        }
    }

    private static final float[] X = {1, -2, 3, -4, 0.5f, 6};

    private Scale initialized(float... w) {
        Scale s = new Scale(3);
        s.initialize(manager, DataType.FLOAT32, new Shape(2, 3));
        s.getParameters().get("weight").getArray().set(w);
        return s;
    }

    private NDArray forward(Scale s, NDArray x) {
        return s.forward(new ParameterStore(manager, false), new NDList(x), false).head();
    }

    @Test
    public void computesTheSubclassFormula() {
        Scale s = initialized(2, -1, 0.5f);
        float[] y = forward(s, manager.create(X, new Shape(2, 3))).toFloatArray();
        float[] w = {2, -1, 0.5f};
        for (int i = 0; i < X.length; i++) {
            assertEquals(y[i], X[i] * w[i % 3], 0f, "element " + i);
        }
        assertEquals(s.getName(), "Scale");
    }

    @Test
    public void gradientMatchesFiniteDifferencesInFloat64() {
        Scale s = new Scale(3);
        s.initialize(manager, DataType.FLOAT64, new Shape(2, 3));
        GradientCheck.of(s).check(manager, manager.randomNormal(new Shape(2, 3), DataType.FLOAT64));
    }

    @Test
    public void twoInputsAreRefusedNamingTheBlock() {
        Scale s = initialized(1, 1, 1);
        NDArray x = manager.create(X, new Shape(2, 3));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                s.forward(
                                        new ParameterStore(manager, false),
                                        new NDList(x, x),
                                        false));
        assertEquals(e.getMessage(), "Scale: expected 1 input, got 2");
        IllegalArgumentException init =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                new Scale(3)
                                        .initialize(
                                                manager,
                                                DataType.FLOAT32,
                                                new Shape(2, 3),
                                                new Shape(2, 3)));
        assertEquals(init.getMessage(), "Scale: expected 1 input, got 2");
    }

    @Test
    public void forwardBeforeInitializeIsRefused() {
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> forward(new Scale(3), manager.create(X, new Shape(2, 3))));
        assertTrue(
                e.getMessage().startsWith("Scale: parameters are not initialized"), e.getMessage());
    }

    @Test
    public void anInputOfAnotherDataTypeIsRefused() {
        Scale s = initialized(1, 1, 1);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(s, manager.ones(new Shape(2, 3), DataType.FLOAT64)));
        assertTrue(e.getMessage().startsWith("Scale"), e.getMessage());
        assertTrue(e.getMessage().contains("float64"), e.getMessage());
    }

    @Test
    public void checkInputRunsBeforeCompute() {
        Scale s = initialized(1, 1, 1);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> forward(s, manager.ones(new Shape(2, 4))));
        assertEquals(e.getMessage(), "Scale: expected input (N, 3), got (2, 4)");
    }

    @Test
    public void dataInitDispatchesToTheBlock() {
        Scale s = initialized(1, 1, 1);
        NDList out = DataInit.initialize(s, null, new NDList(manager.create(X, new Shape(2, 3))));
        // w[c] = 1 / mean_n |x[n, c]|: columns (1, -4), (-2, 0.5), (3, 6)
        float[] expected = {1 / 2.5f, 1 / 1.25f, 1 / 4.5f};
        float[] w = s.getParameters().get("weight").getArray().toFloatArray();
        float[] y = out.head().toFloatArray();
        for (int c = 0; c < 3; c++) {
            assertEquals(w[c], expected[c], 1e-6f, "w[" + c + "]");
        }
        for (int i = 0; i < X.length; i++) {
            assertEquals(y[i], X[i] * expected[i % 3], 1e-6f, "output " + i);
        }
    }

    @Test
    public void dataInitReachesTheBlockThroughAWrappingStore() {
        Scale s = initialized(1, 1, 1);
        Scale[] inner = {s};
        // a container that runs its child on a DetachedParameterStore over the store it gets
        BaseBlock container =
                new BaseBlock("Container", (byte) 1) {
                    {
                        addChildBlock("inner", inner[0]);
                    }

                    @Override
                    protected NDArray compute(
                            ParameterStore store,
                            NDArray input,
                            boolean training,
                            PairList<String, Object> params) {
                        return inner[0].forward(
                                        new DetachedParameterStore(store, manager),
                                        new NDList(input),
                                        training)
                                .head();
                    }

                    @Override
                    public Shape[] getOutputShapes(Shape[] inputShapes) {
                        return inputShapes;
                    }

                    @Override
                    protected void initializeChildBlocks(
                            ai.djl.ndarray.NDManager m, DataType dataType, Shape... shapes) {
                        inner[0].initialize(m, dataType, shapes);
                    }
                };
        container.initialize(manager, DataType.FLOAT32, new Shape(2, 3));
        DataInit.initialize(container, null, new NDList(manager.create(X, new Shape(2, 3))));
        float[] w = s.getParameters().get("weight").getArray().toFloatArray();
        assertEquals(w[0], 1 / 2.5f, 1e-6f);
        assertEquals(w[2], 1 / 4.5f, 1e-6f);
    }

    @Test
    public void saveAndLoadKeepTheParametersAndTheOutput() {
        Scale s = initialized(2, -1, 0.5f);
        RoundTrip.assertSameAfterReload(
                manager, s, new Scale(3), manager.create(X, new Shape(2, 3)));
    }

    @Test
    public void aFileOfAnotherConfigurationOrVersionIsRefused() throws IOException {
        Scale s = initialized(2, -1, 0.5f);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream os = new DataOutputStream(bytes)) {
            s.saveMetadata(os);
        }
        MalformedModelException config =
                expectThrows(
                        MalformedModelException.class,
                        () -> new Scale(4).loadMetadata((byte) 1, stream(bytes)));
        assertTrue(config.getMessage().contains("channels"), config.getMessage());
        MalformedModelException version =
                expectThrows(
                        MalformedModelException.class,
                        () -> new Scale(3, (byte) 2).loadMetadata((byte) 1, stream(bytes)));
        assertTrue(version.getMessage().startsWith("Scale"), version.getMessage());
    }

    private static DataInputStream stream(ByteArrayOutputStream bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
    }
}
