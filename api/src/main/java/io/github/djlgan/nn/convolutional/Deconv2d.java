package io.github.djlgan.nn.convolutional;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.djlgan.nn.BaseBlock;
import io.github.djlgan.util.BlockChecks;
import io.github.djlgan.util.BlockConfig;
import java.util.Locale;

/**
 * Transposed 2-D convolution ("deconvolution", fractionally-strided convolution): the gradient of a
 * {@code Conv2d} with respect to its input, used to upsample in GAN generators.
 *
 * <p>For an input x of shape (N, C, H, W), a weight w of shape (C, F/G, k<sub>h</sub>,
 * k<sub>w</sub>) and G groups (C and F divisible by G), every input pixel scatters its kernel onto
 * the output:
 *
 * <pre>
 *   y[n, g·F/G + f, oy, ox] = b[g·F/G + f]
 *       + Σ x[n, g·C/G + c, iy, ix] · w[g·C/G + c, f, ky, kx]
 *         over c, iy, ix, ky, kx with  oy = iy·s_h − p_h + ky·d_h,  ox = ix·s_w − p_w + kx·d_w
 * </pre>
 *
 * <p>with stride s, padding p, dilation d and output padding a. The output is (N, F, H', W') with
 *
 * <pre>
 *   H' = (H − 1)·s_h − 2·p_h + d_h·(k_h − 1) + a_h + 1
 * </pre>
 *
 * <p>and likewise W'. This is PyTorch's {@code conv_transpose2d} / {@code ConvTranspose2d}, with
 * the same weight layout and orientation; its {@code output_padding} a only lengthens the output at
 * the bottom and right, it adds no input.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code weight} (C, F/G, k<sub>h</sub>, k<sub>w</sub>), input channels first. The default
 *       initializer is DJL's for weights, whose fan-in is taken from axis 1 (F/G·k<sub>h</sub>
 *       ·k<sub>w</sub>), as PyTorch does for {@code ConvTranspose2d}.
 *   <li>{@code bias} (F); absent with {@code optBias(false)}.
 * </ul>
 *
 * <p><b>Porting from Theano/Lasagne.</b> Lasagne's {@code TransposedConv2DLayer} (default {@code
 * flip_filters=False}) and improved-gan's {@code Deconv2DLayer} both call Theano's {@code
 * AbstractConv2d_gradInputs} with {@code filter_flip=True}: the transpose of a true, flipped
 * convolution. Their W has this block's layout (C, F, k<sub>h</sub>, k<sub>w</sub>) but is rotated
 * by 180°: use {@code W.flip(2, 3)} as {@code weight}. Theano's {@code border_mode='half'} is
 * padding ⌊k/2⌋, and a {@code target_shape} of twice the input with a 5×5 kernel and stride 2 is
 * output padding 1 (improved-gan's generator).
 *
 * <p><b>How it is computed.</b> DJL 0.35.1's {@code Conv2dTranspose} cannot be used (PyTorch: not
 * implemented; MXNet: wrong weight shape when C ≠ F), so this block is built from {@link
 * Conv2d#conv2d}, slicing, flips, reshapes and stacks, which both engines have. It uses the
 * sub-pixel (phase) decomposition, which never multiplies an inserted zero. Along one axis, split
 * the output rows by their phase ρ = oy mod s, oy = q·s + ρ; with g = gcd(s, d):
 *
 * <pre>
 *   y_ρ[q] = Σ_ky x[q + (ρ + p − ky·d)/s] · w[ky]   over the taps with ky·d ≡ ρ + p (mod s)
 * </pre>
 *
 * <p>Those taps are ky = c, c + s/g, c + 2s/g, … and the input rows they read are d/g apart, so
 * each output phase (ρ<sub>h</sub>, ρ<sub>w</sub>) is an ordinary stride-1 correlation of x with
 * the flipped sub-kernel w[:, :, c<sub>h</sub>::s<sub>h</sub>/g<sub>h</sub>,
 * c<sub>w</sub>::s<sub>w</sub>/g<sub>w</sub>] at dilation d/g. A phase that no tap reaches
 * (possible when s &gt; k or g &gt; 1) holds only the bias. The s<sub>h</sub>·s<sub>w</sub> phase
 * outputs are interleaved (stacking them along a new last axis and merging it into the one before
 * puts row q of phase ρ at row q·s + ρ), cropped to H' × W', and the bias is added. Each tap of w
 * belongs to exactly one phase, so the phase convolutions together do the multiply-accumulates of
 * the definition, plus a few border rows per phase ({@code conv2d} pads symmetrically; a phase that
 * needs more zeros on one side computes, then crops, extra rows on the other). The sub-kernels are
 * sliced from the weight on every call, so gradients reach it and a wrapper may hand in a different
 * weight each time.
 *
 * <p><b>Cost.</b> The phase convolutions together do the multiply-accumulates of the definition,
 * and no multiplication by an inserted zero, plus the border rows above; interleaving the phases
 * copies the output twice, and the sub-kernels are sliced and flipped on every call. Its time
 * against a {@code Conv2d} doing the same multiply-accumulates, and the variants that were measured
 * and not kept, are in the project's {@code docs/design-measurements.md}.
 *
 * <p><b>PyTorch: zero filters.</b> The phase convolutions run through {@link
 * Convolutions#convolve}: on DJL 0.35.1's PyTorch engine the float32 input gradient of an ungrouped
 * convolution whose output channels are not a multiple of 16 is wrong (for this block's phase
 * convolutions with 1 or 3 filters, off by 85–92 % of its largest entry in every call, and now and
 * then NaN), so there each phase convolution of an ungrouped deconvolution computes zero filters up
 * to the next multiple of 16 and drops their outputs; a layer with F = 1 does 16 times the
 * multiply-accumulates of the definition.
 *
 * <p>References: V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep learning",
 * arXiv:1603.07285 (transposed convolution arithmetic); W. Shi et al., "Real-Time Single Image and
 * Video Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural Network", CVPR 2016 (the
 * phase decomposition); Lasagne's {@code lasagne.layers.TransposedConv2DLayer}.
 */
public class Deconv2d extends BaseBlock {

    private static final String NAME = "Deconv2d";
    private static final byte VERSION = 1;

    private final Shape kernelShape;
    private final Shape stride;
    private final Shape padding;
    private final Shape outPadding;
    private final Shape dilation;
    private final int filters;
    private final int groups;
    private final Parameter weight;
    private final Parameter bias;

    Deconv2d(Builder builder) {
        super(NAME, VERSION);
        kernelShape = builder.kernelShape;
        stride = builder.stride;
        padding = builder.padding;
        outPadding = builder.outPadding;
        dilation = builder.dilation;
        filters = builder.filters;
        groups = builder.groups;
        weight = addParameter("weight", Parameter.Type.WEIGHT);
        bias = builder.bias ? addParameter("bias", Parameter.Type.BIAS) : null;
    }

    /**
     * Creates a builder to build a {@code Deconv2d}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Applies a transposed 2-D convolution, the same as PyTorch's {@code
     * torch.nn.functional.conv_transpose2d(input, weight, bias, stride, padding, outPadding,
     * groups, dilation)}.
     *
     * @param input the input (N, C, H, W)
     * @param weight the weight (C, F/G, k<sub>h</sub>, k<sub>w</sub>)
     * @param bias the bias (F), or {@code null} for none
     * @param stride the stride (s<sub>h</sub>, s<sub>w</sub>), each &ge; 1
     * @param padding the padding (p<sub>h</sub>, p<sub>w</sub>), each &ge; 0
     * @param outPadding the output padding (a<sub>h</sub>, a<sub>w</sub>), each &ge; 0 and smaller
     *     than the stride or the dilation of its axis
     * @param dilation the dilation (d<sub>h</sub>, d<sub>w</sub>), each &ge; 1
     * @param groups the number of groups G, dividing C
     * @return the output (N, F, H', W'), H' = (H − 1)·s<sub>h</sub> − 2·p<sub>h</sub> +
     *     d<sub>h</sub>·(k<sub>h</sub> − 1) + a<sub>h</sub> + 1, likewise W'
     * @throws IllegalArgumentException if a shape or hyper-parameter is invalid, H or W is 0, or
     *     the output would be empty
     */
    public static NDArray deconv2d(
            NDArray input,
            NDArray weight,
            NDArray bias,
            Shape stride,
            Shape padding,
            Shape outPadding,
            Shape dilation,
            int groups) {
        Shape in = input.getShape();
        Shape w = weight.getShape();
        BlockChecks.checkShape(w.dimension() == 4, NAME, "weight (C, F/G, kh, kw)", w);
        checkHyperParameters(w.slice(2), stride, padding, outPadding, dilation, groups);
        BlockChecks.checkShape(in.dimension() == 4, NAME, "input (N, C, H, W) of rank 4", in);
        BlockChecks.checkShape(
                in.get(1) == w.get(0),
                NAME,
                "input (N, " + w.get(0) + ", H, W) matching the weight " + w,
                in);
        BlockChecks.checkArgument(
                w.get(0) % groups == 0,
                NAME,
                "input channels %d are not divisible by groups %d",
                w.get(0),
                groups);
        long f = w.get(1) * groups;
        if (bias != null) {
            BlockChecks.checkShape(
                    bias.getShape().equals(new Shape(f)),
                    NAME,
                    "bias (" + f + ")",
                    bias.getShape());
        }
        // the engines' convolutions reject (PyTorch) or mis-handle (MXNet) an empty spatial axis
        BlockChecks.checkShape(
                in.get(2) > 0 && in.get(3) > 0,
                NAME,
                "input (N, C, H, W) with H > 0 and W > 0",
                in);
        Axis rows = new Axis(0, in, w, stride, padding, outPadding, dilation);
        Axis cols = new Axis(1, in, w, stride, padding, outPadding, dilation);
        checkOutput(in, rows.out, cols.out, w.slice(2), stride, padding, outPadding, dilation);
        if (in.get(0) == 0) { // an empty batch: an empty output
            return input.getManager()
                    .zeros(
                            new Shape(0, f, rows.out, cols.out),
                            input.getDataType(),
                            input.getDevice());
        }

        Shape phaseShape = new Shape(in.get(0), f, rows.perPhase, cols.perPhase);
        NDList outputRows = new NDList(); // one entry per row phase
        for (Phase ph : rows.phases) {
            NDList outputColumns = new NDList(); // one entry per column phase
            for (Phase pw : cols.phases) {
                outputColumns.add(
                        ph == null || pw == null // no tap reaches this phase
                                ? input.getManager()
                                        .zeros(phaseShape, input.getDataType(), input.getDevice())
                                : phase(input, weight, groups, ph, pw, phaseShape));
            }
            outputRows.add(interleave(outputColumns, 3));
        }
        NDArray y = crop(interleave(outputRows, 2), 0, rows.out, 0, cols.out);
        if (bias == null) {
            return y;
        }
        NDArray b = bias.reshape(f, 1, 1);
        b.attach(input.getManager()); // a per-call temporary: keep it off the bias' manager
        return y.add(b);
    }

    /**
     * One output phase (ρh, ρw): the stride-1 correlation of the input with the sub-kernel w[:, :,
     * first_h::step_h, first_w::step_w], flipped, dilation (dh/gh, dw/gw), cropped to the phase's
     * rows and columns.
     */
    private static NDArray phase(
            NDArray input, NDArray weight, int groups, Phase ph, Phase pw, Shape phaseShape) {
        Shape w = weight.getShape();
        NDIndex taps =
                new NDIndex()
                        .addAllDim(2)
                        .addSliceDim(ph.first(), w.get(2), ph.step())
                        .addSliceDim(pw.first(), w.get(3), pw.step());
        NDArray k = weight.get(taps);
        // rebuilt from the weight on every call: keep these temporaries off its manager
        k.attach(input.getManager());
        Shape t = k.getShape();
        long c = w.get(0);
        long f = w.get(1) * groups;
        // as conv2d wants it: taps flipped, (C, F/G) -> (F, C/G) group by group
        k =
                k.flip(2, 3)
                        .reshape(groups, c / groups, f / groups, t.get(2) * t.get(3))
                        .transpose(0, 2, 1, 3)
                        .reshape(f, c / groups, t.get(2), t.get(3));
        long padH = Math.max(0, Math.max(ph.before(), ph.after()));
        long padW = Math.max(0, Math.max(pw.before(), pw.after()));
        Shape pad = new Shape(padH, padW);
        Shape dil = new Shape(ph.dilation(), pw.dilation());
        NDArray z = Convolutions.convolve(input, k, null, new Shape(1, 1), pad, dil, groups);
        long top = padH - ph.before();
        long left = padW - pw.before();
        return crop(z, top, phaseShape.get(2), left, phaseShape.get(3));
    }

    /**
     * Interleaves equally shaped phase outputs along an axis: row q of part ρ becomes row q·parts +
     * ρ (stack along a new axis right after it, then merge the two).
     */
    private static NDArray interleave(NDList parts, int axis) {
        if (parts.size() == 1) {
            return parts.head();
        }
        Shape s = parts.head().getShape();
        Shape merged = s.slice(0, axis).add(s.get(axis) * parts.size()).addAll(s.slice(axis + 1));
        return NDArrays.stack(parts, axis + 1).reshape(merged);
    }

    private static NDArray crop(NDArray x, long top, long height, long left, long width) {
        Shape s = x.getShape();
        if (top == 0 && left == 0 && s.get(2) == height && s.get(3) == width) {
            return x;
        }
        return x.get(
                new NDIndex()
                        .addAllDim(2)
                        .addSliceDim(top, top + height)
                        .addSliceDim(left, left + width));
    }

    /** {@inheritDoc} */
    @Override
    protected NDArray compute(
            ParameterStore store, NDArray x, boolean training, PairList<String, Object> params) {
        // read on every call (a wrapper such as weight normalisation may hand out derived values)
        NDArray w = store.getValue(weight, x.getDevice(), training);
        NDArray b = store.getValue(bias, x.getDevice(), training);
        return deconv2d(x, w, b, stride, padding, outPadding, dilation, groups);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {
            new Shape(in.get(0), filters, outSize(in.get(2), 0), outSize(in.get(3), 1))
        };
    }

    /** {@inheritDoc} */
    @Override
    protected void beforeInitialize(Shape in) {
        BlockChecks.checkShape(
                in.dimension() == 4 && in.get(1) > 0,
                NAME,
                "input (N, C, H, W) of rank 4 with a known channel count C",
                in);
        BlockChecks.checkArgument(
                in.get(1) % groups == 0,
                NAME,
                "input channels %d are not divisible by groups %d",
                in.get(1),
                groups);
        long h = outSize(in.get(2), 0);
        long w = outSize(in.get(3), 1);
        checkOutput(in, h, w, kernelShape, stride, padding, outPadding, dilation);
    }

    /** {@inheritDoc} */
    @Override
    protected void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape(inputShapes[0].get(1), filters / groups).addAll(kernelShape));
        if (bias != null) {
            bias.setShape(new Shape(filters));
        }
    }

    /** Output size along axis 0 (height) or 1 (width); -1 stays -1 (unknown). */
    private long outSize(long size, int axis) {
        if (size < 0) {
            return -1;
        }
        return outSize(
                size,
                kernelShape.get(axis),
                stride.get(axis),
                padding.get(axis),
                outPadding.get(axis),
                dilation.get(axis));
    }

    private static long outSize(
            long size, long kernel, long stride, long padding, long outPadding, long dilation) {
        return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + outPadding + 1;
    }

    private static void checkOutput(
            Shape in,
            long height,
            long width,
            Shape kernel,
            Shape stride,
            Shape padding,
            Shape outPadding,
            Shape dilation) {
        BlockChecks.checkShape(
                in.get(2) < 0 || in.get(3) < 0 || height > 0 && width > 0,
                NAME,
                String.format(
                        Locale.ROOT,
                        "input (N, C, H, W) giving a non-empty output (H - 1)*s - 2p + d*(k - 1)"
                                + " + outPad + 1 = (%d, %d) for kernel %s, stride %s, padding %s,"
                                + " output padding %s, dilation %s",
                        height,
                        width,
                        kernel,
                        stride,
                        padding,
                        outPadding,
                        dilation),
                in);
    }

    private static void checkHyperParameters(
            Shape kernel,
            Shape stride,
            Shape padding,
            Shape outPadding,
            Shape dilation,
            int groups) {
        checkPair(kernel, "kernel", 1);
        checkPair(stride, "stride", 1);
        checkPair(padding, "padding", 0);
        checkPair(outPadding, "output padding", 0);
        checkPair(dilation, "dilation", 1);
        for (int i = 0; i < 2; i++) {
            BlockChecks.checkArgument(
                    outPadding.get(i) < stride.get(i) || outPadding.get(i) < dilation.get(i),
                    NAME,
                    "output padding %s must be smaller than the stride %s or the dilation %s on"
                            + " each axis",
                    outPadding,
                    stride,
                    dilation);
        }
        BlockChecks.checkArgument(groups >= 1, NAME, "groups must be >= 1, got %d", groups);
    }

    private static void checkPair(Shape pair, String name, long min) {
        BlockChecks.checkArgument(
                pair != null && pair.dimension() == 2 && pair.get(0) >= min && pair.get(1) >= min,
                NAME,
                "%s must be 2 values (height, width), each >= %d, got %s",
                name,
                min,
                pair);
    }

    /**
     * Returns the kernel shape (k<sub>h</sub>, k<sub>w</sub>).
     *
     * @return the kernel shape
     */
    public Shape getKernelShape() {
        return kernelShape;
    }

    /**
     * Returns the stride (s<sub>h</sub>, s<sub>w</sub>).
     *
     * @return the stride
     */
    public Shape getStride() {
        return stride;
    }

    /**
     * Returns the padding (p<sub>h</sub>, p<sub>w</sub>), removed from each border of the output.
     *
     * @return the padding
     */
    public Shape getPadding() {
        return padding;
    }

    /**
     * Returns the output padding (a<sub>h</sub>, a<sub>w</sub>), added to the bottom and right of
     * the output.
     *
     * @return the output padding
     */
    public Shape getOutPadding() {
        return outPadding;
    }

    /**
     * Returns the dilation (d<sub>h</sub>, d<sub>w</sub>) of the kernel taps.
     *
     * @return the dilation
     */
    public Shape getDilation() {
        return dilation;
    }

    /**
     * Returns the number of output channels F.
     *
     * @return the number of output channels
     */
    public int getFilters() {
        return filters;
    }

    /**
     * Returns the number of groups G.
     *
     * @return the number of groups
     */
    public int getGroups() {
        return groups;
    }

    /**
     * Returns whether the block has a bias.
     *
     * @return whether the block has a bias
     */
    public boolean hasBias() {
        return bias != null;
    }

    /** {@inheritDoc} */
    @Override
    protected BlockConfig config() {
        return super.config()
                .add("kernelShape", kernelShape)
                .add("stride", stride)
                .add("padding", padding)
                .add("outPadding", outPadding)
                .add("dilation", dilation)
                .add("filters", filters)
                .add("groups", groups)
                .add("bias", bias != null);
    }

    /**
     * One output phase along one axis: the taps first, first + step, ... (below the kernel size)
     * reach it, reading input rows {@code dilation} apart; before / after are the zero rows the
     * correlation needs in front of / behind the input (negative: rows it does not read).
     */
    private record Phase(long first, long step, long dilation, long before, long after) {}

    /** The output size and the phase plan of one spatial axis. */
    private static final class Axis {

        final long stride;
        final long out;
        final long perPhase;
        final Phase[] phases;

        Axis(
                int axis,
                Shape input,
                Shape weight,
                Shape strides,
                Shape paddings,
                Shape outPaddings,
                Shape dilations) {
            long size = input.get(2 + axis);
            long kernel = weight.get(2 + axis);
            long padding = paddings.get(axis);
            long dilation = dilations.get(axis);
            stride = strides.get(axis);
            out = outSize(size, kernel, stride, padding, outPaddings.get(axis), dilation);
            perPhase = Math.max(0, Math.floorDiv(out + stride - 1, stride));
            long g = gcd(stride, dilation);
            long step = stride / g;
            phases = new Phase[(int) stride];
            for (int rho = 0; rho < stride; rho++) {
                // tap ky reaches output rows q·s + rho iff ky·d ≡ rho + p (mod s); periodic in ky
                // with period s/g, so the first such ky, if any, is below s/g
                long first = -1;
                for (long ky = 0; ky < Math.min(kernel, step) && first < 0; ky++) {
                    if (Math.floorMod(ky * dilation - rho - padding, stride) == 0) {
                        first = ky;
                    }
                }
                if (first < 0) {
                    continue; // no tap reaches this phase: bias only
                }
                long taps = (kernel - 1 - first) / step + 1; // first, first + s/g, ... < kernel
                long last = first + (taps - 1) * step;
                // tap ky reads input row q + (rho + p - ky·d) / s for output row q·s + rho; the
                // flipped sub-kernel starts with the last tap, at the lowest input row
                long lowest = (rho + padding - last * dilation) / stride;
                long before = -lowest;
                long after = perPhase + (taps - 1) * (dilation / g) + lowest - size;
                phases[rho] = new Phase(first, step, dilation / g, before, after);
            }
        }

        private static long gcd(long a, long b) {
            return b == 0 ? a : gcd(b, a % b);
        }
    }

    /** The builder for a {@link Deconv2d}. */
    public static final class Builder {

        private Shape kernelShape;
        private int filters;
        private Shape stride = new Shape(1, 1);
        private Shape padding = new Shape(0, 0);
        private Shape outPadding = new Shape(0, 0);
        private Shape dilation = new Shape(1, 1);
        private int groups = 1;
        private boolean bias = true;

        Builder() {}

        /**
         * Sets the kernel shape (k<sub>h</sub>, k<sub>w</sub>) (required).
         *
         * @param kernelShape the kernel shape, two values &ge; 1
         * @return this builder
         */
        public Builder setKernelShape(Shape kernelShape) {
            this.kernelShape = kernelShape;
            return this;
        }

        /**
         * Sets the number of output channels F (required).
         *
         * @param filters the number of output channels, &gt; 0 and divisible by the groups
         * @return this builder
         */
        public Builder setFilters(int filters) {
            this.filters = filters;
            return this;
        }

        /**
         * Sets the stride (s<sub>h</sub>, s<sub>w</sub>), the upsampling factor (default (1, 1)).
         *
         * @param stride the stride, two values &ge; 1
         * @return this builder
         */
        public Builder optStride(Shape stride) {
            this.stride = stride;
            return this;
        }

        /**
         * Sets the padding (p<sub>h</sub>, p<sub>w</sub>): rows and columns removed from each
         * border of the full output (default (0, 0)), as in PyTorch's {@code ConvTranspose2d}.
         *
         * @param padding the padding, two values &ge; 0
         * @return this builder
         */
        public Builder optPadding(Shape padding) {
            this.padding = padding;
            return this;
        }

        /**
         * Sets the output padding (a<sub>h</sub>, a<sub>w</sub>): rows and columns added to the
         * bottom and right of the output (default (0, 0)), which selects among the output sizes
         * that a stride-s convolution maps to the same input size.
         *
         * @param outPadding the output padding, two values &ge; 0, each smaller than the stride or
         *     the dilation of its axis
         * @return this builder
         */
        public Builder optOutPadding(Shape outPadding) {
            this.outPadding = outPadding;
            return this;
        }

        /**
         * Sets the dilation (d<sub>h</sub>, d<sub>w</sub>) of the kernel taps (default (1, 1)).
         *
         * @param dilation the dilation, two values &ge; 1
         * @return this builder
         */
        public Builder optDilation(Shape dilation) {
            this.dilation = dilation;
            return this;
        }

        /**
         * Sets the number of groups G (default 1): input channel group g feeds only output channel
         * group g.
         *
         * @param groups the number of groups, dividing the filters and the input channels
         * @return this builder
         */
        public Builder optGroups(int groups) {
            this.groups = groups;
            return this;
        }

        /**
         * Sets whether the block has a bias (default {@code true}).
         *
         * @param bias whether to add a bias
         * @return this builder
         */
        public Builder optBias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /**
         * Builds the block.
         *
         * @return a new {@link Deconv2d}
         * @throws IllegalArgumentException if the kernel shape or the filters are missing, or a
         *     hyper-parameter is invalid
         */
        public Deconv2d build() {
            BlockChecks.checkArgument(
                    kernelShape != null,
                    NAME,
                    "setKernelShape(Shape) is required, e.g. new Shape(4, 4)");
            BlockChecks.checkArgument(
                    filters > 0, NAME, "setFilters(int) needs filters > 0, got %d", filters);
            checkHyperParameters(kernelShape, stride, padding, outPadding, dilation, groups);
            BlockChecks.checkArgument(
                    filters % groups == 0,
                    NAME,
                    "filters %d are not divisible by groups %d",
                    filters,
                    groups);
            return new Deconv2d(this);
        }
    }
}
