package io.github.djlgan.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.TrainingConfig;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.PairList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;

/**
 * A training configuration whose optimizer clips every weight to [−c, c] right after updating it
 * (WGAN's weight clipping).
 *
 * <p>The clipping is part of the update because DJL's MXNet parameter server keeps its own copy of
 * every weight, updates that copy and copies it into the parameter: a clip applied to the parameter
 * after the step would be undone by the next update there. Inside the update the clip reaches the
 * weight that is actually updated, on every engine.
 */
final class ClippedConfig implements TrainingConfig {

    private final TrainingConfig config;
    private final Clipping optimizer;

    ClippedConfig(TrainingConfig config, float clip) {
        this.config = config;
        optimizer = new Clipping(config.getOptimizer(), clip);
    }

    @Override
    public Device[] getDevices() {
        return config.getDevices();
    }

    @Override
    public PairList<Initializer, Predicate<Parameter>> getInitializers() {
        return config.getInitializers();
    }

    @Override
    public Optimizer getOptimizer() {
        return optimizer;
    }

    @Override
    public Loss getLossFunction() {
        return config.getLossFunction();
    }

    @Override
    public ExecutorService getExecutorService() {
        return config.getExecutorService();
    }

    @Override
    public List<Evaluator> getEvaluators() {
        return config.getEvaluators();
    }

    @Override
    public List<TrainingListener> getTrainingListeners() {
        return config.getTrainingListeners();
    }

    /** The optimizer of a configuration, unwrapped if it clips. */
    static Optimizer unwrap(Optimizer optimizer) {
        return optimizer instanceof Clipping clipping ? clipping.inner : optimizer;
    }

    /** The wrapped optimizer's update, then w ← clip(w, −c, c) in place. */
    private static final class Clipping extends Optimizer {

        private final Optimizer inner;
        private final float clip;

        Clipping(Optimizer inner, float clip) {
            super(new NoOptions());
            this.inner = inner;
            this.clip = clip;
        }

        @Override
        public void update(String parameterId, NDArray weight, NDArray grad) {
            inner.update(parameterId, weight, grad);
            try (NDArray clipped = weight.clip(-clip, clip)) {
                clipped.copyTo(weight);
            }
        }
    }

    /** The base class's options, unused: the wrapped optimizer has its own. */
    private static final class NoOptions extends Optimizer.OptimizerBuilder<NoOptions> {
        @Override
        protected NoOptions self() {
            return this;
        }
    }
}
