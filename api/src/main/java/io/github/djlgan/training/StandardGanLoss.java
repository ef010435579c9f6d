package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.github.djlgan.util.Tensors;

/**
 * The standard objectives of {@link GanLoss}, one constant each; r are the real logits, f the
 * generated ones. Constants multiply by array scalars ({@link Tensors#scalar}), which is safe under
 * autograd on every engine.
 */
enum StandardGanLoss implements GanLoss {
    /** D: mean softplus(−r) + mean softplus(f); G: mean softplus(−f). */
    NON_SATURATING {
        @Override
        public NDArray discriminatorLoss(NDArray r, NDArray f) {
            return softplus(r.neg()).mean().add(softplus(f).mean());
        }

        @Override
        public NDArray generatorLoss(NDArray r, NDArray f) {
            return softplus(f.neg()).mean();
        }
    },

    /** D: mean softplus(−r) + mean softplus(f); G: −mean softplus(f). */
    MINIMAX {
        @Override
        public NDArray discriminatorLoss(NDArray r, NDArray f) {
            return NON_SATURATING.discriminatorLoss(r, f);
        }

        @Override
        public NDArray generatorLoss(NDArray r, NDArray f) {
            return softplus(f).mean().neg();
        }
    },

    /** D: mean relu(1 − r) + mean relu(1 + f); G: −mean f. */
    HINGE {
        @Override
        public NDArray discriminatorLoss(NDArray r, NDArray f) {
            return Activation.relu(r.neg().add(1)).mean().add(Activation.relu(f.add(1)).mean());
        }

        @Override
        public NDArray generatorLoss(NDArray r, NDArray f) {
            return f.mean().neg();
        }
    },

    /** D: ½ mean (r − 1)² + ½ mean f²; G: ½ mean (f − 1)². */
    LEAST_SQUARES {
        @Override
        public NDArray discriminatorLoss(NDArray r, NDArray f) {
            return r.sub(1).square().mean().add(f.square().mean()).mul(Tensors.scalar(r, 0.5));
        }

        @Override
        public NDArray generatorLoss(NDArray r, NDArray f) {
            return f.sub(1).square().mean().mul(Tensors.scalar(f, 0.5));
        }
    },

    /** D: mean f − mean r; G: −mean f. */
    WASSERSTEIN {
        @Override
        public NDArray discriminatorLoss(NDArray r, NDArray f) {
            return f.mean().sub(r.mean());
        }

        @Override
        public NDArray generatorLoss(NDArray r, NDArray f) {
            return f.mean().neg();
        }
    };

    private static NDArray softplus(NDArray x) {
        return Activation.softPlus(x);
    }
}
