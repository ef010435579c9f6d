package io.github.djlgan.util;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.gan.MinibatchStdDev;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * Gradients must not depend on when the garbage collector runs.
 *
 * <p>On DJL 0.35.1's PyTorch engine, {@code x.mul(c)}, {@code x.div(c)} and {@code x.pow(c)} with a
 * Java number put c in a tensor backed by a Java direct buffer and close it after the operation;
 * autograd keeps the tensor for the backward pass, so a garbage collection between forward and
 * backward frees memory the backward pass still reads (see {@link Tensors}). Each test runs
 * forward, then a collection and fresh direct-buffer allocations that reuse freed memory, then
 * backward, a number of times, and requires the same gradient every time. With a number operand in
 * the graph, this fails on PyTorch in most runs of a test.
 */
public class AutogradGcTest extends EngineTest {

    private static final int TRIALS = 8;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public AutogradGcTest(String engine) {
        super(engine);
    }

    /**
     * Forward, optionally a garbage collection with reuse of freed direct memory, backward; returns
     * d(Σ y·w)/dx followed by the gradient of every parameter of {@code block} (if not null).
     */
    private List<float[]> gradients(
            Block block, Function<NDArray, NDArray> f, NDArray input, boolean churn) {
        try (NDManager step = manager.newSubManager()) {
            List<Parameter> parameters = new ArrayList<>();
            if (block != null) {
                for (Pair<String, Parameter> p : block.getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        parameters.add(p.getValue());
                        NDArray grad = p.getValue().getArray().getGradient();
                        grad.attach(step);
                        grad.subi(grad);
                    }
                }
            }
            NDArray x = input.duplicate();
            x.attach(step);
            x.setRequiresGradient(true);
            try (GradientCollector collector = step.getEngine().newGradientCollector()) {
                NDArray y = f.apply(x);
                NDArray weights =
                        step.arange((float) y.size())
                                .reshape(y.getShape())
                                .div(step.full(new Shape(), (float) y.size()));
                NDArray loss = y.mul(weights).sum();
                if (churn) {
                    churn();
                }
                collector.backward(loss);
            }
            List<float[]> out = new ArrayList<>();
            out.add(x.getGradient().toFloatArray());
            for (Parameter parameter : parameters) {
                NDArray grad = parameter.getArray().getGradient();
                grad.attach(step);
                out.add(grad.toFloatArray());
            }
            return out;
        }
    }

    private static void churn() {
        System.gc();
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 5));
            while (b.remaining() >= 4) {
                b.putFloat(-12345.678f);
            }
            junk.add(b);
        }
    }

    private void assertStable(Block block, Function<NDArray, NDArray> f, NDArray input) {
        List<float[]> reference = gradients(block, f, input, false);
        for (int trial = 0; trial < TRIALS; trial++) {
            List<float[]> actual = gradients(block, f, input, true);
            for (int i = 0; i < reference.size(); i++) {
                assertEquals(
                        actual.get(i),
                        reference.get(i),
                        (i == 0 ? "input gradient" : "gradient of parameter " + i)
                                + " after a garbage collection between forward and backward,"
                                + " trial "
                                + trial);
            }
        }
    }

    private void assertStable(Block block, NDArray input) {
        assertStable(
                block,
                x ->
                        block.forward(
                                        new ParameterStore(x.getManager(), false),
                                        new NDList(x),
                                        true)
                                .head(),
                input);
    }

    @Test
    public void tensorsMeanAndScalar() {
        NDArray x = randn(1, 4, 3, 5);
        assertStable(
                null, v -> Tensors.mean(v, new int[] {0, 2}, true).mul(Tensors.scalar(v, 2.5)), x);
    }

    @Test
    public void weightNorm() {
        NDArray x = randn(2, 6, 5);
        Block block =
                init(
                        WeightNorm.wrap(Linear.builder().setUnits(4).build()),
                        DataType.FLOAT32,
                        x.getShape());
        assertStable(block, x);
    }

    @Test
    public void lasagneBatchNorm() {
        NDArray x = randn(3, 8, 4);
        Block block = init(LasagneBatchNorm.builder().build(), DataType.FLOAT32, x.getShape());
        assertStable(block, x);
    }

    @Test
    public void minibatchDiscrimination() {
        NDArray x = randn(5, 6, 7);
        Block block =
                init(
                        MinibatchDiscrimination.builder().setNumKernels(3).optKernelDim(4).build(),
                        DataType.FLOAT32,
                        x.getShape());
        assertStable(block, x);
    }

    @Test
    public void minibatchStdDev() {
        NDArray x = randn(4, 8, 3);
        Block block = init(MinibatchStdDev.builder().build(), DataType.FLOAT32, x.getShape());
        assertStable(block, x);
    }
}
