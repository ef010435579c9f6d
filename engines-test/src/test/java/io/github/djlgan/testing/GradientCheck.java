package io.github.djlgan.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * A float64 central finite-difference gradient checker usable on any {@link Block}.
 *
 * <p>The scalar checked is {@code L = Σ_k Σ R_k ⊙ y_k} over every output {@code y_k}, with fixed
 * random projections {@code R_k} (a plain sum would hide errors in blocks whose outputs sum to a
 * constant, such as normalisation layers). The analytic gradient of every input and every trainable
 * parameter, computed by the engine's autograd inside a {@link GradientCollector}, is compared with
 * {@code (L(θ+h) − L(θ−h)) / 2h} at up to {@link #maxPoints(int)} coordinates per tensor.
 *
 * <p>The block must already be initialized with {@link DataType#FLOAT64} parameters, and the inputs
 * must be float64.
 */
public final class GradientCheck {

    private final Block block;
    private boolean training = true;
    private double step = 1e-6;
    private double rtol = 1e-5;
    private double atol = 1e-7;
    private int maxPoints = 24;
    private long seed = 7;
    private boolean checkInputs = true;
    private final Set<String> mayBeZero = new HashSet<>();

    private GradientCheck(Block block) {
        this.block = block;
    }

    /**
     * Starts a gradient check of a block.
     *
     * @param block an initialized float64 block
     * @return the check, to configure and run
     */
    public static GradientCheck of(Block block) {
        return new GradientCheck(block);
    }

    /**
     * Sets the training flag of the forward passes (default true).
     *
     * @param training the flag
     * @return this
     */
    public GradientCheck training(boolean training) {
        this.training = training;
        return this;
    }

    /**
     * Sets the finite-difference step (default 1e-6).
     *
     * @param step the step h
     * @return this
     */
    public GradientCheck step(double step) {
        this.step = step;
        return this;
    }

    /**
     * Sets the tolerances (default rtol 1e-5, atol 1e-7).
     *
     * @param rtol the relative tolerance
     * @param atol the absolute tolerance
     * @return this
     */
    public GradientCheck tolerance(double rtol, double atol) {
        this.rtol = rtol;
        this.atol = atol;
        return this;
    }

    /**
     * Sets how many coordinates of each tensor are checked (default 24; all if fewer).
     *
     * @param maxPoints the number of coordinates
     * @return this
     */
    public GradientCheck maxPoints(int maxPoints) {
        this.maxPoints = maxPoints;
        return this;
    }

    /**
     * Sets whether input gradients are checked (default true).
     *
     * @param checkInputs the flag
     * @return this
     */
    public GradientCheck checkInputs(boolean checkInputs) {
        this.checkInputs = checkInputs;
        return this;
    }

    /**
     * Allows a tensor's gradient to be zero everywhere (by default an all-zero gradient fails the
     * check, because it would make the comparison vacuous).
     *
     * @param name the parameter name, or {@code "input0"}, {@code "input1"}, ...
     * @return this
     */
    public GradientCheck allowZero(String name) {
        mayBeZero.add(name);
        return this;
    }

    /**
     * Runs the check.
     *
     * @param manager the manager for temporaries
     * @param inputs the float64 inputs
     * @return the number of coordinates compared
     * @throws AssertionError if an analytic and a numeric derivative differ
     */
    public int check(NDManager manager, NDArray... inputs) {
        try (NDManager scope = manager.newSubManager()) {
            return run(scope, inputs);
        }
    }

    private int run(NDManager scope, NDArray... inputs) {
        List<Pair<String, NDArray>> tensors = new ArrayList<>();
        NDList x = new NDList();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].getDataType() != DataType.FLOAT64) {
                throw new IllegalArgumentException("gradient checks need float64 inputs");
            }
            NDArray copy = inputs[i].duplicate();
            copy.attach(scope);
            x.add(copy);
            if (checkInputs) {
                tensors.add(new Pair<>("input" + i, copy));
            }
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter parameter = p.getValue();
            if (parameter.requiresGradient()) {
                NDArray array = parameter.getArray();
                if (array.getDataType() != DataType.FLOAT64) {
                    throw new IllegalArgumentException(
                            "gradient checks need float64 parameters; "
                                    + p.getKey()
                                    + " is "
                                    + array.getDataType());
                }
                tensors.add(new Pair<>(p.getKey(), array));
            }
        }

        // fixed projections of the outputs
        NDList probe = block.forward(new ParameterStore(scope, false), x, training);
        NDList projections = new NDList();
        for (int k = 0; k < probe.size(); k++) {
            NDArray y = probe.get(k);
            projections.add(
                    scope.create(
                            EngineTest.gaussian(seed + 101L * k, Math.toIntExact(y.size())),
                            y.getShape()));
        }

        // analytic gradients
        for (Pair<String, NDArray> t : tensors) {
            zeroGradient(t.getValue());
            t.getValue().setRequiresGradient(true);
        }
        List<double[]> analytic = new ArrayList<>();
        try (GradientCollector collector = scope.getEngine().newGradientCollector()) {
            NDList y = block.forward(new ParameterStore(scope, false), x, training);
            collector.backward(project(y, projections));
        }
        for (Pair<String, NDArray> t : tensors) {
            analytic.add(NDAssert.toDoubles(t.getValue().getGradient()));
        }
        for (NDArray input : x) {
            input.setRequiresGradient(false);
        }

        // numeric gradients
        Random random = new Random(seed);
        int compared = 0;
        List<String> failures = new ArrayList<>();
        for (int t = 0; t < tensors.size(); t++) {
            String name = tensors.get(t).getKey();
            NDArray tensor = tensors.get(t).getValue();
            double[] values = NDAssert.toDoubles(tensor);
            double[] grad = analytic.get(t);
            double largest = 0;
            for (int index : choose(values.length, random)) {
                double original = values[index];
                values[index] = original + step;
                tensor.set(DoubleBuffer.wrap(values));
                double plus = loss(scope, x, projections);
                values[index] = original - step;
                tensor.set(DoubleBuffer.wrap(values));
                double minus = loss(scope, x, projections);
                values[index] = original;
                tensor.set(DoubleBuffer.wrap(values));
                double numeric = (plus - minus) / (2 * step);
                largest = Math.max(largest, Math.abs(numeric));
                double diff = Math.abs(numeric - grad[index]);
                if (!(diff <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(grad[index])))) {
                    failures.add(
                            String.format(
                                    Locale.ROOT,
                                    "%s[%d]: analytic %.10g, numeric %.10g",
                                    name,
                                    index,
                                    grad[index],
                                    numeric));
                }
                compared++;
            }
            if (largest < 1e-9 && !mayBeZero.contains(name)) {
                failures.add(name + ": every checked derivative is 0, the check proves nothing");
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(
                    "gradient check of "
                            + block.getClass().getSimpleName()
                            + " failed at "
                            + failures.size()
                            + " of "
                            + compared
                            + " coordinates:\n  "
                            + String.join(
                                    "\n  ", failures.subList(0, Math.min(20, failures.size()))));
        }
        return compared;
    }

    private double loss(NDManager scope, NDList x, NDList projections) {
        try (NDManager sub = scope.newSubManager()) {
            NDList in = new NDList();
            for (NDArray a : x) {
                NDArray view = a.duplicate();
                view.attach(sub);
                in.add(view);
            }
            NDList y = block.forward(new ParameterStore(sub, false), in, training);
            return project(y, projections).toType(DataType.FLOAT64, false).getDouble();
        }
    }

    private static NDArray project(NDList outputs, NDList projections) {
        NDArray total = null;
        for (int k = 0; k < outputs.size(); k++) {
            NDArray term = outputs.get(k).mul(projections.get(k)).sum();
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    private List<Integer> choose(int size, Random random) {
        List<Integer> all = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            all.add(i);
        }
        if (size <= maxPoints) {
            return all;
        }
        Collections.shuffle(all, random);
        return all.subList(0, maxPoints);
    }

    private static void zeroGradient(NDArray array) {
        if (array.hasGradient()) {
            NDArray gradient = array.getGradient();
            gradient.subi(gradient.duplicate());
        }
    }
}
