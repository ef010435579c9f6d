/**
 * Training GANs with DJL: {@link io.github.djlgan.training.GanTrainer} trains a generator and a
 * discriminator against each other — its loss ({@link io.github.djlgan.training.GanLoss}, or any
 * {@link io.github.djlgan.training.GanObjective}), update order ({@link
 * io.github.djlgan.training.GanSchedule}), latents ({@link
 * io.github.djlgan.training.LatentSampler}), packing, weight clipping, a moving average of the
 * generator, checkpoints and progress ({@link io.github.djlgan.training.Progress}); {@link
 * io.github.djlgan.training.Adam} is an Adam whose state is saved with a checkpoint ({@link
 * io.github.djlgan.training.StatefulOptimizer}). {@link
 * io.github.djlgan.training.DetachedParameterStore} runs one network on detached parameters while
 * the other is trained through it; {@link io.github.djlgan.training.WrappingParameterStore} is the
 * parameter-store view a wrapping block hands to the block it wraps.
 */
package io.github.djlgan.training;
