package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;

/**
 * An adversarial objective written on the discriminator's logits: r = D(x) on real samples, f =
 * D(G(z)) on generated ones. Both methods return a scalar, the mean over the batch, that autograd
 * can differentiate.
 *
 * <table>
 *   <caption>The standard objectives</caption>
 *   <tr><th>factory</th><th>discriminator loss</th><th>generator loss</th><th>reference</th></tr>
 *   <tr><td>{@link #nonSaturating()}</td><td>mean softplus(−r) + mean softplus(f)</td>
 *       <td>mean softplus(−f)</td><td>Goodfellow et al. 2014, §3</td></tr>
 *   <tr><td>{@link #minimax()}</td><td>mean softplus(−r) + mean softplus(f)</td>
 *       <td>−mean softplus(f)</td><td>Goodfellow et al. 2014</td></tr>
 *   <tr><td>{@link #hinge()}</td><td>mean relu(1 − r) + mean relu(1 + f)</td><td>−mean f</td>
 *       <td>Lim &amp; Ye 2017; Miyato et al. 2018</td></tr>
 *   <tr><td>{@link #leastSquares()}</td><td>½ mean (r − 1)² + ½ mean f²</td>
 *       <td>½ mean (f − 1)²</td><td>Mao et al. 2017 (a = 0, b = c = 1)</td></tr>
 *   <tr><td>{@link #wasserstein()}</td><td>mean f − mean r</td><td>−mean f</td>
 *       <td>Arjovsky et al. 2017</td></tr>
 * </table>
 *
 * <p>softplus(−r) = −log σ(r) and softplus(f) = −log(1 − σ(f)), so the non-saturating and minimax
 * discriminator losses are the binary cross-entropy of a sigmoid classifier of real (1) against
 * generated (0) samples. The Wasserstein critic needs a Lipschitz constraint: pair it with {@link
 * GanTrainer.Builder#optWeightClipping(float)}.
 *
 * <p>An objective that needs more than the logits (improved-gan's semi-supervised loss, feature
 * matching) implements {@link GanObjective} instead; every {@code GanLoss} is a {@code
 * GanObjective} that runs the discriminator on the real and the generated batch, each on its own.
 *
 * <p>References: I. Goodfellow et al., "Generative Adversarial Nets", NIPS 2014; J. H. Lim, J. C.
 * Ye, "Geometric GAN", 2017; T. Miyato et al., "Spectral Normalization for Generative Adversarial
 * Networks", ICLR 2018; X. Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017;
 * M. Arjovsky, S. Chintala, L. Bottou, "Wasserstein GAN", ICML 2017.
 */
public interface GanLoss extends GanObjective {

    /**
     * The discriminator's loss.
     *
     * @param realLogits the discriminator's output on real samples
     * @param fakeLogits the discriminator's output on generated samples
     * @return the scalar loss
     */
    NDArray discriminatorLoss(NDArray realLogits, NDArray fakeLogits);

    /**
     * The generator's loss.
     *
     * @param realLogits the discriminator's output on real samples, or {@code null} when {@link
     *     #generatorLossUsesReal()} is false
     * @param fakeLogits the discriminator's output on generated samples
     * @return the scalar loss
     */
    NDArray generatorLoss(NDArray realLogits, NDArray fakeLogits);

    /**
     * Whether {@link #generatorLoss(NDArray, NDArray)} reads the real logits; when false (every
     * standard objective) the generator's update does not run the discriminator on real samples.
     *
     * @return whether the generator's loss needs the real logits
     */
    default boolean generatorLossUsesReal() {
        return false;
    }

    /** {@inheritDoc} */
    @Override
    default LossTerms discriminatorLoss(GanUpdate update) {
        NDArray real = update.discriminate(update.getReal().head());
        NDArray fake = update.discriminate(update.getFake());
        return LossTerms.of(discriminatorLoss(real, fake));
    }

    /** {@inheritDoc} */
    @Override
    default LossTerms generatorLoss(GanUpdate update) {
        NDArray fake = update.discriminate(update.getFake());
        NDArray real =
                generatorLossUsesReal() ? update.discriminate(update.getReal().head()) : null;
        return LossTerms.of(generatorLoss(real, fake));
    }

    /**
     * The non-saturating GAN loss (the default): the discriminator is a sigmoid classifier, the
     * generator maximises log D(G(z)).
     *
     * @return the objective
     */
    static GanLoss nonSaturating() {
        return StandardGanLoss.NON_SATURATING;
    }

    /**
     * The original minimax GAN loss: the generator minimises log(1 − D(G(z))), the negative of the
     * discriminator's loss on generated samples. Its gradient vanishes while the discriminator
     * rejects the samples confidently, which is why {@link #nonSaturating()} is the default.
     *
     * @return the objective
     */
    static GanLoss minimax() {
        return StandardGanLoss.MINIMAX;
    }

    /**
     * The hinge loss of geometric GAN and SN-GAN.
     *
     * @return the objective
     */
    static GanLoss hinge() {
        return StandardGanLoss.HINGE;
    }

    /**
     * The least-squares GAN loss with targets a = 0 (generated), b = 1 (real) for the discriminator
     * and c = 1 for the generator.
     *
     * @return the objective
     */
    static GanLoss leastSquares() {
        return StandardGanLoss.LEAST_SQUARES;
    }

    /**
     * The Wasserstein GAN loss: the critic's mean score difference. Use it with weight clipping
     * ({@link GanTrainer.Builder#optWeightClipping(float)}) or another Lipschitz constraint.
     *
     * @return the objective
     */
    static GanLoss wasserstein() {
        return StandardGanLoss.WASSERSTEIN;
    }
}
