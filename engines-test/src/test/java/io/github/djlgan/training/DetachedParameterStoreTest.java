package io.github.djlgan.training;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * The generator's update pattern: a forward through the discriminator on a {@link
 * DetachedParameterStore} passes the gradient to the input and leaves the discriminator's
 * parameters, and the gradient they hold, untouched.
 */
public class DetachedParameterStoreTest extends EngineTest {

    /**
     * Creates the test for one engine.
     *
     * @param engine the engine name
     */
    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public DetachedParameterStoreTest(String engine) {
        super(engine);
    }

    @Test
    public void gradientReachesTheInputButNotTheParameters() {
        Engine engine = Engine.getEngine(engineName);
        Linear d = Linear.builder().setUnits(1).build();
        d.initialize(manager, DataType.FLOAT32, new Shape(2, 3));
        Parameter weight = d.getParameters().get("weight");
        Parameter bias = d.getParameters().get("bias");
        manager.create(new float[] {1, -2, 3}, new Shape(1, 3)).copyTo(weight.getArray());
        manager.create(new float[] {0.5f}, new Shape(1)).copyTo(bias.getArray());
        float[] before = weight.getArray().toFloatArray();
        try (NDManager step = manager.newSubManager()) {
            // a parameter gradient, as a discriminator step leaves it, must stay untouched
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray x = step.ones(new Shape(2, 3));
                NDArray y = d.forward(new ParameterStore(step, false), new NDList(x), true).head();
                collector.backward(y.sum()); // d/dweight = (2, 2, 2)
            }
            NDArray x = step.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            x.setRequiresGradient(true);
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray y = d.forward(new DetachedParameterStore(step), new NDList(x), true).head();
                // y = x·w + b = (1 - 4 + 9 + 0.5, 4 - 10 + 18 + 0.5) = (6.5, 12.5)
                assertEquals(y.toFloatArray(), new float[] {6.5f, 12.5f});
                collector.backward(y.sum());
            }
            assertEquals(x.getGradient().toFloatArray(), new float[] {1, -2, 3, 1, -2, 3});
            NDArray weightGrad = weight.getArray().getGradient();
            weightGrad.attach(step);
            assertEquals(weightGrad.toFloatArray(), new float[] {2, 2, 2});
        }
        assertEquals(weight.getArray().toFloatArray(), before);
    }

    @Test
    public void detachedArraysLiveOnTheStepManager() {
        Linear d = Linear.builder().setUnits(2).build();
        d.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
        NDManager parameters = d.getParameters().get("weight").getArray().getManager();
        int onParameters = parameters.getManagedArrays().size();
        try (NDManager step = manager.newSubManager()) {
            DetachedParameterStore store = new DetachedParameterStore(step);
            NDArray w = store.getValue(d.getParameters().get("weight"), step.getDevice(), true);
            assertNotNull(w);
            assertEquals(w.getManager(), step);
            assertEquals(
                    w.toFloatArray(), d.getParameters().get("weight").getArray().toFloatArray());
            d.forward(store, new NDList(step.ones(new Shape(1, 3))), true);
        }
        assertEquals(parameters.getManagedArrays().size(), onParameters);
    }
}
