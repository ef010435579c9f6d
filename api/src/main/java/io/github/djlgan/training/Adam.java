package io.github.djlgan.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adam (Kingma &amp; Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with the same
 * update as DJL's {@code Optimizer.adam()}, and a state that can be saved ({@link
 * StatefulOptimizer}).
 *
 * <p>With g the gradient (times {@code rescaleGrad}, clipped to ±{@code clipGrad} if that is
 * positive, plus weightDecay · w) and t the number of updates so far, this one included:
 *
 * <pre>
 *   m ← β₁ m + (1 − β₁) g
 *   v ← β₂ v + (1 − β₂) g²
 *   w ← w − lr_t · √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε)
 * </pre>
 *
 * <p>— ε is added to √v, not to the bias-corrected √v̂ (the form of DJL's, MXNet's and TensorFlow's
 * Adam; PyTorch's {@code torch.optim.Adam} adds ε to √v̂). lr<sub>t</sub> comes from the
 * learning-rate tracker at update t; t counts the optimizer's updates as DJL's optimizers do (the
 * highest count of any parameter). On PyTorch the engine's fused update also zeroes the gradient;
 * on MXNet the next backward pass overwrites it.
 *
 * <p>DJL 0.35.1 keeps its Adam's moments and counts in private fields, so a checkpoint cannot hold
 * them and a resumed run restarts the moments from zero. This optimizer's moments and counts are
 * saved and restored by {@link GanTrainer#save}/{@link GanTrainer#load}, keyed by the parameters'
 * paths in the network.
 */
public final class Adam extends Optimizer implements StatefulOptimizer {

    private static final int STATE_VERSION = 1;

    private final ParameterTracker learningRateTracker;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float rescale;
    private final float clip;
    private final float decay;
    private final Map<String, NDArray> means = new ConcurrentHashMap<>();
    private final Map<String, NDArray> variances = new ConcurrentHashMap<>();
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private int updates;

    Adam(Builder builder) {
        super(builder);
        learningRateTracker = builder.learningRateTracker;
        beta1 = builder.beta1;
        beta2 = builder.beta2;
        epsilon = builder.epsilon;
        rescale = builder.rescale;
        clip = builder.clip;
        decay = builder.decay;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@inheritDoc} */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = counts.merge(parameterId, 1, Integer::sum);
        updates = Math.max(updates, t);
        t = updates;
        float lr = learningRateTracker.getNewValue(parameterId, t);
        double correction = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        if (!Double.isFinite(correction)) {
            throw new IllegalStateException(
                    "Adam: the learning rate at update " + t + " is not finite: " + lr);
        }
        NDArray m = means.computeIfAbsent(parameterId, k -> state(weight));
        NDArray v = variances.computeIfAbsent(parameterId, k -> state(weight));
        // the engine's fused update, as DJL's own Adam calls it (one native call per parameter;
        // on PyTorch it also zeroes the weight's gradient)
        weight.getNDArrayInternal()
                .adamUpdate(
                        new NDList(weight, grad, m, v),
                        new NDList(weight),
                        lr,
                        (float) correction,
                        decay,
                        rescale,
                        clip,
                        beta1,
                        beta2,
                        epsilon,
                        true,
                        false);
    }

    /** A zero moment like the weight, detached from any manager that a step closes. */
    private static NDArray state(NDArray weight) {
        NDArray s = weight.zerosLike();
        s.detach();
        return s;
    }

    /** {@inheritDoc} */
    @Override
    public void saveState(DataOutputStream os, Map<String, String> ids) throws IOException {
        os.writeInt(STATE_VERSION);
        os.writeInt(updates);
        os.writeInt(ids.size());
        for (Map.Entry<String, String> entry : ids.entrySet()) {
            String id = entry.getValue();
            os.writeUTF(entry.getKey());
            os.writeInt(counts.getOrDefault(id, 0));
            NDArray m = means.get(id);
            os.writeBoolean(m != null);
            if (m != null) {
                writeArray(os, m);
                writeArray(os, variances.get(id));
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public void loadState(DataInputStream is, Map<String, String> ids, NDManager manager)
            throws IOException {
        int version = is.readInt();
        if (version != STATE_VERSION) {
            throw new IOException("Adam: unsupported state version " + version);
        }
        int savedUpdates = is.readInt();
        int n = is.readInt();
        if (n != ids.size()) {
            throw new IOException(
                    "Adam: the state holds " + n + " parameters, the network has " + ids.size());
        }
        Map<String, NDArray> newMeans = new ConcurrentHashMap<>();
        Map<String, NDArray> newVariances = new ConcurrentHashMap<>();
        Map<String, Integer> newCounts = new ConcurrentHashMap<>();
        try {
            for (int i = 0; i < n; i++) {
                String name = is.readUTF();
                String id = ids.get(name);
                if (id == null) {
                    throw new IOException(
                            "Adam: the state has parameter " + name + ", the network does not");
                }
                int count = is.readInt();
                if (count > 0) {
                    newCounts.put(id, count);
                }
                if (is.readBoolean()) {
                    newMeans.put(id, readArray(is, manager));
                    newVariances.put(id, readArray(is, manager));
                }
            }
        } catch (IOException | RuntimeException e) {
            newMeans.values().forEach(NDArray::close);
            newVariances.values().forEach(NDArray::close);
            throw e;
        }
        for (String id : ids.values()) {
            close(means.remove(id));
            close(variances.remove(id));
            counts.remove(id);
        }
        means.putAll(newMeans);
        variances.putAll(newVariances);
        counts.putAll(newCounts);
        updates = savedUpdates;
    }

    private static void close(NDArray array) {
        if (array != null) {
            array.close();
        }
    }

    private static void writeArray(DataOutputStream os, NDArray array) throws IOException {
        long[] shape = array.getShape().getShape();
        os.writeInt(shape.length);
        for (long d : shape) {
            os.writeLong(d);
        }
        os.writeUTF(array.getDataType().name());
        byte[] bytes = array.toByteArray();
        os.writeInt(bytes.length);
        os.write(bytes);
    }

    private static NDArray readArray(DataInputStream is, NDManager manager) throws IOException {
        int rank = is.readInt();
        if (rank < 0 || rank > 32) {
            throw new IOException("Adam: corrupt state: rank " + rank);
        }
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = is.readLong();
        }
        DataType type;
        try {
            type = DataType.valueOf(is.readUTF());
        } catch (IllegalArgumentException e) {
            throw new IOException("Adam: corrupt state: " + e.getMessage(), e);
        }
        int length = is.readInt();
        Shape shape = new Shape(dims);
        if (length < 0
                || length != shape.size() * type.getNumOfBytes()
                || length > is.available()) {
            throw new IOException(
                    "Adam: corrupt state: " + length + " bytes for " + type + " " + shape);
        }
        byte[] bytes = new byte[length];
        is.readFully(bytes);
        NDArray array = manager.create(java.nio.ByteBuffer.wrap(bytes), shape, type);
        array.detach();
        return array;
    }

    /** The builder of an {@link Adam}. */
    public static final class Builder extends OptimizerBuilder<Builder> {

        private ParameterTracker learningRateTracker = Tracker.fixed(0.001f);
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private float rescale = 1f;
        private float clip = -1f;
        private float decay;

        Builder() {}

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /** {@inheritDoc} */
        @Override
        public Builder setRescaleGrad(float rescaleGrad) {
            rescale = rescaleGrad;
            return super.setRescaleGrad(rescaleGrad);
        }

        /** {@inheritDoc} */
        @Override
        public Builder optWeightDecays(float weightDecays) {
            decay = weightDecays;
            return super.optWeightDecays(weightDecays);
        }

        /** {@inheritDoc} */
        @Override
        public Builder optClipGrad(float clipGrad) {
            clip = clipGrad;
            return super.optClipGrad(clipGrad);
        }

        /**
         * Sets the learning rate (default fixed 0.001).
         *
         * @param learningRateTracker the learning-rate tracker
         * @return this builder
         */
        public Builder optLearningRateTracker(ParameterTracker learningRateTracker) {
            this.learningRateTracker = learningRateTracker;
            return this;
        }

        /**
         * Sets β₁ (default 0.9).
         *
         * @param beta1 the decay of the first moment, in [0, 1)
         * @return this builder
         */
        public Builder optBeta1(float beta1) {
            this.beta1 = beta1;
            return this;
        }

        /**
         * Sets β₂ (default 0.999).
         *
         * @param beta2 the decay of the second moment, in [0, 1)
         * @return this builder
         */
        public Builder optBeta2(float beta2) {
            this.beta2 = beta2;
            return this;
        }

        /**
         * Sets ε (default 1e-8).
         *
         * @param epsilon the constant added to √v, &gt; 0
         * @return this builder
         */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Builds the optimizer.
         *
         * @return a new {@link Adam}
         * @throws IllegalArgumentException if a β is outside [0, 1) or ε is not positive
         */
        public Adam build() {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0)) {
                throw new IllegalArgumentException(
                        "Adam: needs 0 <= beta1, beta2 < 1 and epsilon > 0, got beta1 "
                                + beta1
                                + ", beta2 "
                                + beta2
                                + ", epsilon "
                                + epsilon);
            }
            return new Adam(this);
        }
    }
}
