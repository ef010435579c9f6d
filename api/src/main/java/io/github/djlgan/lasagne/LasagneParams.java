package io.github.djlgan.lasagne;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.github.djlgan.nn.WeightLayout;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.norm.EqualizedLearningRate;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.util.Tensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Imports parameters saved by a Theano/Lasagne network into a DJL block built from this project's
 * blocks.
 *
 * <p><b>File format.</b> The {@code .npz} written by {@code np.savez(f,
 * *lasagne.layers.get_all_param_values(net))}: one array per parameter, named {@code arr_0}, {@code
 * arr_1}, … in Lasagne's order (a file saved with {@code np.savez(f, **named)} is rejected). Save
 * every parameter, not only the trainable ones ({@code get_all_params(net, trainable=True)} leaves
 * out batch-norm averages and untrained scales). Arrays are read in the order of the integer in
 * their name, converted to the parameter's data type (float64 files load into float32 parameters)
 * and copied into the parameters' existing arrays, so a {@code Trainer} or {@code ParameterStore}
 * that already holds them sees the new values (on several devices, load before the first forward
 * pass: DJL caches the copies on other devices). The arrays must be float16, float32 or float64,
 * little- or big-endian, in C order; every other dtype (integers, booleans, complex, …) and every
 * header whose shape does not match the data it holds is rejected before any engine array is made
 * (DJL's own {@code NDList.decode} would hand some of them to the engine, and DJL 0.35.1's PyTorch
 * engine aborts the JVM on uint16, int16, uint32 and uint64 arrays).
 *
 * <p><b>Order.</b> Lasagne lists the parameters layer by layer from input to output, and within a
 * layer in the order of its {@code add_param} calls. This importer builds the same list by walking
 * the DJL block in forward order: a container (a {@code SequentialBlock}, a {@code ParallelBlock},
 * any block with children and no parameters of its own) is walked child by child; a block of the
 * table below contributes its parameters in the Lasagne order of the layer(s) it stands for; a
 * block without parameters contributes nothing; any other block with parameters is an error naming
 * it. {@link #describe(Block)} returns the resulting list, e.g. to print which {@code arr_i} goes
 * where.
 *
 * <p><b>Mapping</b> ({@code nn.} is improved-gan's {@code nn.py}; Lasagne's own classes are in
 * {@code lasagne.layers}). The layers with a weight — every block of {@link WeightLayout} — map as
 * their layout says ({@link WeightLayout#getLasagneLayer()}, {@link
 * WeightLayout#getLasagneWeight()}); the table lists them:
 *
 * <table class="striped">
 *   <caption>DJL blocks, the Lasagne layers they import, and the layout conversions</caption>
 *   <thead>
 *     <tr><th scope="col">DJL block</th><th scope="col">Lasagne layer</th>
 *         <th scope="col">Lasagne parameters, in order</th><th scope="col">DJL parameters</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><td>{@code Linear}</td><td>{@code DenseLayer}</td><td>W (in, out), b (out)</td>
 *         <td>weight = Wᵀ (out, in), bias = b</td></tr>
 *     <tr><td>{@code NetworkInNetwork}</td><td>{@code NINLayer}</td>
 *         <td>W (C, units), b (units) or untied (units, d…)</td><td>weight = Wᵀ, bias = b</td></tr>
 *     <tr><td>{@code Conv1d}, {@code Conv2d}, {@code Conv3d}</td>
 *         <td>{@code Conv1DLayer}, {@code Conv2DLayer}, {@code Conv3DLayer}, {@code
 *             dnn.Conv2DDNNLayer}, {@code dnn.Conv3DDNNLayer}</td>
 *         <td>W (F, C/groups, k…), b (F)</td>
 *         <td>weight = W, rotated 180° over the kernel axes if {@link
 *             Builder#optFlipFilters(boolean) flipFilters} (default false), bias = b</td></tr>
 *     <tr><td>{@link Deconv2d}</td>
 *         <td>{@code TransposedConv2DLayer} (alias {@code Deconv2DLayer}), {@code
 *             nn.Deconv2DLayer}</td>
 *         <td>W (C, F, kh, kw), b (F)</td>
 *         <td>weight = W, rotated 180° over (kh, kw) if {@link
 *             Builder#optFlipDeconvFilters(boolean) flipDeconvFilters} (default true), bias = b</td>
 *         </tr>
 *     <tr><td>{@link Maxout}</td>
 *         <td>{@code DenseLayer(num_units=units·pieces)}, then {@code
 *             FeaturePoolLayer(pool_size=pieces)} (no parameters)</td>
 *         <td>W (C, units·pieces), b (units·pieces)</td><td>weight = Wᵀ, bias = b</td></tr>
 *     <tr><td rowspan="3">{@link WeightNorm}(X)</td>
 *         <td>{@code nn.weight_norm(X)}: X, then {@code nn.WeightNormLayer} ({@link
 *             WeightNormStyle#WEIGHT_NORM}, default)</td>
 *         <td>X.W, WeightNormLayer.b, WeightNormLayer.g</td>
 *         <td>X's weight (v) = X.W converted as for X, bias = b, g = g</td></tr>
 *     <tr><td>{@code nn.l2normalize(X)}, X a {@code DenseLayer}, {@code NINLayer} or
 *             {@code Conv2D*Layer} ({@link WeightNormStyle#L2NORMALIZE})</td>
 *         <td>X.W, X.b, X.W_scale</td><td>v = X.W converted as for X, bias = b, g = W_scale</td>
 *         </tr>
 *     <tr><td>{@code nn.DenseLayer}, X a {@code Linear} ({@link
 *             WeightNormStyle#DENSE_LAYER})</td>
 *         <td>theta (in, out), weight_scale (out), b (out)</td>
 *         <td>v = thetaᵀ, g = weight_scale, bias = b</td></tr>
 *     <tr><td rowspan="2">{@link LasagneBatchNorm}</td>
 *         <td>{@code BatchNormLayer}, e.g. from {@code lasagne.layers.batch_norm(X)} ({@link
 *             BatchNormStyle#LASAGNE}, default)</td>
 *         <td>beta, gamma (each absent when None), mean, inv_std</td>
 *         <td>beta, gamma, mean, invStd, as they are</td></tr>
 *     <tr><td>{@code nn.BatchNormLayer}, e.g. from {@code nn.batch_norm(X)} ({@link
 *             BatchNormStyle#IMPROVED_GAN})</td>
 *         <td>b, g (each absent when None), avg_batch_mean, avg_batch_var</td>
 *         <td>beta = b, gamma = g, mean = avg_batch_mean, invStd = 1/√(avg_batch_var +
 *             10⁻⁶)</td></tr>
 *     <tr><td>{@link MinibatchDiscrimination}</td><td>{@code nn.MinibatchLayer}</td>
 *         <td>theta (F, K, D), log_weight_scale (K, D), b (K)</td>
 *         <td>theta, logWeightScale, bias, as they are</td></tr>
 *     <tr><td>blocks without parameters ({@code GaussianNoise}, {@code MinibatchStdDev},
 *             activations, reshapes)</td>
 *         <td>{@code GaussianNoiseLayer}, {@code NonlinearityLayer}, {@code ReshapeLayer},
 *             …</td>
 *         <td>none</td><td>none</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Notes on the table:
 *
 * <ul>
 *   <li>Filter flips. Theano's {@code conv2d} with {@code filter_flip=True} is a true convolution;
 *       DJL's convolutions, like cuDNN, compute a cross-correlation, so the kernel is rotated by
 *       180° on import. Lasagne's {@code Conv1DLayer}/{@code Conv2DLayer}/{@code Conv3DLayer}
 *       default to {@code flip_filters=True}; the cuDNN layers {@code dnn.Conv2DDNNLayer}/{@code
 *       dnn.Conv3DDNNLayer}, which improved-gan uses, default to {@code flip_filters=False}. The
 *       importer's default (no flip) is the cuDNN layers'; for {@code Conv*DLayer} networks set
 *       {@code optFlipFilters(true)} (i.e. set it to the layers' {@code flip_filters}). The
 *       transposed layers are the other way round: Lasagne's {@code TransposedConv2DLayer} with its
 *       default {@code flip_filters=False} and improved-gan's {@code Deconv2DLayer} both run
 *       Theano's {@code AbstractConv2d_gradInputs} with {@code filter_flip=True}, the transpose of
 *       a true convolution, so their W is rotated by default ({@code optFlipDeconvFilters(false)}
 *       for a {@code TransposedConv2DLayer} built with {@code flip_filters=True}).
 *   <li>{@code batch_norm(X)} and {@code nn.weight_norm(X)} delete X's own b. Build X without a
 *       bias before a {@link LasagneBatchNorm} (e.g. {@code Linear.builder().optBias(false)});
 *       under a {@link WeightNorm}, X may keep its bias or not: the WeightNorm's bias (X's, or its
 *       own) takes the b that comes after X.W.
 *   <li>Lasagne's {@code DenseLayer} flattens every axis after the first; DJL's {@code Linear} acts
 *       on the last axis, so put a flatten block before it for inputs of rank &gt; 2 (the row-major
 *       flattening is the same).
 *   <li>Inference is the same up to rounding, with two constants that differ slightly: improved-gan
 *       normalises weights by √(Σv² + 10⁻⁶) ({@code nn.DenseLayer}: √(Σv²)), {@link WeightNorm} by
 *       √(Σv² + 10⁻¹²) — a relative difference of 5·10⁻⁷/Σv²; improved-gan's batch norm trains with
 *       ε = 10⁻⁶ ({@link LasagneBatchNorm}: {@code optEpsilon}). Training continues with the DJL
 *       block's rules (e.g. {@link LasagneBatchNorm} averages invStd, as Lasagne does, where
 *       improved-gan averages the variance).
 * </ul>
 *
 * <p><b>Errors.</b> Nothing is assigned unless everything fits. Before the first copy, the importer
 * checks that the block is initialized ({@link IllegalStateException} otherwise), that every array
 * is named {@code arr_<i>} with no index missing, that the number of arrays equals the number of
 * parameters, that every array has the Lasagne shape its parameter needs, and that every converted
 * value is finite; the {@link IllegalArgumentException} names the first mismatching position:
 * {@code arr_i}, the Lasagne parameter, the DJL parameter path (as in {@code
 * block.getParameters()}) and both shapes.
 *
 * <pre>
 *   // improved-gan's train_mnist_feature_matching.py discriminator, saved with
 *   // np.savez('disc.npz', *lasagne.layers.get_all_param_values(layers[-1]))
 *   Block disc = ImprovedGanMnist.discriminator();
 *   disc.initialize(manager, DataType.FLOAT32, new Shape(100, 784));
 *   LasagneParams.builder()
 *           .optWeightNorm(LasagneParams.WeightNormStyle.DENSE_LAYER)
 *           .build()
 *           .loadInto(disc, Paths.get("disc.npz"));
 * </pre>
 *
 * <p>Instances are immutable and can be shared between threads; {@link #load(Block, Path)} uses the
 * defaults.
 */
public final class LasagneParams {

    private static final String NAME = "LasagneParams";

    /** The Lasagne layers whose W improved-gan's {@code nn.l2normalize} normalises per channel. */
    private static final Set<String> L2NORMALIZE_LAYERS =
            Set.of("DenseLayer", "NINLayer", "Conv2DLayer");

    private final boolean flipFilters;
    private final boolean flipDeconvFilters;
    private final WeightNormStyle weightNormStyle;
    private final BatchNormStyle batchNormStyle;

    /** The mapping table: the first row whose block class matches a block maps it. */
    private final List<Row> table;

    LasagneParams(Builder builder) {
        flipFilters = builder.flipFilters;
        flipDeconvFilters = builder.flipDeconvFilters;
        weightNormStyle = builder.weightNormStyle;
        batchNormStyle = builder.batchNormStyle;
        table =
                List.of(
                        new Row(WeightNorm.class, this::weightNorm),
                        new Row(EqualizedLearningRate.class, LasagneParams::noLasagneLayer),
                        new Row(LasagneBatchNorm.class, this::batchNorm),
                        new Row(MinibatchDiscrimination.class, LasagneParams::minibatch));
    }

    /**
     * Creates a builder for an importer with non-default options.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads a Lasagne {@code .npz} into a block with the default options (no flip of convolution
     * kernels, flipped transposed-convolution kernels, {@code nn.weight_norm}, Lasagne's {@code
     * BatchNormLayer}).
     *
     * @param block the initialized block
     * @param npz the stream of the {@code .npz}; read to its end, not closed
     * @throws IOException if the stream cannot be read
     * @throws IllegalStateException if the block is not initialized
     * @throws IllegalArgumentException if the file does not fit the block (nothing is assigned)
     */
    public static void load(Block block, InputStream npz) throws IOException {
        builder().build().loadInto(block, npz);
    }

    /**
     * Loads a Lasagne {@code .npz} file into a block with the default options.
     *
     * @param block the initialized block
     * @param npz the path of the {@code .npz}
     * @throws IOException if the file cannot be read
     * @throws IllegalStateException if the block is not initialized
     * @throws IllegalArgumentException if the file does not fit the block (nothing is assigned)
     * @see #load(Block, InputStream)
     */
    public static void load(Block block, Path npz) throws IOException {
        builder().build().loadInto(block, npz);
    }

    /**
     * Loads a Lasagne {@code .npz} file into a block.
     *
     * @param block the initialized block
     * @param npz the path of the {@code .npz}
     * @throws IOException if the file cannot be read
     * @throws IllegalStateException if the block is not initialized
     * @throws IllegalArgumentException if the file does not fit the block (nothing is assigned)
     */
    public void loadInto(Block block, Path npz) throws IOException {
        try (InputStream is = Files.newInputStream(npz)) {
            loadInto(block, is);
        }
    }

    /**
     * Loads a Lasagne {@code .npz} into a block: checks everything, then copies every array, in
     * place, into its parameter.
     *
     * @param block the initialized block
     * @param npz the stream of the {@code .npz}; read to its end, not closed
     * @throws IOException if the stream cannot be read
     * @throws IllegalStateException if the block is not initialized
     * @throws IllegalArgumentException if the file does not fit the block (nothing is assigned)
     */
    public void loadInto(Block block, InputStream npz) throws IOException {
        List<Entry> entries = describe(block);
        try (NDManager scope =
                entries.isEmpty()
                        ? NDManager.newBaseManager()
                        : entries.get(0).parameter.getArray().getManager().newSubManager()) {
            List<NDArray> arrays = NpzReader.read(scope, npz);
            List<NDArray> values = convert(entries, arrays);
            for (int i = 0; i < values.size(); i++) {
                values.get(i).copyTo(entries.get(i).parameter.getArray());
            }
        }
    }

    /**
     * Returns the block's parameters in Lasagne's order: entry i receives {@code arr_i}.
     *
     * @param block the initialized block
     * @return the entries, an unmodifiable list
     * @throws IllegalStateException if the block is not initialized
     * @throws IllegalArgumentException if the block holds a block with parameters that has no
     *     Lasagne mapping, or a {@link WeightNorm} the chosen {@link WeightNormStyle} cannot hold
     */
    public List<Entry> describe(Block block) {
        List<Entry> entries = new ArrayList<>();
        collect(block, "", entries);
        for (Entry entry : entries) {
            if (!entry.parameter.isInitialized()) {
                throw new IllegalStateException(
                        NAME
                                + ": the block is not initialized (parameter "
                                + entry.path
                                + " has no value); call block.initialize(manager, dataType,"
                                + " inputShapes) or trainer.initialize(inputShapes) first");
            }
        }
        return Collections.unmodifiableList(entries);
    }

    /**
     * Returns whether convolution kernels are rotated by 180° on import.
     *
     * @return the flip option of {@code Conv1d/2d/3d}
     */
    public boolean isFlipFilters() {
        return flipFilters;
    }

    /**
     * Returns whether transposed-convolution kernels are rotated by 180° on import.
     *
     * @return the flip option of {@link Deconv2d}
     */
    public boolean isFlipDeconvFilters() {
        return flipDeconvFilters;
    }

    /**
     * Returns the Lasagne layer family {@link WeightNorm} blocks are read as.
     *
     * @return the weight-norm style
     */
    public WeightNormStyle getWeightNormStyle() {
        return weightNormStyle;
    }

    /**
     * Returns the Lasagne layer family {@link LasagneBatchNorm} blocks are read as.
     *
     * @return the batch-norm style
     */
    public BatchNormStyle getBatchNormStyle() {
        return batchNormStyle;
    }

    // ------------------------------------------------------------------ the walk and the table

    private void collect(Block block, String prefix, List<Entry> out) {
        Optional<WeightLayout> layout = WeightLayout.find(block);
        if (layout.isPresent()) {
            out.addAll(weighted(layout.get(), prefix));
            return;
        }
        for (Row row : table) {
            if (row.type.isInstance(block)) {
                out.addAll(row.mapping.entries(block, prefix));
                return;
            }
        }
        if (!block.getDirectParameters().isEmpty()) {
            List<String> supported = new ArrayList<>(WeightLayout.supportedBlockNames());
            supported.addAll(List.of("WeightNorm", "LasagneBatchNorm"));
            throw new IllegalArgumentException(
                    NAME
                            + ": no Lasagne mapping for "
                            + blockName(block, prefix)
                            + ", which has parameters "
                            + block.getDirectParameters().keys()
                            + "; supported blocks with parameters are "
                            + String.join(", ", supported)
                            + " and MinibatchDiscrimination");
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collect(child.getValue(), prefix + child.getKey() + "_", out);
        }
    }

    /** A block of a {@link WeightLayout}: its Lasagne layer's W, then b if the block has a bias. */
    private List<Entry> weighted(WeightLayout layout, String prefix) {
        Block block = layout.getBlock();
        String layer = layout.getLasagneLayer();
        Layout weight;
        switch (layout.getLasagneWeight()) {
            case TRANSPOSED:
                weight = Layout.TRANSPOSED;
                break;
            case KERNEL:
                weight = flipFilters ? Layout.FLIPPED : Layout.AS_IS;
                break;
            case TRANSPOSED_KERNEL:
                weight = flipDeconvFilters ? Layout.FLIPPED : Layout.AS_IS;
                break;
            default:
                throw new AssertionError(layout.getLasagneWeight());
        }
        List<Entry> entries = new ArrayList<>(2);
        entries.add(entry(block, prefix, "weight", layer + ".W", weight));
        if (layout.getBias() != null) {
            entries.add(entry(block, prefix, "bias", layer + ".b", Layout.AS_IS));
        }
        return entries;
    }

    /** A wrapper whose stored weight no Lasagne layer holds. */
    private static List<Entry> noLasagneLayer(Block block, String prefix) {
        throw new IllegalArgumentException(
                NAME
                        + ": no Lasagne mapping for "
                        + blockName(block, prefix)
                        + ": Lasagne has no equalized-learning-rate layer, and the stored weight is"
                        + " not a Lasagne W (the layer runs with W · gain · lrMul / sqrt(fanIn));"
                        + " import into a network of the plain blocks instead");
    }

    private List<Entry> weightNorm(Block block, String prefix) {
        WeightNorm wn = (WeightNorm) block;
        Block inner = wn.getBlock();
        String innerPrefix = prefix;
        for (Pair<String, Block> child : wn.getChildren()) {
            if (child.getValue() == inner) {
                innerPrefix = prefix + child.getKey() + "_";
            }
        }
        List<Entry> innerEntries = new ArrayList<>();
        collect(inner, innerPrefix, innerEntries);
        Entry v = innerEntries.get(0);
        String layer = v.lasagneName.substring(0, v.lasagneName.lastIndexOf('.'));
        // WeightNorm's own bias, else the wrapped block's; none for a Maxout without bias (the
        // Lasagne layer is then built with b=None)
        Entry bias =
                wn.getDirectParameters().get("bias") != null
                        ? entry(wn, prefix, "bias", "", Layout.AS_IS)
                        : innerEntries.size() > 1 ? innerEntries.get(1) : null;
        Entry g = entry(wn, prefix, "g", "", Layout.AS_IS);
        switch (weightNormStyle) {
            case WEIGHT_NORM:
                return present(
                        v, named(bias, "nn.WeightNormLayer.b"), g.named("nn.WeightNormLayer.g"));
            case L2NORMALIZE:
                checkStyle(
                        L2NORMALIZE_LAYERS.contains(layer),
                        wn,
                        prefix,
                        "improved-gan's nn.l2normalize normalises per output channel only a"
                                + " DenseLayer, NINLayer or Conv2D*Layer");
                return present(v, named(bias, layer + ".b"), g.named(layer + ".W_scale"));
            case DENSE_LAYER:
                checkStyle(
                        layer.equals("DenseLayer"),
                        wn,
                        prefix,
                        "improved-gan's nn.DenseLayer is a dense layer (a WeightNorm of a"
                                + " block that Lasagne holds as a DenseLayer, e.g. a Linear)");
                return present(
                        v.named("nn.DenseLayer.theta"),
                        g.named("nn.DenseLayer.weight_scale"),
                        named(bias, "nn.DenseLayer.b"));
            default:
                throw new AssertionError(weightNormStyle);
        }
    }

    private static Entry named(Entry entry, String name) {
        return entry == null ? null : entry.named(name);
    }

    /** The entries that are not null, in order. */
    private static List<Entry> present(Entry... entries) {
        List<Entry> list = new ArrayList<>(entries.length);
        for (Entry entry : entries) {
            if (entry != null) {
                list.add(entry);
            }
        }
        return list;
    }

    private List<Entry> batchNorm(Block block, String prefix) {
        boolean lasagne = batchNormStyle == BatchNormStyle.LASAGNE;
        String layer = lasagne ? "BatchNormLayer." : "nn.BatchNormLayer.";
        List<Entry> entries = new ArrayList<>(4);
        if (block.getDirectParameters().get("beta") != null) {
            entries.add(
                    entry(block, prefix, "beta", layer + (lasagne ? "beta" : "b"), Layout.AS_IS));
        }
        if (block.getDirectParameters().get("gamma") != null) {
            entries.add(
                    entry(block, prefix, "gamma", layer + (lasagne ? "gamma" : "g"), Layout.AS_IS));
        }
        entries.add(
                entry(
                        block,
                        prefix,
                        "mean",
                        layer + (lasagne ? "mean" : "avg_batch_mean"),
                        Layout.AS_IS));
        entries.add(
                lasagne
                        ? entry(block, prefix, "invStd", layer + "inv_std", Layout.AS_IS)
                        : entry(
                                block,
                                prefix,
                                "invStd",
                                layer + "avg_batch_var",
                                Layout.INV_STD_FROM_VARIANCE));
        return entries;
    }

    private static List<Entry> minibatch(Block block, String prefix) {
        return List.of(
                entry(block, prefix, "theta", "nn.MinibatchLayer.theta", Layout.AS_IS),
                entry(
                        block,
                        prefix,
                        "logWeightScale",
                        "nn.MinibatchLayer.log_weight_scale",
                        Layout.AS_IS),
                entry(block, prefix, "bias", "nn.MinibatchLayer.b", Layout.AS_IS));
    }

    private void checkStyle(boolean ok, WeightNorm wn, String prefix, String reason) {
        if (!ok) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%s: %s wraps %s, which WeightNormStyle.%s cannot import: %s",
                            NAME,
                            blockName(wn, prefix),
                            wn.getBlock().getClass().getSimpleName(),
                            weightNormStyle,
                            reason));
        }
    }

    private static Entry entry(
            Block block, String prefix, String name, String lasagneName, Layout layout) {
        Parameter parameter = block.getDirectParameters().get(name);
        return new Entry(lasagneName, prefix + name, parameter, layout);
    }

    private static String blockName(Block block, String prefix) {
        String path =
                prefix.isEmpty() ? "the root block" : prefix.substring(0, prefix.length() - 1);
        return path + " (" + block.getClass().getSimpleName() + ")";
    }

    // ------------------------------------------------------------------ reading and checking

    /**
     * Checks counts and shapes, then converts every array to its parameter's layout and type;
     * throws on the first mismatch before anything is assigned.
     */
    private static List<NDArray> convert(List<Entry> entries, List<NDArray> arrays) {
        int count = Math.max(entries.size(), arrays.size());
        for (int i = 0; i < count; i++) {
            Entry entry = i < entries.size() ? entries.get(i) : null;
            NDArray array = i < arrays.size() ? arrays.get(i) : null;
            if (entry == null || array == null || !entry.fits(array.getShape())) {
                throw mismatch(i, entry, array, entries.size(), arrays.size());
            }
        }
        List<NDArray> values = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            NDArray target = entry.parameter.getArray();
            NDArray value = entry.layout.toDjl(arrays.get(i).toType(target.getDataType(), false));
            if (!Tensors.allFinite(value)) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s: arr_%d (%s -> DJL parameter %s) holds NaN or infinity%s;"
                                        + " nothing was assigned",
                                NAME,
                                i,
                                entry.lasagneName,
                                entry.path,
                                entry.layout == Layout.AS_IS ? "" : " after " + entry.layout.text));
            }
            values.add(value);
        }
        return values;
    }

    private static IllegalArgumentException mismatch(
            int i, Entry entry, NDArray array, int parameters, int files) {
        StringBuilder message = new StringBuilder(NAME).append(": ");
        if (parameters != files) {
            message.append(
                    String.format(
                            Locale.ROOT,
                            "the file has %d arrays, the block has %d parameters in Lasagne's"
                                    + " order; ",
                            files,
                            parameters));
        }
        message.append("first mismatch at arr_").append(i).append(": ");
        if (array == null) {
            message.append("the file has no arr_").append(i).append(", ");
        } else {
            message.append("the file's array has shape ").append(array.getShape()).append(", ");
        }
        if (entry == null) {
            message.append(
                    parameters == 0
                            ? "the block has no parameters"
                            : "the block has no parameter for it (its list ends at arr_"
                                    + (parameters - 1)
                                    + ")");
        } else {
            message.append(
                    String.format(
                            Locale.ROOT,
                            "the block expects Lasagne's %s of shape %s for DJL parameter %s of"
                                    + " shape %s%s",
                            entry.lasagneName,
                            entry.getLasagneShape(),
                            entry.path,
                            entry.getParameterShape(),
                            entry.layout == Layout.AS_IS ? "" : " (" + entry.layout.text + ")"));
        }
        return new IllegalArgumentException(message.append("; nothing was assigned").toString());
    }

    // ------------------------------------------------------------------ types

    /** How a Lasagne layer family lays out what {@link WeightNorm} holds as v, g and bias. */
    public enum WeightNormStyle {

        /**
         * improved-gan's {@code nn.weight_norm(layer)} (the default): the layer's W, then the
         * {@code nn.WeightNormLayer}'s b and g. Works for every block {@link WeightNorm} wraps.
         */
        WEIGHT_NORM,

        /**
         * improved-gan's {@code nn.l2normalize(layer)} (its older MNIST generator): the layer's W
         * and b, then the W_scale it adds to the layer. For a wrapped {@code Linear}, {@code
         * NetworkInNetwork} or {@code Conv2d}.
         */
        L2NORMALIZE,

        /**
         * improved-gan's own {@code nn.DenseLayer} (its MNIST discriminator): theta (in, out),
         * weight_scale, b. For a wrapped {@code Linear}.
         */
        DENSE_LAYER
    }

    /** The Lasagne layer family a {@link LasagneBatchNorm} is read as. */
    public enum BatchNormStyle {

        /** Lasagne's {@code BatchNormLayer} (the default): beta, gamma, mean, inv_std. */
        LASAGNE,

        /**
         * improved-gan's {@code nn.BatchNormLayer}: b, g, avg_batch_mean, avg_batch_var; the
         * variance is imported as invStd = 1/√(avg_batch_var + 10⁻⁶), improved-gan's inference
         * formula.
         */
        IMPROVED_GAN
    }

    /** One Lasagne parameter, in the file's order, and the DJL parameter it is copied to. */
    public static final class Entry {

        private final String lasagneName;
        private final String path;
        private final Parameter parameter;
        private final Layout layout;

        Entry(String lasagneName, String path, Parameter parameter, Layout layout) {
            this.lasagneName = lasagneName;
            this.path = path;
            this.parameter = parameter;
            this.layout = layout;
        }

        /**
         * Returns the Lasagne name: the layer class and the parameter, e.g. {@code DenseLayer.W} or
         * {@code nn.WeightNormLayer.g}.
         *
         * @return the Lasagne name
         */
        public String getLasagneName() {
            return lasagneName;
        }

        /**
         * Returns the DJL parameter's path, as in {@code block.getParameters()}, e.g. {@code
         * 02WeightNorm_01Linear_weight}.
         *
         * @return the parameter path
         */
        public String getParameterPath() {
            return path;
        }

        /**
         * Returns the DJL parameter.
         *
         * @return the parameter
         */
        public Parameter getParameter() {
            return parameter;
        }

        /**
         * Returns the shape of the DJL parameter.
         *
         * @return the parameter's shape
         */
        public Shape getParameterShape() {
            return parameter.getArray().getShape();
        }

        /**
         * Returns the shape the Lasagne array must have.
         *
         * @return the Lasagne shape
         */
        public Shape getLasagneShape() {
            return layout.toLasagne(getParameterShape());
        }

        /**
         * Returns how the Lasagne array is converted, e.g. {@code "transposed"}.
         *
         * @return the conversion, {@code "as is"} if none
         */
        public String getConversion() {
            return layout.text;
        }

        boolean fits(Shape lasagneShape) {
            return getLasagneShape().equals(lasagneShape);
        }

        Entry named(String name) {
            return new Entry(name, path, parameter, layout);
        }

        /** {@inheritDoc} */
        @Override
        public String toString() {
            return lasagneName
                    + " "
                    + getLasagneShape()
                    + " -> "
                    + path
                    + " "
                    + getParameterShape()
                    + (layout == Layout.AS_IS ? "" : ", " + layout.text);
        }
    }

    /** The conversion of a Lasagne array to its DJL parameter. */
    enum Layout {
        AS_IS("as is"),
        TRANSPOSED("transposed"),
        FLIPPED("rotated 180° over the kernel axes"),
        INV_STD_FROM_VARIANCE("invStd = 1/sqrt(variance + 1e-6)");

        final String text;

        Layout(String text) {
            this.text = text;
        }

        Shape toLasagne(Shape djl) {
            if (this == TRANSPOSED) {
                return new Shape(djl.get(1), djl.get(0));
            }
            return djl;
        }

        NDArray toDjl(NDArray lasagne) {
            switch (this) {
                case TRANSPOSED:
                    return lasagne.transpose();
                case FLIPPED:
                    return lasagne.flip(
                            IntStream.range(2, lasagne.getShape().dimension()).toArray());
                case INV_STD_FROM_VARIANCE:
                    return lasagne.add(1e-6f).sqrt().pow(-1);
                default:
                    return lasagne;
            }
        }
    }

    /** The Lasagne-ordered entries of one block. */
    @FunctionalInterface
    private interface LayerMapping {
        List<Entry> entries(Block block, String prefix);
    }

    /** A row of the mapping table. */
    private record Row(Class<? extends Block> type, LayerMapping mapping) {}

    /** The builder of a {@link LasagneParams}. */
    public static final class Builder {

        private boolean flipFilters;
        private boolean flipDeconvFilters = true;
        private WeightNormStyle weightNormStyle = WeightNormStyle.WEIGHT_NORM;
        private BatchNormStyle batchNormStyle = BatchNormStyle.LASAGNE;

        Builder() {}

        /**
         * Sets whether {@code Conv1d/2d/3d} kernels are rotated by 180° on import: the {@code
         * flip_filters} of the Lasagne layers (default false: {@code dnn.Conv2DDNNLayer}, as in
         * improved-gan; true for {@code Conv1DLayer/Conv2DLayer/Conv3DLayer} with their default).
         *
         * @param flipFilters whether to flip convolution kernels
         * @return this builder
         */
        public Builder optFlipFilters(boolean flipFilters) {
            this.flipFilters = flipFilters;
            return this;
        }

        /**
         * Sets whether {@link Deconv2d} kernels are rotated by 180° on import (default true: for
         * Lasagne's {@code TransposedConv2DLayer} with its default {@code flip_filters=False} and
         * improved-gan's {@code Deconv2DLayer}; false for a {@code TransposedConv2DLayer} with
         * {@code flip_filters=True}).
         *
         * @param flipDeconvFilters whether to flip transposed-convolution kernels
         * @return this builder
         */
        public Builder optFlipDeconvFilters(boolean flipDeconvFilters) {
            this.flipDeconvFilters = flipDeconvFilters;
            return this;
        }

        /**
         * Sets the Lasagne layer family {@link WeightNorm} blocks are read as (default {@link
         * WeightNormStyle#WEIGHT_NORM}).
         *
         * @param style the weight-norm style
         * @return this builder
         */
        public Builder optWeightNorm(WeightNormStyle style) {
            this.weightNormStyle = style;
            return this;
        }

        /**
         * Sets the Lasagne layer family {@link LasagneBatchNorm} blocks are read as (default {@link
         * BatchNormStyle#LASAGNE}).
         *
         * @param style the batch-norm style
         * @return this builder
         */
        public Builder optBatchNorm(BatchNormStyle style) {
            this.batchNormStyle = style;
            return this;
        }

        /**
         * Builds the importer.
         *
         * @return a new importer
         * @throws IllegalArgumentException if a style is null
         */
        public LasagneParams build() {
            if (weightNormStyle == null || batchNormStyle == null) {
                throw new IllegalArgumentException(
                        NAME + ": optWeightNorm and optBatchNorm need a style, got null");
            }
            return new LasagneParams(this);
        }
    }
}
