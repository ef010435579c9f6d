package io.github.djlgan.examples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.util.ProgressBar;
import io.github.djlgan.nn.core.NetworkInNetwork;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A tiny smoke example: a two-layer NetworkInNetwork student learns a fixed random NIN teacher on
 * random 8×8 images, inside a DJL {@link Trainer}.
 */
@Command(
        name = "nin-demo",
        mixinStandardHelpOptions = true,
        description = "Train a tiny NetworkInNetwork regressor (a smoke test of the stack).")
public final class NinDemo implements Callable<Integer> {

    @Mixin CommonOptions common;

    @Option(
            names = "--steps",
            defaultValue = "300",
            description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        Engine engine = common.engine();
        SequentialBlock student =
                new SequentialBlock()
                        .add(NetworkInNetwork.builder().setUnits(16).build())
                        .add(Activation::relu)
                        .add(NetworkInNetwork.builder().setUnits(2).build());
        Shape input = new Shape(32, 3, 8, 8);
        try (Model model = Model.newInstance("nin-demo", engine.getEngineName());
                NDManager data = engine.newBaseManager()) {
            model.setBlock(student);
            NDArray teacher = data.randomNormal(new Shape(2, 3));
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.l2Loss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.01f))
                                            .build());
            float first = Float.NaN;
            float last = Float.NaN;
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(input);
                ProgressBar progress = new ProgressBar("nin-demo", steps);
                for (int step = 0; step < steps; step++) {
                    try (NDManager batch = data.newSubManager()) {
                        NDArray x = batch.randomNormal(input);
                        NDArray y = NetworkInNetwork.nin(x, teacher, null);
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDArray prediction = trainer.forward(new NDList(x)).head();
                            NDArray loss =
                                    trainer.getLoss()
                                            .evaluate(new NDList(y), new NDList(prediction));
                            collector.backward(loss);
                            last = loss.getFloat();
                            if (step == 0) {
                                first = last;
                            }
                        }
                        trainer.step();
                    }
                    progress.update(step + 1);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%nnin-demo on %s %s: L2 loss %.5f at step 1 -> %.5f at step %d%n",
                    engine.getEngineName(),
                    engine.getVersion(),
                    first,
                    last,
                    steps);
            return last < first ? 0 : 1;
        }
    }
}
