package io.github.djlgan.examples.bench;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import io.github.djlgan.examples.gan.ImprovedGan;
import io.github.djlgan.examples.gan.SemiSupervisedObjective;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.training.DetachedParameterStore;
import io.github.djlgan.util.Tensors;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;

/**
 * The benchmark's baseline for {@code gan_step}: the improved-gan training step written by hand
 * with two DJL {@link Trainer}s, as the examples did before {@code GanTrainer} (the same networks,
 * losses and optimizer as {@link ImprovedGan}). It exists so that the trainer's overhead is
 * measured side by side ({@code gan_step/gan_step_manual}); nothing else uses it.
 */
final class HandWrittenGanStep implements AutoCloseable {

    private final Model gModel;
    private final Model dModel;
    private final Trainer g;
    private final Trainer d;

    HandWrittenGanStep(String engine, int batch, NDArray initBatch) {
        gModel = Model.newInstance("generator", engine);
        dModel = Model.newInstance("discriminator", engine);
        gModel.setBlock(ImprovedGanMnist.generator());
        dModel.setBlock(ImprovedGanMnist.discriminator());
        gModel.getBlock()
                .initialize(
                        gModel.getNDManager(),
                        gModel.getDataType(),
                        new Shape(batch, ImprovedGanMnist.LATENT));
        dModel.getBlock()
                .initialize(
                        dModel.getNDManager(),
                        dModel.getDataType(),
                        new Shape(batch, ImprovedGanMnist.IMAGE));
        // before the trainers exist: MXNet's parameter server copies the weights when they do
        DataInit.initialize(dModel, new NDList(initBatch)).close();
        g =
                gModel.newTrainer(
                        ImprovedGan.config("g", ImprovedGan.LEARNING_RATE, ImprovedGan.BETA1));
        d =
                dModel.newTrainer(
                        ImprovedGan.config("d", ImprovedGan.LEARNING_RATE, ImprovedGan.BETA1));
        g.initialize(new Shape(batch, ImprovedGanMnist.LATENT));
        d.initialize(new Shape(batch, ImprovedGanMnist.IMAGE));
    }

    /** One discriminator update, then one generator update by feature matching. */
    void step(NDArray xLab, NDArray yLab, NDArray xUnl, NDArray xUnl2, NDArray z, NDArray z2) {
        NDManager s = xLab.getManager();
        NDArray generated =
                gModel.getBlock()
                        .forward(new DetachedParameterStore(s), new NDList(z), true)
                        .head();
        try (GradientCollector collector = d.newGradientCollector()) {
            long n = xLab.getShape().get(0);
            NDList logits =
                    d.forward(new NDList(NDArrays.concat(new NDList(xLab, xUnl, generated))))
                            .head()
                            .split(new long[] {n, n + xUnl.getShape().get(0)});
            NDArray supervised = SemiSupervisedObjective.crossEntropy(logits.get(0), yLab);
            NDArray lseUnl = SemiSupervisedObjective.logSumExp(logits.get(1));
            NDArray unsupervised =
                    Activation.softPlus(lseUnl)
                            .sub(lseUnl)
                            .mean()
                            .add(
                                    Activation.softPlus(
                                                    SemiSupervisedObjective.logSumExp(
                                                            logits.get(2)))
                                            .mean())
                            .mul(Tensors.scalar(xLab, 0.5));
            NDArray loss = supervised.add(unsupervised);
            collector.backward(loss);
            loss.getFloat();
        }
        d.step();
        ImprovedGanMnist.Discriminator disc = (ImprovedGanMnist.Discriminator) dModel.getBlock();
        try (GradientCollector collector = g.newGradientCollector()) {
            NDArray fake = g.forward(new NDList(z2)).head();
            ParameterStore frozen = new DetachedParameterStore(s);
            NDArray fGen = disc.features().forward(frozen, new NDList(fake), true).head();
            NDArray fReal = disc.features().forward(frozen, new NDList(xUnl2), true).head();
            NDArray loss = fGen.mean(new int[] {0}).sub(fReal.mean(new int[] {0})).square().mean();
            collector.backward(loss);
            loss.getFloat();
        }
        g.step();
    }

    @Override
    public void close() {
        g.close();
        d.close();
        gModel.close();
        dModel.close();
    }
}
