package io.github.djlgan.testing;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.lang.reflect.Method;
import java.util.Random;
import org.testng.ITestResult;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.BeforeMethod;

/**
 * Base class of every engine-matrix test.
 *
 * <p>A subclass declares one constructor annotated {@code @Factory(dataProvider = "engines",
 * dataProviderClass = Engines.class)} that calls {@code super(engine)}; TestNG then creates one
 * instance per engine and the report names each run {@code Class[Engine]}. Each test method gets a
 * fresh {@link #manager} of that engine, closed after the method.
 */
public abstract class EngineTest {

    /** The engine this instance runs on, e.g. {@code "PyTorch"} or {@code "MXNet"}. */
    protected final String engineName;

    /** A manager of {@link #engineName}, fresh for every test method. */
    protected NDManager manager;

    private NDManager baseManager;

    /**
     * Creates the test for one engine.
     *
     * @param engineName the engine name
     */
    protected EngineTest(String engineName) {
        this.engineName = engineName;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + engineName + "]";
    }

    /**
     * Names each result {@code method[Engine]}, so reports list every test once per engine.
     *
     * @param method the test method about to run
     * @param result its result
     */
    @BeforeMethod(alwaysRun = true)
    public void nameTest(Method method, ITestResult result) {
        result.setTestName(method.getName() + "[" + engineName + "]");
    }

    @BeforeClass(alwaysRun = true)
    public void openEngine() {
        baseManager = Engine.getEngine(engineName).newBaseManager();
    }

    @AfterClass(alwaysRun = true)
    public void closeEngine() {
        if (baseManager != null) {
            baseManager.close();
        }
    }

    @BeforeMethod(alwaysRun = true)
    public void openManager() {
        manager = baseManager.newSubManager();
    }

    @AfterMethod(alwaysRun = true)
    public void closeManager() {
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }

    /**
     * Returns values drawn from N(0, 1) with a fixed seed, independent of the engine.
     *
     * @param seed the seed
     * @param count the number of values
     * @return the values
     */
    public static double[] gaussian(long seed, int count) {
        Random random = new Random(seed);
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextGaussian();
        }
        return values;
    }

    /**
     * Creates an array of the given shape and type, filled from N(0, 1) with a fixed seed, so that
     * both engines see the same numbers.
     *
     * @param seed the seed
     * @param dataType the data type
     * @param dims the shape
     * @return the array, attached to {@link #manager}
     */
    protected NDArray randn(long seed, DataType dataType, long... dims) {
        Shape shape = new Shape(dims);
        return manager.create(gaussian(seed, Math.toIntExact(shape.size())), shape)
                .toType(dataType, false);
    }

    /**
     * Creates a float32 array filled from N(0, 1) with a fixed seed.
     *
     * @param seed the seed
     * @param dims the shape
     * @return the array
     */
    protected NDArray randn(long seed, long... dims) {
        return randn(seed, DataType.FLOAT32, dims);
    }

    /**
     * Initializes a block for the given input shapes on {@link #manager}.
     *
     * @param block the block
     * @param dataType the parameter type
     * @param inputShapes the input shapes
     * @param <B> the block type
     * @return the block
     */
    protected <B extends Block> B init(B block, DataType dataType, Shape... inputShapes) {
        block.initialize(manager, dataType, inputShapes);
        return block;
    }

    /**
     * Runs a forward pass with a fresh parameter store on {@link #manager}.
     *
     * @param block the block
     * @param training whether this is a training pass
     * @param inputs the inputs
     * @return the first output
     */
    protected NDArray forward(Block block, boolean training, NDArray... inputs) {
        return block.forward(new ParameterStore(manager, false), new NDList(inputs), training)
                .head();
    }

    /**
     * Returns the gradient of Σ block(x) · r with respect to x, from a training pass on a copy of x
     * (x and r of the block's parameter type).
     *
     * @param block an initialized block
     * @param x the input
     * @param r the weights of the output in the sum, of the output's shape
     * @return the gradient, of x's shape
     */
    protected NDArray inputGradient(Block block, NDArray x, NDArray r) {
        NDArray copy = x.duplicate();
        copy.setRequiresGradient(true);
        forwardBackward(block, copy, r);
        return copy.getGradient().duplicate();
    }

    /**
     * Runs a training forward pass of {@code x} under a gradient collector and back-propagates
     * sum(y · r).
     *
     * @param block the block
     * @param x the input
     * @param r the weights of the output in the sum, of the output's shape
     * @return the output y
     */
    protected NDArray forwardBackward(Block block, NDArray x, NDArray r) {
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray y = forward(block, true, x);
            collector.backward(y.mul(r).sum());
            return y;
        }
    }

    /**
     * Asserts that an exception's message contains every given part (block name, expected and
     * actual shapes, ...).
     *
     * @param e the exception
     * @param parts the substrings the message must contain
     */
    public static void assertMessage(Throwable e, String... parts) {
        String message = String.valueOf(e.getMessage());
        for (String part : parts) {
            if (!message.contains(part)) {
                throw new AssertionError(
                        "message should contain \"" + part + "\" but was: " + message, e);
            }
        }
    }

    /**
     * Copies values into a block's parameter, in place.
     *
     * @param block the block
     * @param name the parameter name, as in {@code block.getParameters()}
     * @param values the values, of the parameter's shape
     */
    protected static void setParameter(Block block, String name, NDArray values) {
        Parameter parameter = block.getParameters().get(name);
        if (parameter == null) {
            throw new IllegalArgumentException(
                    "no parameter " + name + " in " + block.getParameters().keys());
        }
        NDArray target = parameter.getArray();
        if (!target.getShape().equals(values.getShape())) {
            throw new IllegalArgumentException(
                    name + ": shape " + values.getShape() + " != " + target.getShape());
        }
        values.toType(target.getDataType(), false).copyTo(target);
    }
}
