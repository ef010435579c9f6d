package io.github.djlgan.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of a generator's parameters (Karras et al. 2018; Yazıcı et al.,
 * "The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019):
 *
 * <pre>
 *   ema ← decay · ema + (1 − decay) · θ       after every generator update (trainable θ)
 *   ema ← θ                                   for non-trainable state (batch-norm averages)
 * </pre>
 *
 * <p>The averages live on their own manager, on the parameters' device, and are used for sampling
 * through {@link #store}.
 */
final class GeneratorEma implements AutoCloseable {

    private final float decay;
    private final NDManager manager;
    private final Map<Parameter, NDArray> averages = new LinkedHashMap<>();

    GeneratorEma(Block generator, float decay, NDManager parent) {
        this.decay = decay;
        manager = parent.newSubManager();
        for (Pair<String, Parameter> p : generator.getParameters()) {
            NDArray copy = p.getValue().getArray().duplicate();
            copy.attach(manager);
            averages.put(p.getValue(), copy);
        }
    }

    /** ema ← θ for every parameter. */
    void reset() {
        averages.forEach((parameter, average) -> parameter.getArray().copyTo(average));
    }

    /** One averaging step, after a generator update. */
    void update() {
        try (NDManager scope = manager.newSubManager()) {
            for (Map.Entry<Parameter, NDArray> e : averages.entrySet()) {
                NDArray theta = e.getKey().getArray();
                NDArray average = e.getValue();
                if (e.getKey().requiresGradient()) {
                    // ema − (1 − decay)(ema − θ) = decay·ema + (1 − decay)·θ
                    NDArray step = average.sub(theta);
                    step.attach(scope);
                    average.subi(step.muli(1 - decay));
                } else {
                    theta.copyTo(average);
                }
            }
        }
    }

    /** The averages, keyed by parameter. */
    Map<Parameter, NDArray> averages() {
        return averages;
    }

    /** A parameter store that answers every generator parameter with its average. */
    ParameterStore store(NDManager scope) {
        return new ParameterStore(scope, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
                NDArray average = averages.get(parameter);
                if (average == null) {
                    return super.getValue(parameter, device, training);
                }
                if (average.getDevice().equals(device)) {
                    return average;
                }
                NDArray copy = average.toDevice(device, true);
                copy.attach(scope);
                return copy;
            }
        };
    }

    @Override
    public void close() {
        manager.close();
    }
}
