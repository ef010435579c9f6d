package io.github.djlgan.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.util.BlockChecks;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The weight layout of every block that a weight-reparameterising wrapper ({@code WeightNorm},
 * {@code SpectralNorm}, {@code EqualizedLearningRate}) can wrap and {@code LasagneParams} can
 * import: the one place in the library that knows these layouts.
 *
 * <p>Each such block has a parameter {@code weight}, and optionally {@code bias}, and computes a
 * function that is linear in its weight. The weight's <em>channels</em> are its output channels,
 * the rows of the weight seen as a dense layer; the block's input check is part of its layout, so
 * that a wrapper rejects a bad input with its own name.
 *
 * <table class="striped">
 *   <caption>The layouts</caption>
 *   <thead>
 *     <tr><th scope="col">block</th><th scope="col">weight</th><th scope="col">channel axis</th>
 *         <th scope="col">groups G</th><th scope="col">channels in the output</th>
 *         <th scope="col">Lasagne layer, W</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><td>DJL {@code Linear}</td><td>(out, in)</td><td>0</td><td>1</td>
 *         <td>last axis</td><td>{@code DenseLayer}, W (in, out)</td></tr>
 *     <tr><td>DJL {@code Conv1d}, {@code Conv2d}, {@code Conv3d}</td><td>(out, in/G, k…)</td>
 *         <td>0</td><td>groups</td><td>axis 1</td>
 *         <td>{@code Conv1DLayer}, {@code Conv2DLayer}, {@code Conv3DLayer}, W as is</td></tr>
 *     <tr><td>{@link NetworkInNetwork}</td><td>(units, C)</td><td>0</td><td>1</td><td>axis 1</td>
 *         <td>{@code NINLayer}, W (C, units)</td></tr>
 *     <tr><td>{@link Deconv2d}</td><td>(in, out/G, kh, kw)</td><td>1</td><td>groups</td>
 *         <td>axis 1</td><td>{@code Deconv2DLayer}, W as is</td></tr>
 *     <tr><td>{@link Maxout}</td><td>(units·pieces, C)</td><td>0</td><td>1</td>
 *         <td>none: the output holds the max over each unit's pieces</td>
 *         <td>{@code DenseLayer}, W (C, units·pieces), then {@code FeaturePoolLayer}</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>What follows from a layout, for a weight of shape s with channel axis a:
 *
 * <ul>
 *   <li>channels = s[a] · (G if a = 1, else 1): for a transposed convolution, axis 1 holds the
 *       output channels of one group;
 *   <li>fan-in = size(s) / channels: the weights one output channel sees, i.e. the product of the
 *       other axes, per group;
 *   <li>the matrix view (s[a], size(s)/s[a]): the channel axis moved to the front and the rest
 *       flattened, PyTorch's {@code spectral_norm(dim = a)}.
 * </ul>
 *
 * <p>A layout is <em>channel-wise</em> when output channel c is the input multiplied by weight
 * channel c alone (plus bias c): then scaling weight channel c by s<sub>c</sub> scales output
 * channel c by s<sub>c</sub>, and a wrapper may scale the (smaller) output instead of the weight.
 * Every layout above is, except {@link Maxout}'s: its output is the maximum over each unit's
 * pieces, so wrappers transform its weight only.
 *
 * <p><b>Adding a wrappable block</b> is one entry in the list {@code LAYOUTS} of this class: its
 * class, the key saved in wrappers' configurations, the channel axis, the groups, where its
 * channels appear in the output, whether it is channel-wise, its input check and its Lasagne layer.
 * {@code WeightNorm}, {@code SpectralNorm}, {@code EqualizedLearningRate} and {@code LasagneParams}
 * then handle it.
 */
public final class WeightLayout {

    /** The supported blocks; the first entry whose class matches a block describes it. */
    private static final List<Entry> LAYOUTS =
            List.of(
                    new Entry(
                            Linear.class,
                            List.of("Linear"),
                            "LINEAR",
                            0,
                            b -> 1,
                            true,
                            true,
                            WeightLayout::lastAxisInput,
                            b -> "DenseLayer",
                            LasagneWeight.TRANSPOSED),
                    new Entry(
                            Convolution.class,
                            List.of("Conv1d", "Conv2d", "Conv3d"),
                            "CONVOLUTION",
                            0,
                            b -> ((Convolution) b).getGroups(),
                            false,
                            true,
                            WeightLayout::convolutionInput,
                            b -> "Conv" + ((Convolution) b).getKernelShape().dimension() + "DLayer",
                            LasagneWeight.KERNEL),
                    new Entry(
                            NetworkInNetwork.class,
                            List.of("NetworkInNetwork"),
                            "NIN",
                            0,
                            b -> 1,
                            false,
                            true,
                            WeightLayout::axis1Input,
                            b -> "NINLayer",
                            LasagneWeight.TRANSPOSED),
                    new Entry(
                            Deconv2d.class,
                            List.of("Deconv2d"),
                            "DECONV",
                            1,
                            b -> ((Deconv2d) b).getGroups(),
                            false,
                            true,
                            WeightLayout::deconvolutionInput,
                            b -> "Deconv2DLayer",
                            LasagneWeight.TRANSPOSED_KERNEL),
                    // the dense part's u·p outputs are the channels; the max over each unit's p
                    // pieces is not linear in a per-channel scale, so not channel-wise
                    new Entry(
                            Maxout.class,
                            List.of("Maxout"),
                            "MAXOUT",
                            0,
                            b -> 1,
                            false,
                            false,
                            WeightLayout::axis1Input,
                            b -> "DenseLayer",
                            LasagneWeight.TRANSPOSED));

    private final Block block;
    private final Entry entry;

    private WeightLayout(Block block, Entry entry) {
        this.block = block;
        this.entry = entry;
    }

    /**
     * Returns the layout of a block that a wrapper wraps.
     *
     * @param block the block
     * @param wrapper the wrapper's name, for the message
     * @return the block's layout
     * @throws IllegalArgumentException naming the wrapper and the supported blocks if the block has
     *     no layout here
     */
    public static WeightLayout of(Block block, String wrapper) {
        return find(block)
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        wrapper
                                                + ": cannot wrap "
                                                + (block == null
                                                        ? "null"
                                                        : block.getClass().getName())
                                                + "; supported blocks are "
                                                + supportedBlocks()));
    }

    /**
     * Returns the layout of a block, if it has one here.
     *
     * @param block the block, or null
     * @return its layout, or empty
     */
    public static Optional<WeightLayout> find(Block block) {
        if (block == null) {
            return Optional.empty();
        }
        return LAYOUTS.stream()
                .filter(e -> e.type.isInstance(block))
                .findFirst()
                .map(e -> new WeightLayout(block, e));
    }

    /**
     * Returns the supported blocks for messages, e.g. {@code "Linear, Conv1d, Conv2d, Conv3d,
     * NetworkInNetwork, Deconv2d and Maxout"}.
     *
     * @return the supported blocks
     */
    public static String supportedBlocks() {
        List<String> names = supportedBlockNames();
        return String.join(", ", names.subList(0, names.size() - 1))
                + " and "
                + names.get(names.size() - 1);
    }

    /**
     * Returns the simple class names of the supported blocks, in the order of the layouts.
     *
     * @return the names, an unmodifiable list
     */
    public static List<String> supportedBlockNames() {
        return LAYOUTS.stream()
                .flatMap(e -> e.names.stream())
                .collect(Collectors.toUnmodifiableList());
    }

    /**
     * Returns the block this layout describes.
     *
     * @return the block
     */
    public Block getBlock() {
        return block;
    }

    /**
     * Returns the key of the layout ({@code LINEAR}, {@code CONVOLUTION}, {@code NIN}, {@code
     * DECONV}, {@code MAXOUT}), which wrappers save in their configuration; it never changes.
     *
     * @return the key
     */
    public String getKey() {
        return entry.key;
    }

    /**
     * Returns the block's {@code weight} parameter.
     *
     * @return the weight
     */
    public Parameter getWeight() {
        return block.getDirectParameters().get("weight");
    }

    /**
     * Returns the block's {@code bias} parameter, or null if it has none.
     *
     * @return the bias, or null
     */
    public Parameter getBias() {
        return block.getDirectParameters().get("bias");
    }

    /**
     * Returns the weight axis of the output channels: 0, or 1 for a transposed convolution.
     *
     * @return the channel axis
     */
    public int getChannelAxis() {
        return entry.channelAxis;
    }

    /**
     * Returns the block's number of groups (1 for dense layers).
     *
     * @return the groups
     */
    public int getGroups() {
        return entry.groups.applyAsInt(block);
    }

    /**
     * Returns the number of output channels of a weight of this layout.
     *
     * @param weight the weight's shape
     * @return the channels
     */
    public long getChannels(Shape weight) {
        long perAxis = weight.get(entry.channelAxis);
        return entry.channelAxis == 1 ? perAxis * getGroups() : perAxis;
    }

    /**
     * Returns the fan-in: the number of weights that one output channel sees (per group).
     *
     * @param weight the weight's shape
     * @return the fan-in
     */
    public long getFanIn(Shape weight) {
        return weight.size() / getChannels(weight);
    }

    /**
     * Returns the weight as a matrix with the channel axis first and every other axis flattened:
     * (s[a], size/s[a]), as PyTorch's {@code spectral_norm} with {@code dim} = the channel axis
     * views it. The result is differentiable and attached to the weight's manager.
     *
     * @param weight the weight
     * @return the matrix view
     */
    public NDArray toMatrix(NDArray weight) {
        Shape shape = weight.getShape();
        long rows = shape.get(entry.channelAxis);
        NDArray front =
                entry.channelAxis == 0
                        ? weight
                        : weight.transpose(
                                IntStream.concat(
                                                IntStream.of(entry.channelAxis),
                                                IntStream.range(0, shape.dimension())
                                                        .filter(i -> i != entry.channelAxis))
                                        .toArray());
        return front.reshape(rows, shape.size() / rows);
    }

    /**
     * Returns the axis of the block's output that holds its channels: the last axis of a {@code
     * Linear}'s output, axis 1 otherwise. Meaningful for channel-wise layouts only.
     *
     * @param output the output's shape
     * @return the output's channel axis
     */
    public int getOutputChannelAxis(Shape output) {
        return entry.channelsLast ? output.dimension() - 1 : 1;
    }

    /**
     * Returns whether output channel c is the input multiplied by weight channel c alone, plus bias
     * c, so that scaling a weight channel scales that output channel.
     *
     * @return whether the layout is channel-wise
     */
    public boolean isChannelwise() {
        return entry.channelwise;
    }

    /**
     * Returns whether the block maps this input row by row as x·Wᵀ + b: a channel-wise layout with
     * a 2-D weight (out, in) and an input (N, in) of rank 2 ({@code Linear}, {@code
     * NetworkInNetwork}). Then a row appended to the input appends W·row (+ b) to the output.
     *
     * @param input the input's shape
     * @param weight the weight's shape
     * @return whether the block is a dense layer on the rows of this input
     */
    public boolean isDenseOnRows(Shape input, Shape weight) {
        return entry.channelwise
                && entry.channelAxis == 0
                && weight.dimension() == 2
                && input.dimension() == 2;
    }

    /**
     * Rejects an input whose feature or channel count does not fit the weight, with a message that
     * names the wrapper and gives the expected and the actual shape.
     *
     * @param wrapper the wrapper's name
     * @param input the input's shape
     * @param weight the weight's shape
     * @throws IllegalArgumentException if the input does not fit
     */
    public void checkInput(String wrapper, Shape input, Shape weight) {
        String expected = entry.input.expected(block, weight, input);
        BlockChecks.checkShape(expected == null, wrapper, expected, input);
    }

    /**
     * Returns the Lasagne layer that holds the same weight, e.g. {@code DenseLayer} or {@code
     * Conv2DLayer}.
     *
     * @return the Lasagne layer's class name
     */
    public String getLasagneLayer() {
        return entry.lasagneLayer.apply(block);
    }

    /**
     * Returns how the Lasagne layer lays out the weight.
     *
     * @return the Lasagne weight layout
     */
    public LasagneWeight getLasagneWeight() {
        return entry.lasagneWeight;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "WeightLayout(" + entry.key + ", " + block.getClass().getSimpleName() + ")";
    }

    /** How a Lasagne layer holds the weight that this library's block holds. */
    public enum LasagneWeight {
        /** Lasagne's W is the transpose of the block's (out, in): (in, out). */
        TRANSPOSED,
        /**
         * Lasagne's W has the block's layout (out, in/G, k…); a Theano convolution with {@code
         * flip_filters} uses the kernel rotated by 180°.
         */
        KERNEL,
        /**
         * Lasagne's W has the block's layout (in, out/G, kh, kw) of a transposed convolution, which
         * Theano computes with the kernel rotated by 180° by default.
         */
        TRANSPOSED_KERNEL
    }

    // ------------------------------------------------------------------ input checks

    /** Linear: features on the last axis. */
    private static String lastAxisInput(Block block, Shape weight, Shape in) {
        long features = weight.get(1);
        boolean ok = in.dimension() >= 1 && in.get(in.dimension() - 1) == features;
        return ok ? null : "input (..., " + features + ")";
    }

    /** Dense along axis 1 (NetworkInNetwork, Maxout): (N, C, ...). */
    private static String axis1Input(Block block, Shape weight, Shape in) {
        long channels = weight.get(1);
        boolean ok = in.dimension() >= 2 && in.get(1) == channels;
        return ok ? null : "input (N, " + channels + ", ...)";
    }

    /** Convolutions: rank kernel + 2, in/G · G channels on axis 1. */
    private static String convolutionInput(Block block, Shape weight, Shape in) {
        Convolution conv = (Convolution) block;
        long channels = weight.get(1) * conv.getGroups();
        int rank = conv.getKernelShape().dimension() + 2;
        if (in.dimension() != rank || in.get(1) != channels) {
            return "input of rank " + rank + " with " + channels + " channels on axis 1";
        }
        // the engines reject an input smaller than the kernel with an engine error
        Shape kernel = conv.getKernelShape();
        for (int i = 0; i < kernel.dimension(); i++) {
            long padded = in.get(2 + i) + 2 * conv.getPadding().get(i);
            long extent = conv.getDilation().get(i) * (kernel.get(i) - 1) + 1;
            if (in.get(2 + i) <= 0 || padded < extent) {
                return String.format(
                        Locale.ROOT,
                        "a non-empty axis %d at least as large as the kernel extent %d after"
                                + " padding by %d on each side",
                        2 + i,
                        extent,
                        conv.getPadding().get(i));
            }
        }
        return null;
    }

    /** Deconv2d: (N, C, H, W) with C = the weight's axis 0. */
    private static String deconvolutionInput(Block block, Shape weight, Shape in) {
        long channels = weight.get(0);
        boolean ok = in.dimension() == 4 && in.get(1) == channels;
        return ok ? null : "input (N, " + channels + ", H, W)";
    }

    /** The expected input of a block, or null if the input fits. */
    @FunctionalInterface
    private interface InputCheck {
        String expected(Block block, Shape weight, Shape input);
    }

    /**
     * One wrappable block.
     *
     * @param type the block class (subclasses match too)
     * @param names the block names for messages
     * @param key the key saved in wrappers' configurations; never change it
     * @param channelAxis the weight axis of the output channels
     * @param groups the block's groups
     * @param channelsLast whether the output's channels are on its last axis (else axis 1)
     * @param channelwise whether output channel c depends on weight channel c alone, linearly
     * @param input the input check
     * @param lasagneLayer the Lasagne layer with the same weight
     * @param lasagneWeight how that Lasagne layer lays out the weight
     */
    private record Entry(
            Class<? extends Block> type,
            List<String> names,
            String key,
            int channelAxis,
            ToIntFunction<Block> groups,
            boolean channelsLast,
            boolean channelwise,
            InputCheck input,
            Function<Block, String> lasagneLayer,
            LasagneWeight lasagneWeight) {}
}
