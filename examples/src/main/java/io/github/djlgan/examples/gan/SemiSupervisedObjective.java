package io.github.djlgan.examples.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import io.github.djlgan.training.GanObjective;
import io.github.djlgan.training.GanUpdate;
import io.github.djlgan.training.LossTerms;
import io.github.djlgan.util.Tensors;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;

/**
 * improved-gan's semi-supervised objective with feature matching (Salimans et al., "Improved
 * Techniques for Training GANs", NIPS 2016, §3.1 and §5; {@code train_mnist_feature_matching.py})
 * as a {@link GanObjective} for {@link io.github.djlgan.training.GanTrainer}.
 *
 * <p>The real batch is the list (x_unl, x_lab, y_lab, x_unl2): unlabelled images (the first array,
 * as the trainer expects), labelled images, their labels, and a second unlabelled batch for the
 * generator's update. The discriminator's 10 logits l are the K = 10 real classes (the K+1-th,
 * "generated", has logit 0). With lse(l) = log Σ<sub>k</sub> exp l<sub>k</sub> and f the
 * discriminator's features (its last hidden layer):
 *
 * <pre>
 *   L_lab = mean(lse(l(x_lab)) − l_y(x_lab))                      (cross-entropy on labelled data)
 *   L_unl = −½ mean(lse(l(x_unl))) + ½ mean(softplus(lse(l(x_unl))))
 *           + ½ mean(softplus(lse(l(G(z)))))
 *   L_D   = L_lab + L_unl
 *   L_G   = mean over features of (mean_batch f(G(z')) − mean_batch f(x_unl2))²   (feature matching)
 * </pre>
 *
 * <p>The discriminator's update runs the labelled, unlabelled and generated batches through the
 * discriminator as one concatenated batch: its layers treat samples independently (element-wise
 * noise, dense layers), so this equals three passes, made in one forward call. The extras {@code
 * L_lab} and {@code L_unl} are reported with the discriminator's loss.
 */
public final class SemiSupervisedObjective implements GanObjective {

    private final ImprovedGanMnist.Discriminator discriminator;

    /**
     * Creates the objective for a discriminator.
     *
     * @param discriminator the discriminator, whose {@code features()} the generator matches
     */
    public SemiSupervisedObjective(ImprovedGanMnist.Discriminator discriminator) {
        this.discriminator = discriminator;
    }

    /** {@inheritDoc} */
    @Override
    public LossTerms discriminatorLoss(GanUpdate update) {
        NDList real = update.getReal();
        NDArray xUnl = real.get(0);
        NDArray xLab = real.get(1);
        NDArray yLab = real.get(2);
        long n = xLab.getShape().get(0);
        NDList logits =
                update.discriminate(NDArrays.concat(new NDList(xLab, xUnl, update.getFake())))
                        .split(new long[] {n, n + xUnl.getShape().get(0)});
        NDArray supervised = crossEntropy(logits.get(0), yLab);
        NDArray lseUnl = logSumExp(logits.get(1));
        NDArray unsupervised =
                Activation.softPlus(lseUnl)
                        .sub(lseUnl)
                        .mean()
                        .add(Activation.softPlus(logSumExp(logits.get(2))).mean())
                        .mul(Tensors.scalar(xUnl, 0.5));
        return LossTerms.of(supervised.add(unsupervised))
                .with("L_lab", supervised)
                .with("L_unl", unsupervised);
    }

    /** {@inheritDoc} */
    @Override
    public LossTerms generatorLoss(GanUpdate update) {
        NDArray fGen =
                update.forward(discriminator.features(), new NDList(update.getFake())).head();
        NDArray fReal =
                update.forward(discriminator.features(), new NDList(update.getReal().get(3)))
                        .head();
        return LossTerms.of(
                fGen.mean(new int[] {0}).sub(fReal.mean(new int[] {0})).square().mean());
    }

    /**
     * lse over the class axis: log Σ exp l, computed as m + log Σ exp(l − m).
     *
     * @param logits (N, K)
     * @return (N)
     */
    public static NDArray logSumExp(NDArray logits) {
        NDArray max = logits.max(new int[] {1}, true).stopGradient();
        return logits.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
    }

    /**
     * The mean over the batch of lse(l) − l<sub>y</sub>: softmax cross-entropy.
     *
     * @param logits (N, K)
     * @param labels (N), integer
     * @return the scalar loss
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray picked =
                logits.mul(labels.oneHot(ImprovedGanMnist.CLASSES, logits.getDataType()))
                        .sum(new int[] {1});
        return logSumExp(logits).sub(picked).mean();
    }
}
