package io.github.djlgan.nn.convolutional;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.util.Pair;
import io.github.djlgan.nn.norm.WeightWrapper;
import io.github.djlgan.util.BlockChecks;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL's 1-, 2- and 3-D convolutions ({@link Conv1d#conv1d}, {@link Conv2d#conv2d}, {@link
 * Conv3d#conv3d}) with one engine defect worked around: the library's blocks convolve through
 * {@link #convolve}.
 *
 * <p>The convolution of an input x (N, C, d…) with a weight w (F, C/G, k…) in G groups, bias b (F)
 * or none, stride s, padding p and dilation δ:
 *
 * <pre>
 *   y[n, f, o…] = b[f] + Σ_c Σ_t x[n, g·C/G + c, o·s − p + t·δ] · w[f, c, t]   g = ⌊f / (F/G)⌋
 * </pre>
 *
 * <p><b>The defect.</b> On DJL 0.35.1's PyTorch engine (PyTorch 2.7.1 with oneDNN 3.7.1, CPU) the
 * float32 gradient with respect to the input x of an ungrouped convolution whose F is not a
 * multiple of oneDNN's channel block (16 for its AVX-512 kernels, 8 for its AVX2 ones) is wrong, by
 * up to its largest entry, and partly read from memory the engine has not written (NaN now and
 * then). The forward value, the weight's gradient, float64, grouped convolutions and DJL's MXNet
 * engine are right. A generator's last layer (1 or 3 filters) and a DCGAN discriminator's last
 * layer (1 filter) are such convolutions: with the defect, every gradient that reaches the layers
 * before them is wrong. The defect is in oneDNN 3.7, which libtorch 2.7.1 links in: its reorder of
 * the weight into the padded layout of the backward pass loses weights. PyTorch with oneDNN 2.6.3
 * or 3.12.1 computes the same convolutions right.
 *
 * <p><b>The workaround.</b> On the PyTorch engine, on CPU and in float32 (any type but float64), an
 * ungrouped convolution whose F is not a multiple of {@link #FILTER_BLOCK} computes F' = F rounded
 * up to that multiple filters — the F of w followed by zero filters (and zero biases) — and returns
 * the first F output channels. The real filters' outputs, and every gradient, are those of the
 * definition; a layer with F = 1 does 16 times its multiply-accumulates. Elsewhere this is DJL's
 * convolution, unchanged.
 *
 * <p>The measurements (which shapes fail, by how much, on which instruction sets; the reproducer)
 * are in the project's {@code docs/upstream/conv2d-input-gradient/}.
 */
public final class Convolutions {

    /**
     * The multiple of output channels an ungrouped convolution computes on the PyTorch engine: the
     * channel block of oneDNN's AVX-512 kernels, and a multiple of its AVX2 block (8).
     */
    public static final int FILTER_BLOCK = 16;

    private static final String NAME = "Convolutions.convolve";

    private Convolutions() {}

    /**
     * Convolves an input with a weight: DJL's {@code conv1d}, {@code conv2d} or {@code conv3d},
     * chosen by the weight's rank, with the PyTorch workaround of the class comment.
     *
     * @param input the input (N, C, d…), d… of 1, 2 or 3 axes
     * @param weight the weight (F, C/G, k…), k… as many axes as d…
     * @param bias the bias (F), or null for none
     * @param stride the stride, one value per spatial axis
     * @param padding the zero padding on both sides, one value per spatial axis
     * @param dilation the dilation, one value per spatial axis
     * @param groups the number of groups G, which divides C and F
     * @return the output (N, F, o…)
     * @throws IllegalArgumentException if the shapes do not fit one another
     */
    public static NDArray convolve(
            NDArray input,
            NDArray weight,
            NDArray bias,
            Shape stride,
            Shape padding,
            Shape dilation,
            int groups) {
        Shape w = weight.getShape();
        Shape x = input.getShape();
        int axes = w.dimension() - 2;
        BlockChecks.checkArgument(
                axes >= 1 && axes <= 3,
                NAME,
                "expected a weight (F, C/G, k...) of rank 3 to 5, got shape %s",
                w);
        BlockChecks.checkArgument(
                groups >= 1 && w.get(0) % groups == 0,
                NAME,
                "expected groups >= 1 dividing the weight's %d filters, got %d",
                w.get(0),
                groups);
        BlockChecks.checkShape(
                x.dimension() == w.dimension() && x.get(1) == w.get(1) * groups,
                NAME,
                "an input of rank "
                        + w.dimension()
                        + " with "
                        + w.get(1) * groups
                        + " channels on axis 1",
                x);
        BlockChecks.checkShape(
                bias == null || bias.getShape().equals(new Shape(w.get(0))),
                NAME,
                "a bias of shape (" + w.get(0) + ")",
                bias == null ? null : bias.getShape());
        for (Shape s : new Shape[] {stride, padding, dilation}) {
            BlockChecks.checkArgument(
                    s.dimension() == axes,
                    NAME,
                    "expected stride, padding and dilation of %d values, got %s",
                    axes,
                    s);
        }
        long filters = w.get(0);
        long padded = padsFilters(input, filters, groups) ? roundUp(filters) : filters;
        NDArray k = withZeros(weight, padded, input.getManager());
        NDArray b = bias == null ? null : withZeros(bias, padded, input.getManager());
        NDArray y = engineConvolution(input, k, b, stride, padding, dilation, groups);
        return padded == filters ? y : y.get(new NDIndex().addAllDim().addSliceDim(0, filters));
    }

    /**
     * Whether {@link #convolve} computes zero filters for a convolution with these filters and
     * groups of this input: an ungrouped convolution whose filters are not a multiple of {@link
     * #FILTER_BLOCK}, where the defect can reach it ({@link #affected}).
     *
     * @param input the input
     * @param filters the number of filters F
     * @param groups the number of groups G
     * @return whether the convolution is padded with zero filters
     */
    public static boolean padsFilters(NDArray input, long filters, int groups) {
        return groups == 1
                && filters % FILTER_BLOCK != 0
                && affected(input.getManager().getEngine(), input.getDevice(), input.getDataType());
    }

    /**
     * Whether the defect of the class comment can reach a computation: on the PyTorch engine, on
     * CPU, in a floating-point type other than float64 (float64 convolutions take another code
     * path).
     *
     * @param engine the engine
     * @param device the device
     * @param dataType the data type
     * @return whether ungrouped convolutions with other than a multiple of 16 filters are padded
     */
    public static boolean affected(Engine engine, Device device, DataType dataType) {
        return "PyTorch".equals(engine.getEngineName())
                && Device.Type.CPU.equals(device.getDeviceType())
                && dataType != DataType.FLOAT64;
    }

    /**
     * Whether a block is one of DJL's own {@code Conv1d}, {@code Conv2d}, {@code Conv3d} (not a
     * subclass, which may compute something else in its {@code forward}).
     *
     * @param block a block
     * @return whether it is a DJL convolution
     */
    public static boolean isDjlConvolution(Block block) {
        Class<?> c = block.getClass();
        return c == Conv1d.class || c == Conv2d.class || c == Conv3d.class;
    }

    /**
     * Lists the convolutions of a network that need {@link FilterPadding} where the defect can
     * reach them ({@link #affected}): every DJL {@code Conv1d}, {@code Conv2d} or {@code Conv3d}
     * ({@link #isDjlConvolution}) that is ungrouped, has a number of filters that is not a multiple
     * of {@link #FILTER_BLOCK}, and is not the layer of a {@link WeightWrapper} (which convolves
     * through {@link #convolve}: {@link FilterPadding}, {@code WeightNorm}, {@code SpectralNorm},
     * {@code EqualizedLearningRate}). The library's own blocks need nothing. Not every listed layer
     * is wrong: the 1×1 and strided 4×4 kernels measured were right, and the input gradient of a
     * network's first layer is not used.
     *
     * @param network the network
     * @return each such convolution's path in the network, as its parameters' names start (child
     *     names joined by {@code _}, the class name for the network itself), with its filters, e.g.
     *     {@code "04Conv2d (1 filter)"}; empty if there is none
     */
    public static List<String> needingFilterPadding(Block network) {
        List<String> found = new ArrayList<>();
        collect(network, null, found);
        return found;
    }

    /** Adds the convolutions under {@code block}, at {@code path} (null: the network itself). */
    private static void collect(Block block, String path, List<String> found) {
        if (block instanceof WeightWrapper) {
            return;
        }
        if (isDjlConvolution(block)) {
            Convolution conv = (Convolution) block;
            int f = conv.getFilters();
            if (conv.getGroups() == 1 && f % FILTER_BLOCK != 0) {
                String name = path == null ? block.getClass().getSimpleName() : path;
                found.add(name + " (" + f + (f == 1 ? " filter)" : " filters)"));
            }
            return;
        }
        for (Pair<String, Block> child : block.getChildren()) {
            String name = child.getKey();
            collect(child.getValue(), path == null ? name : path + "_" + name, found);
        }
    }

    private static long roundUp(long filters) {
        return (filters + FILTER_BLOCK - 1) / FILTER_BLOCK * FILTER_BLOCK;
    }

    /**
     * a (F, …) followed by zeros along axis 0 up to {@code rows}, on the pass's manager (a may be a
     * parameter's array).
     */
    private static NDArray withZeros(NDArray a, long rows, NDManager pass) {
        long f = a.getShape().get(0);
        if (rows == f) {
            return a;
        }
        Shape shape = new Shape(rows - f).addAll(a.getShape().slice(1));
        NDArray padded =
                NDArrays.concat(new NDList(a, pass.zeros(shape, a.getDataType(), a.getDevice())));
        padded.attach(pass);
        return padded;
    }

    private static NDArray engineConvolution(
            NDArray x, NDArray w, NDArray b, Shape s, Shape p, Shape d, int groups) {
        switch (w.getShape().dimension()) {
            case 3:
                return Conv1d.conv1d(x, w, b, s, p, d, groups).head();
            case 4:
                return Conv2d.conv2d(x, w, b, s, p, d, groups).head();
            default:
                return Conv3d.conv3d(x, w, b, s, p, d, groups).head();
        }
    }
}
