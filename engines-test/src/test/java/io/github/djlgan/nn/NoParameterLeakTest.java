package io.github.djlgan.nn;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import io.github.djlgan.nn.norm.EqualizedLearningRate;
import io.github.djlgan.nn.norm.GaussianNoise;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.PixelNorm;
import io.github.djlgan.nn.norm.SpectralNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.LeakCheck;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** Every block of the project: no per-call arrays left on the parameters' manager. */
public class NoParameterLeakTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public NoParameterLeakTest(String engine) {
        super(engine);
    }

    @Test
    public void networkInNetwork() {
        LeakCheck.assertNoParameterLeak(
                manager, NetworkInNetwork.builder().setUnits(3).build(), randn(1, 2, 4, 5, 5));
        LeakCheck.assertNoParameterLeak(
                manager,
                NetworkInNetwork.builder().setUnits(3).optUntieBiases(true).build(),
                randn(2, 2, 4, 5));
        LeakCheck.assertNoParameterLeak(
                manager, NetworkInNetwork.builder().setUnits(3).build(), randn(3, 2, 4));
    }

    @Test
    public void maxout() {
        LeakCheck.assertNoParameterLeak(
                manager, Maxout.builder().setUnits(3).setPieces(2).build(), randn(15, 2, 4, 5, 5));
        LeakCheck.assertNoParameterLeak(
                manager,
                Maxout.builder().setUnits(3).setPieces(4).optBias(false).build(),
                randn(16, 2, 4));
    }

    @Test
    public void weightNorm() {
        LeakCheck.assertNoParameterLeak(
                manager, WeightNorm.wrap(Linear.builder().setUnits(3).build()), randn(4, 2, 4));
        LeakCheck.assertNoParameterLeak(
                manager,
                WeightNorm.wrap(Linear.builder().setUnits(3).optBias(false).build()),
                randn(5, 2, 4));
        LeakCheck.assertNoParameterLeak(
                manager,
                WeightNorm.wrap(
                        Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build()),
                randn(6, 2, 3, 5, 5));
        LeakCheck.assertNoParameterLeak(
                manager,
                WeightNorm.wrap(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .setFilters(4)
                                .optGroups(2)
                                .optStride(new Shape(2, 2))
                                .build()),
                randn(11, 2, 2, 3, 3));
    }

    @Test
    public void spectralNormAndEqualizedLearningRate() {
        // Linear(4 -> 3) on (2, 4): the output is scaled; on (9, 4): the weight is
        for (long batch : new long[] {2, 9}) {
            LeakCheck.assertNoParameterLeak(
                    manager,
                    SpectralNorm.wrap(Linear.builder().setUnits(3).build()),
                    randn(15, batch, 4));
            LeakCheck.assertNoParameterLeak(
                    manager,
                    EqualizedLearningRate.builder()
                            .setBlock(Linear.builder().setUnits(3).build())
                            .optLrMultiplier(0.1f)
                            .build(),
                    randn(16, batch, 4));
        }
        LeakCheck.assertNoParameterLeak(
                manager,
                SpectralNorm.wrap(
                        Deconv2d.builder()
                                .setKernelShape(new Shape(3, 3))
                                .setFilters(4)
                                .optGroups(2)
                                .optStride(new Shape(2, 2))
                                .build()),
                randn(17, 2, 2, 3, 3));
        LeakCheck.assertNoParameterLeak(
                manager,
                EqualizedLearningRate.wrap(
                        Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build()),
                randn(18, 2, 3, 5, 5));
    }

    @Test
    public void deconv2d() {
        LeakCheck.assertNoParameterLeak(
                manager,
                Deconv2d.builder()
                        .setKernelShape(new Shape(5, 5))
                        .setFilters(3)
                        .optStride(new Shape(2, 2))
                        .optPadding(new Shape(2, 2))
                        .optOutPadding(new Shape(1, 1))
                        .build(),
                randn(12, 2, 4, 3, 3));
    }

    @Test
    public void lasagneBatchNorm() {
        LeakCheck.assertNoParameterLeak(
                manager, LasagneBatchNorm.builder().build(), randn(7, 4, 3, 5));
        LeakCheck.assertNoParameterLeak(
                manager, LasagneBatchNorm.builder().optAxes(0).build(), randn(8, 4, 3));
    }

    @Test
    public void minibatchDiscrimination() {
        LeakCheck.assertNoParameterLeak(
                manager,
                MinibatchDiscrimination.builder().setNumKernels(4).build(),
                randn(13, 5, 6));
        // several row blocks
        LeakCheck.assertNoParameterLeak(
                manager,
                MinibatchDiscrimination.builder().setNumKernels(4).optBlockSize(2).build(),
                randn(14, 5, 2, 3));
    }

    @Test
    public void parameterFreeBlocks() {
        LeakCheck.assertNoParameterLeak(
                manager, MinibatchStdDev.builder().build(), randn(9, 4, 3, 2, 2));
        LeakCheck.assertNoParameterLeak(
                manager, GaussianNoise.builder().build(), randn(10, DataType.FLOAT32, 4, 3));
        LeakCheck.assertNoParameterLeak(manager, PixelNorm.builder().build(), randn(19, 4, 3, 2));
    }
}
