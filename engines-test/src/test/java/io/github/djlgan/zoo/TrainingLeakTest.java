package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * A network that uses every block, data-initialized and trained with Adam inside DJL's {@link
 * Trainer}, leaves no array behind: after the first step (which creates gradients and optimizer
 * state) the arrays alive in the engine stay the same from step to step, and data-dependent
 * initialization leaves only its output. The soak (examples' {@code soak} command) checks the same
 * over thousands of steps of the improved-gan MNIST GAN; this covers the blocks that network does
 * not use (Deconv2d, NetworkInNetwork, MinibatchStdDev, MinibatchDiscrimination's data-init).
 */
public class TrainingLeakTest extends EngineTest {

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public TrainingLeakTest(String engine) {
        super(engine);
    }

    @Test
    public void dataInitAndTrainingStepsLeaveNoArrays() {
        try (Model model = Model.newInstance("every-block", engineName)) {
            model.setBlock(EveryBlockNetwork.build());
            NDManager engineManager = model.getNDManager().getParentManager();
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.l1Loss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(1e-3f))
                                            .build());
            try (NDManager data = manager.newSubManager()) {
                model.getBlock()
                        .initialize(
                                model.getNDManager(), model.getDataType(), EveryBlockNetwork.INPUT);
                NDArray initBatch = data.randomNormal(EveryBlockNetwork.INPUT);
                int beforeInit = engineManager.getManagedArrays().size();
                DataInit.initialize(model, new NDList(initBatch)).close();
                assertEquals(
                        engineManager.getManagedArrays().size(),
                        beforeInit,
                        "arrays left by DataInit.initialize(model, batch)");
            }
            try (Trainer trainer = model.newTrainer(config);
                    NDManager data = manager.newSubManager()) {
                trainer.initialize(EveryBlockNetwork.INPUT);

                int[] alive = new int[5];
                for (int step = 0; step < alive.length; step++) {
                    try (NDManager s = data.newSubManager()) {
                        NDArray x = s.randomNormal(EveryBlockNetwork.INPUT);
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDArray y = trainer.forward(new NDList(x)).head();
                            // an array-only loss: mean |y|
                            collector.backward(y.abs().mean());
                        }
                        trainer.step();
                    }
                    alive[step] = engineManager.getManagedArrays().size();
                }
                for (int step = 2; step < alive.length; step++) {
                    assertEquals(
                            alive[step],
                            alive[1],
                            "arrays alive after step " + step + " vs after step 1");
                }
            }
        }
    }
}
