package io.github.djlgan.training;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.Locale;

/**
 * A DJL {@link TrainingListener} that shows training progress with a {@link Progress}: a redrawn
 * bar on a terminal, one plain line every 10% when the output is redirected. Add it to one
 * network's {@code TrainingConfig} (e.g. the discriminator's) for {@link GanTrainer#fit}.
 */
public final class ProgressListener extends TrainingListenerAdapter {

    private final int epochs;
    private Progress progress;
    private int epoch;

    /**
     * Creates the listener for a run of the given number of epochs.
     *
     * @param epochs the epochs the run will take, &ge; 1
     */
    public ProgressListener(int epochs) {
        this.epochs = Math.max(1, epochs);
    }

    /** {@inheritDoc} */
    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        long perEpoch = batchData.getBatch().getProgressTotal();
        if (progress == null) {
            progress = new Progress("Training " + trainer.getModel().getName(), perEpoch * epochs);
        }
        float loss = batchData.getLabels().values().iterator().next().head().getFloat();
        progress.update(
                epoch * perEpoch + batchData.getBatch().getProgress() + 1,
                String.format(Locale.ROOT, "epoch %d/%d, loss %.4f", epoch + 1, epochs, loss));
    }

    /** {@inheritDoc} */
    @Override
    public void onEpoch(Trainer trainer) {
        epoch++;
    }

    /** {@inheritDoc} */
    @Override
    public void onTrainingEnd(Trainer trainer) {
        if (progress != null) {
            progress.close();
        }
    }
}
