package io.github.djlgan.nn.norm;

import static org.testng.Assert.assertEquals;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Fixtures;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * A model file written by the WeightNorm of commit 4107acf, before it moved onto the shared weight
 * layout ({@code fixtures/legacy/WeightNormV1.java} wrote it with PyTorch), still loads into the
 * same network built with the current code, on both engines, and gives the output recorded then.
 */
public class WeightNormLegacyFileTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public WeightNormLegacyFileTest(String engine) {
        super(engine);
    }

    /** The network of {@code WeightNormV1.java}. */
    private static SequentialBlock network() {
        return new SequentialBlock()
                .add(
                        WeightNorm.wrap(
                                Conv2d.builder()
                                        .setKernelShape(new Shape(3, 3))
                                        .setFilters(4)
                                        .optPadding(new Shape(1, 1))
                                        .build()))
                .add(Activation::relu)
                .add(
                        WeightNorm.builder()
                                .setBlock(
                                        Deconv2d.builder()
                                                .setKernelShape(new Shape(4, 4))
                                                .setFilters(4)
                                                .optStride(new Shape(2, 2))
                                                .optPadding(new Shape(1, 1))
                                                .optGroups(2)
                                                .build())
                                .optInitScale(0.5f)
                                .build())
                .add(
                        WeightNorm.builder()
                                .setBlock(
                                        NetworkInNetwork.builder()
                                                .setUnits(3)
                                                .optBias(false)
                                                .build())
                                .optTrainScale(false)
                                .build())
                .add(Blocks.batchFlattenBlock())
                .add(WeightNorm.wrap(Linear.builder().setUnits(5).optBias(false).build()))
                .add(Activation::tanh)
                .add(WeightNorm.wrap(Linear.builder().setUnits(2).build()));
    }

    @Test
    public void modelSavedBeforeTheSharedLayoutLoadsAndGivesTheSameOutput()
            throws IOException, MalformedModelException {
        Path dir = Files.createTempDirectory("djlgan-legacy");
        try {
            String file = "weight_norm_v1-0000.params";
            try (InputStream is = getClass().getResourceAsStream("/fixtures/legacy/" + file)) {
                Files.copy(is, dir.resolve(file));
            }
            Fixtures f = Fixtures.load(manager, "legacy/weight_norm_v1");
            try (Model model =
                    Model.newInstance("weight_norm_v1", manager.getDevice(), engineName)) {
                SequentialBlock net = network();
                model.setBlock(net);
                model.load(dir, "weight_norm_v1");
                assertEquals(
                        net.getParameters().keys(),
                        List.of(
                                "01WeightNorm_g",
                                "01WeightNorm_01Conv2d_weight",
                                "01WeightNorm_01Conv2d_bias",
                                "03WeightNorm_g",
                                "03WeightNorm_01Deconv2d_weight",
                                "03WeightNorm_01Deconv2d_bias",
                                "04WeightNorm_g",
                                "04WeightNorm_bias",
                                "04WeightNorm_01NetworkInNetwork_weight",
                                "06WeightNorm_g",
                                "06WeightNorm_bias",
                                "06WeightNorm_01Linear_weight",
                                "08WeightNorm_g",
                                "08WeightNorm_01Linear_weight",
                                "08WeightNorm_01Linear_bias"));
                NDArray x = f.get("x");
                // bit-identical where it was written (PyTorch), within float rounding elsewhere
                NDAssert.assertClose(forward(net, false, x), f.get("y"), 1e-5, 1e-6);
                NDAssert.assertClose(forward(net, true, x), f.get("y"), 1e-5, 1e-6);
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
