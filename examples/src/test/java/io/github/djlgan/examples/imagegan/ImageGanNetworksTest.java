package io.github.djlgan.examples.imagegan;

import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import io.github.djlgan.examples.imagegan.ImageGanNetworks.GeneratorKind;
import io.github.djlgan.testing.Engines;
import org.testng.annotations.Test;

/**
 * The image GAN's generators at initialization: their tanh must not start saturated, or its
 * gradient vanishes and the discriminator wins before the generator learns (the DCGAN generator
 * with DJL's default weights had more than half of its pixels beyond ±0.99 and lost on
 * Fashion-MNIST).
 */
public class ImageGanNetworksTest {

    private static final int BATCH = 64;

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void dcganGeneratorStartsUnsaturated(String engine) {
        assertUnsaturated(engine, GeneratorKind.DCGAN);
    }

    @Test(dataProvider = "engines", dataProviderClass = Engines.class)
    public void proganGeneratorStartsUnsaturated(String engine) {
        assertUnsaturated(engine, GeneratorKind.PROGAN);
    }

    private static void assertUnsaturated(String engineName, GeneratorKind kind) {
        Engine engine = Engine.getEngine(engineName);
        engine.setRandomSeed(11);
        try (NDManager manager = engine.newBaseManager()) {
            SequentialBlock g = ImageGanNetworks.generator(kind);
            Shape z = new Shape(BATCH, ImageGanNetworks.LATENT);
            g.initialize(manager, DataType.FLOAT32, z);
            NDArray latents = manager.randomNormal(z);
            // a training-mode forward, as the trainer makes the discriminator's fake batch
            NDArray images =
                    g.forward(new ParameterStore(manager, false), new NDList(latents), true).head();
            float[] pixels = images.toFloatArray();
            int saturated = 0;
            for (float v : pixels) {
                if (Math.abs(v) > 0.99f) {
                    saturated++;
                }
            }
            double fraction = saturated / (double) pixels.length;
            // N(0, 0.02²) weights: none; DJL's default, He's with Deconv2d's axis 1 read as the
            // input: ~0.6
            assertTrue(
                    fraction < 0.01,
                    kind.id()
                            + " on "
                            + engineName
                            + ": "
                            + fraction
                            + " of the initial images' pixels are beyond ±0.99");
        }
    }
}
