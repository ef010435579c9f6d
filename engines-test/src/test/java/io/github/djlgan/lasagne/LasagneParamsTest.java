package io.github.djlgan.lasagne;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.djlgan.lasagne.LasagneParams.BatchNormStyle;
import io.github.djlgan.lasagne.LasagneParams.WeightNormStyle;
import io.github.djlgan.nn.convolutional.Deconv2d;
import io.github.djlgan.nn.core.Maxout;
import io.github.djlgan.nn.core.NetworkInNetwork;
import io.github.djlgan.nn.gan.MinibatchDiscrimination;
import io.github.djlgan.nn.norm.EqualizedLearningRate;
import io.github.djlgan.nn.norm.GaussianNoise;
import io.github.djlgan.nn.norm.LasagneBatchNorm;
import io.github.djlgan.nn.norm.SpectralNorm;
import io.github.djlgan.nn.norm.WeightNorm;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Fixtures;
import io.github.djlgan.testing.NDAssert;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * Every mapping of {@link LasagneParams} against single-layer fixtures written by {@code
 * fixtures/lasagne/layers.py}: each {@code NAME.npz} holds a layer's parameters as Lasagne saves
 * them, {@code layers_io.npz} the input and the output NumPy computes from the layer formulas. Then
 * every way a file can fail to fit, each leaving every parameter unchanged.
 *
 * <p>The fixtures are not produced by Lasagne (Theano cannot be installed here): they are written
 * with NumPy from the authors' reading of Lasagne's layers ({@code fixtures/lasagne/README.md}).
 * {@link SeedDocumentsTest} and {@link LasagneConvScipyTest} check the importer against sources
 * that do not share that reading.
 */
public class LasagneParamsTest extends EngineTest {

    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-5;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public LasagneParamsTest(String engine) {
        super(engine);
    }

    // ------------------------------------------------------------------ helpers

    private static InputStream resource(String name) {
        InputStream is = LasagneParamsTest.class.getResourceAsStream("/fixtures/lasagne/" + name);
        if (is == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        return is;
    }

    /**
     * Initializes the block for the case's input, loads {@code NAME.npz} with the importer, and
     * compares the inference output with NumPy's.
     */
    private void checkCase(String name, Block block, LasagneParams importer) throws IOException {
        Fixtures io = Fixtures.load(manager, "lasagne/layers_io");
        NDArray x = io.get(name + "_x");
        init(block, DataType.FLOAT32, x.getShape());
        try (InputStream is = resource(name + ".npz")) {
            importer.loadInto(block, is);
        }
        NDAssert.assertClose(forward(block, false, x), io.get(name + "_y"), RTOL, ATOL);
    }

    private void checkCase(String name, Block block) throws IOException {
        checkCase(name, block, LasagneParams.builder().build());
    }

    /** An {@code .npz} as {@code np.savez} writes it: arrays without a name become arr_i. */
    private static byte[] npz(NDArray... arrays) {
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        try {
            new NDList(arrays).encode(os, NDList.Encoding.NPZ);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return os.toByteArray();
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    /** A copy of every parameter value, to prove a failed load assigned nothing. */
    private static List<Pair<Parameter, NDArray>> snapshot(Block block) {
        List<Pair<Parameter, NDArray>> values = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.add(new Pair<>(p.getValue(), p.getValue().getArray().duplicate()));
        }
        return values;
    }

    private static void assertUnchanged(List<Pair<Parameter, NDArray>> before) {
        for (Pair<Parameter, NDArray> p : before) {
            NDAssert.assertEqual(p.getKey().getArray(), p.getValue());
        }
    }

    private static Linear linear(int units, boolean bias) {
        return Linear.builder().setUnits(units).optBias(bias).build();
    }

    private static Deconv2d improvedGanDeconv(int filters, boolean bias) {
        // nn.Deconv2DLayer((N, F, 2H, 2W), (5, 5), stride (2, 2)): 'half' padding, doubled size
        return Deconv2d.builder()
                .setKernelShape(new Shape(5, 5))
                .setFilters(filters)
                .optStride(new Shape(2, 2))
                .optPadding(new Shape(2, 2))
                .optOutPadding(new Shape(1, 1))
                .optBias(bias)
                .build();
    }

    private static Conv2d conv3x3(boolean bias) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .setFilters(4)
                .optPadding(new Shape(1, 1))
                .optBias(bias)
                .build();
    }

    private SequentialBlock twoDense() {
        return init(
                new SequentialBlock().add(linear(4, true)).add(linear(3, true)),
                DataType.FLOAT32,
                new Shape(2, 6));
    }

    // ------------------------------------------------------------------ each mapping

    @Test
    public void denseFromFloat64() throws IOException {
        checkCase("dense", linear(4, true)); // the fixture stores float64
    }

    @Test
    public void denseWithoutBias() throws IOException {
        checkCase("dense_nobias", linear(2, false));
    }

    @Test
    public void ninTiedBias() throws IOException {
        checkCase("nin", NetworkInNetwork.builder().setUnits(4).build());
    }

    @Test
    public void ninUntiedBias() throws IOException {
        checkCase(
                "nin_untied", NetworkInNetwork.builder().setUnits(4).optUntieBiases(true).build());
    }

    @Test
    public void conv2dLayerFlipsFilters() throws IOException {
        Conv2d conv =
                Conv2d.builder()
                        .setKernelShape(new Shape(3, 2))
                        .setFilters(4)
                        .optPadding(new Shape(1, 1))
                        .build();
        checkCase("conv_flip", conv, LasagneParams.builder().optFlipFilters(true).build());
    }

    @Test
    public void conv2dDnnLayerKeepsFiltersByDefault() throws IOException {
        Conv2d conv =
                Conv2d.builder()
                        .setKernelShape(new Shape(3, 2))
                        .setFilters(4)
                        .optStride(new Shape(2, 2))
                        .optPadding(new Shape(1, 0))
                        .build();
        checkCase("conv_dnn", conv);
    }

    @Test
    public void conv1dLayerFlipsFilters() throws IOException {
        Conv1d conv =
                Conv1d.builder()
                        .setKernelShape(new Shape(3))
                        .setFilters(3)
                        .optPadding(new Shape(1))
                        .build();
        checkCase("conv1d_flip", conv, LasagneParams.builder().optFlipFilters(true).build());
    }

    @Test
    public void deconvFlipsFiltersByDefault() throws IOException {
        checkCase("deconv", improvedGanDeconv(2, true));
    }

    @Test
    public void weightNormOverDense() throws IOException {
        checkCase("wn_dense", WeightNorm.wrap(linear(4, true)));
    }

    @Test
    public void weightNormWithItsOwnBias() throws IOException {
        checkCase("wn_dense", WeightNorm.wrap(linear(4, false)));
    }

    @Test
    public void weightNormOverNin() throws IOException {
        checkCase("wn_nin", WeightNorm.wrap(NetworkInNetwork.builder().setUnits(4).build()));
    }

    @Test
    public void weightNormOverConv() throws IOException {
        checkCase("wn_conv", WeightNorm.wrap(conv3x3(true)));
    }

    @Test
    public void weightNormOverDeconv() throws IOException {
        checkCase("wn_deconv", WeightNorm.wrap(improvedGanDeconv(2, true)));
    }

    @Test
    public void batchNormWithBetaAndGamma() throws IOException {
        checkCase(
                "bn_conv",
                new SequentialBlock().add(conv3x3(false)).add(LasagneBatchNorm.builder().build()));
    }

    @Test
    public void batchNormWithBetaOnly() throws IOException {
        checkCase(
                "bn_dense_beta",
                new SequentialBlock()
                        .add(linear(4, false))
                        .add(LasagneBatchNorm.builder().optScale(false).build()));
    }

    @Test
    public void batchNormWithoutBetaAndGamma() throws IOException {
        checkCase(
                "bn_dense_none",
                new SequentialBlock()
                        .add(linear(4, false))
                        .add(LasagneBatchNorm.builder().optCenter(false).optScale(false).build()));
    }

    @Test
    public void improvedGanBatchNormConvertsTheVariance() throws IOException {
        LasagneParams importer =
                LasagneParams.builder().optBatchNorm(BatchNormStyle.IMPROVED_GAN).build();
        checkCase(
                "bn_improved_dense",
                new SequentialBlock()
                        .add(linear(4, false))
                        .add(LasagneBatchNorm.builder().optScale(false).build()),
                importer);
        checkCase(
                "bn_improved_deconv",
                new SequentialBlock()
                        .add(improvedGanDeconv(2, false))
                        .add(LasagneBatchNorm.builder().build()),
                importer);
    }

    @Test
    public void improvedGanDenseLayer() throws IOException {
        checkCase(
                "nn_dense",
                WeightNorm.wrap(linear(4, true)),
                LasagneParams.builder().optWeightNorm(WeightNormStyle.DENSE_LAYER).build());
    }

    @Test
    public void improvedGanL2Normalize() throws IOException {
        checkCase(
                "l2normalize",
                WeightNorm.wrap(linear(4, true)),
                LasagneParams.builder().optWeightNorm(WeightNormStyle.L2NORMALIZE).build());
    }

    @Test
    public void minibatchLayer() throws IOException {
        checkCase(
                "minibatch",
                MinibatchDiscrimination.builder().setNumKernels(3).optKernelDim(2).build());
    }

    // ------------------------------------------------------------------ order and description

    @Test
    public void describeListsLasagneOrder() {
        // WeightNorm lists its own g before its child's weight in DJL; Lasagne has W, b, g.
        SequentialBlock net =
                new SequentialBlock()
                        .add(GaussianNoise.builder().optSigma(0.3f).build())
                        .add(linear(5, false))
                        .add(LasagneBatchNorm.builder().optScale(false).build())
                        .add(WeightNorm.wrap(linear(3, true)));
        init(net, DataType.FLOAT32, new Shape(2, 4));
        List<String> described =
                LasagneParams.builder().build().describe(net).stream()
                        .map(LasagneParams.Entry::toString)
                        .collect(Collectors.toList());
        assertEquals(
                described,
                List.of(
                        "DenseLayer.W (4, 5) -> 02Linear_weight (5, 4), transposed",
                        "BatchNormLayer.beta (5) -> 03LasagneBatchNorm_beta (5)",
                        "BatchNormLayer.mean (5) -> 03LasagneBatchNorm_mean (5)",
                        "BatchNormLayer.inv_std (5) -> 03LasagneBatchNorm_invStd (5)",
                        "DenseLayer.W (5, 3) -> 04WeightNorm_01Linear_weight (3, 5), transposed",
                        "nn.WeightNormLayer.b (3) -> 04WeightNorm_01Linear_bias (3)",
                        "nn.WeightNormLayer.g (3) -> 04WeightNorm_g (3)"));
    }

    @Test
    public void arraysAreOrderedByTheirIndexNotTheFileOrder() throws IOException {
        Linear dense = init(linear(2, true), DataType.FLOAT32, new Shape(1, 3));
        NDArray w = manager.arange(6f).reshape(3, 2); // Lasagne (in, out)
        NDArray b = manager.create(new float[] {10, 20});
        byte[] file = npz(named(b, "arr_1"), named(w, "arr_0")); // arr_1 first in the zip
        LasagneParams.load(dense, new ByteArrayInputStream(file));
        NDAssert.assertEqual(dense.getParameters().get("weight").getArray(), w.transpose());
        NDAssert.assertEqual(dense.getParameters().get("bias").getArray(), b);
    }

    @Test
    public void loadsFloat32FilesIntoFloat64Parameters() throws IOException {
        Linear dense = init(linear(2, true), DataType.FLOAT64, new Shape(1, 3));
        NDArray w = manager.arange(6f).reshape(3, 2);
        NDArray b = manager.create(new float[] {10, 20});
        LasagneParams.load(dense, new ByteArrayInputStream(npz(w, b)));
        NDArray weight = dense.getParameters().get("weight").getArray();
        assertEquals(weight.getDataType(), DataType.FLOAT64);
        NDAssert.assertClose(weight, w.transpose(), 0, 0);
    }

    @Test
    public void copiesInPlaceSoAnExistingParameterStoreSeesTheValues() throws IOException {
        SequentialBlock net = twoDense();
        NDArray before = net.getParameters().get("01Linear_weight").getArray();
        ParameterStore store = new ParameterStore(manager, false);
        NDArray x = randn(1, 2, 6);
        net.forward(store, new NDList(x), false); // the store now holds the parameter arrays
        NDArray w1 = randn(2, 6, 4);
        NDArray b1 = randn(3, 4);
        NDArray w2 = randn(4, 4, 3);
        NDArray b2 = randn(5, 3);
        LasagneParams.load(net, new ByteArrayInputStream(npz(w1, b1, w2, b2)));

        assertSame(net.getParameters().get("01Linear_weight").getArray(), before);
        NDArray y = net.forward(store, new NDList(x), false).head();
        NDAssert.assertClose(y, x.matMul(w1).add(b1).matMul(w2).add(b2), 1e-5, 1e-5);
    }

    // ------------------------------------------------------------------ errors: nothing assigned

    @Test
    public void tooFewArrays() {
        SequentialBlock net = twoDense();
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        byte[] file = npz(randn(1, 6, 4), randn(2, 4), randn(3, 4, 3));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(
                e,
                "LasagneParams",
                "the file has 3 arrays, the block has 4 parameters",
                "first mismatch at arr_3",
                "the file has no arr_3",
                "DenseLayer.b of shape (3)",
                "02Linear_bias",
                "nothing was assigned");
        assertUnchanged(before);
    }

    @Test
    public void tooManyArrays() {
        SequentialBlock net = twoDense();
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        byte[] file = npz(randn(1, 6, 4), randn(2, 4), randn(3, 4, 3), randn(4, 3), randn(5, 7));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(
                e,
                "the file has 5 arrays, the block has 4 parameters",
                "first mismatch at arr_4",
                "the file's array has shape (7)",
                "the block has no parameter for it (its list ends at arr_3)");
        assertUnchanged(before);
    }

    @Test
    public void shapeMismatchNamesPositionNamesAndShapes() {
        SequentialBlock net = twoDense();
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        // arr_2 in DJL's layout (out, in) instead of Lasagne's (in, out)
        byte[] file = npz(randn(1, 6, 4), randn(2, 4), randn(3, 3, 4), randn(4, 3));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(
                e,
                "first mismatch at arr_2",
                "the file's array has shape (3, 4)",
                "Lasagne's DenseLayer.W of shape (4, 3)",
                "DJL parameter 02Linear_weight of shape (3, 4) (transposed)",
                "nothing was assigned");
        assertEquals(e.getMessage().contains("the file has"), false, e.getMessage());
        assertUnchanged(before); // arr_0 and arr_1 fitted, but were not assigned either
    }

    @Test
    public void countMismatchReportsTheFirstShapeMismatch() {
        SequentialBlock net = twoDense();
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        // the first layer's b is missing: arr_1 is the second layer's W
        byte[] file = npz(randn(1, 6, 4), randn(3, 4, 3), randn(4, 3));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(
                e,
                "the file has 3 arrays, the block has 4 parameters",
                "first mismatch at arr_1",
                "the file's array has shape (4, 3)",
                "DenseLayer.b of shape (4)",
                "01Linear_bias");
        assertUnchanged(before);
    }

    @Test
    public void countMismatchFromABiasThatBatchNormRemoved() {
        // batch_norm(DenseLayer) deletes the dense b; a DJL Linear that kept it needs one more
        SequentialBlock net =
                new SequentialBlock()
                        .add(linear(4, true))
                        .add(LasagneBatchNorm.builder().optScale(false).build());
        init(net, DataType.FLOAT32, new Shape(2, 6));
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        byte[] file = npz(randn(1, 6, 4), randn(2, 4), randn(3, 4), randn(4, 4));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(
                e,
                "the file has 4 arrays, the block has 5 parameters",
                "first mismatch at arr_4",
                "BatchNormLayer.inv_std");
        assertUnchanged(before);
    }

    @Test
    public void blocksWithoutParametersTakeAnEmptyFileOnly() throws IOException {
        Block noise = init(GaussianNoise.builder().build(), DataType.FLOAT32, new Shape(2, 3));
        LasagneParams.load(noise, new ByteArrayInputStream(npz()));
        byte[] file = npz(randn(1, 3));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(noise, new ByteArrayInputStream(file)));
        assertMessage(
                e,
                "the file has 1 arrays, the block has 0 parameters",
                "first mismatch at arr_0",
                "the block has no parameters");
    }

    @Test
    public void rejectsNamedArrays() {
        Linear dense = init(linear(4, true), DataType.FLOAT32, new Shape(2, 6));
        List<Pair<Parameter, NDArray>> before = snapshot(dense);
        byte[] file = npz(named(randn(1, 6, 4), "W"), named(randn(2, 4), "b"));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(dense, new ByteArrayInputStream(file)));
        assertMessage(e, "LasagneParams", "\"W.npy\"", "arr_0, arr_1", "np.savez(f, **named)");
        assertUnchanged(before);
    }

    @Test
    public void rejectsAGapInTheIndices() {
        Linear dense = init(linear(4, true), DataType.FLOAT32, new Shape(2, 6));
        List<Pair<Parameter, NDArray>> before = snapshot(dense);
        byte[] file = npz(named(randn(1, 6, 4), "arr_0"), named(randn(2, 4), "arr_2"));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(dense, new ByteArrayInputStream(file)));
        assertMessage(e, "holds 2 arrays but no arr_1", "arr_0 to arr_1");
        assertUnchanged(before);
    }

    @Test
    public void rejectsNonFiniteValues() {
        SequentialBlock net = twoDense();
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        NDArray b2 = manager.create(new float[] {0, Float.NaN, 0});
        byte[] file = npz(randn(1, 6, 4), randn(2, 4), randn(3, 4, 3), b2);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(e, "arr_3", "DenseLayer.b", "02Linear_bias", "NaN or infinity");
        assertUnchanged(before);
    }

    @Test
    public void rejectsANegativeImprovedGanVariance() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(linear(2, false))
                        .add(LasagneBatchNorm.builder().optCenter(false).optScale(false).build());
        init(net, DataType.FLOAT32, new Shape(2, 3));
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        NDArray variance = manager.create(new float[] {1, -1});
        byte[] file = npz(randn(1, 3, 2), randn(2, 2), variance);
        LasagneParams importer =
                LasagneParams.builder().optBatchNorm(BatchNormStyle.IMPROVED_GAN).build();
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> importer.loadInto(net, new ByteArrayInputStream(file)));
        assertMessage(e, "arr_2", "nn.BatchNormLayer.avg_batch_var", "02LasagneBatchNorm_invStd");
        assertUnchanged(before);
    }

    @Test
    public void rejectsAFileThatIsNotNpz() {
        Linear dense = init(linear(4, true), DataType.FLOAT32, new Shape(2, 6));
        byte[] file = "W,b\n1,2\n".getBytes(StandardCharsets.US_ASCII);
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(dense, new ByteArrayInputStream(file)));
        assertMessage(e, "not an .npz file");
    }

    @Test
    public void rejectsAnUninitializedBlock() {
        Block net = new SequentialBlock().add(linear(4, true));
        byte[] file = npz(randn(1, 6, 4), randn(2, 4));
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(e, "LasagneParams", "not initialized", "01Linear_weight", "initialize");
    }

    @Test
    public void rejectsABlockWithParametersItCannotMap() {
        SequentialBlock net =
                new SequentialBlock().add(linear(4, true)).add(BatchNorm.builder().build());
        init(net, DataType.FLOAT32, new Shape(2, 6));
        List<Pair<Parameter, NDArray>> before = snapshot(net);
        byte[] file = npz(randn(1, 6, 4), randn(2, 4));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.load(net, new ByteArrayInputStream(file)));
        assertMessage(
                e, "no Lasagne mapping for 02BatchNorm (BatchNorm)", "gamma", "LasagneBatchNorm");
        assertUnchanged(before);
    }

    /**
     * Maxout is Lasagne's DenseLayer(num_units=units·pieces) followed by
     * FeaturePoolLayer(pool_size=pieces), which takes the max over consecutive features: y[n, i] =
     * max_r (x·W + b)[n, i·pieces + r] with Lasagne's W (C, units·pieces), here in plain Java.
     */
    @Test
    public void maxoutIsADenseLayerThenAFeaturePool() throws IOException {
        int units = 2;
        int pieces = 3;
        Maxout maxout =
                init(
                        Maxout.builder().setUnits(units).setPieces(pieces).build(),
                        DataType.FLOAT32,
                        new Shape(4, 5));
        NDArray w = randn(1, 5, units * pieces);
        NDArray b = randn(2, units * pieces);
        LasagneParams importer = LasagneParams.builder().build();
        assertEquals(
                importer.describe(maxout).stream()
                        .map(LasagneParams.Entry::getLasagneName)
                        .collect(Collectors.toList()),
                List.of("DenseLayer.W", "DenseLayer.b"));
        importer.loadInto(maxout, new ByteArrayInputStream(npz(w, b)));
        NDArray x = randn(3, 4, 5);
        double[] xs = NDAssert.toDoubles(x);
        double[] ws = NDAssert.toDoubles(w);
        double[] bs = NDAssert.toDoubles(b);
        double[] expected = new double[4 * units];
        for (int n = 0; n < 4; n++) {
            for (int i = 0; i < units; i++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int r = 0; r < pieces; r++) {
                    int j = i * pieces + r;
                    double z = bs[j];
                    for (int c = 0; c < 5; c++) {
                        z += xs[n * 5 + c] * ws[c * units * pieces + j];
                    }
                    best = Math.max(best, z);
                }
                expected[n * units + i] = best;
            }
        }
        NDAssert.assertClose(forward(maxout, false, x), expected, new Shape(4, units), RTOL, ATOL);

        // nn.weight_norm(DenseLayer(..., b=None)) then the feature pool: W, then the
        // WeightNormLayer's g only
        Block wn =
                init(
                        WeightNorm.wrap(
                                Maxout.builder()
                                        .setUnits(units)
                                        .setPieces(pieces)
                                        .optBias(false)
                                        .build()),
                        DataType.FLOAT32,
                        new Shape(4, 5));
        assertEquals(
                importer.describe(wn).stream()
                        .map(LasagneParams.Entry::getLasagneName)
                        .collect(Collectors.toList()),
                List.of("DenseLayer.W", "nn.WeightNormLayer.g"));
        NDArray g = randn(4, units * pieces);
        importer.loadInto(wn, new ByteArrayInputStream(npz(w, g)));
        NDAssert.assertClose(
                wn.getParameters().get("01Maxout_weight").getArray(), w.transpose(), 0, 0);
        NDAssert.assertClose(wn.getParameters().get("g").getArray(), g, 0, 0);
    }

    @Test
    public void rejectsTheWrappersLasagneHasNoLayerFor() {
        Block sn = init(SpectralNorm.wrap(linear(4, true)), DataType.FLOAT32, new Shape(2, 6));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.builder().build().describe(sn));
        assertMessage(
                e,
                "no Lasagne mapping for the root block (SpectralNorm)",
                "[u, v]",
                "Linear, Conv1d, Conv2d, Conv3d, NetworkInNetwork, Deconv2d, Maxout, WeightNorm");
        Block eq =
                init(
                        new SequentialBlock().add(EqualizedLearningRate.wrap(linear(4, true))),
                        DataType.FLOAT32,
                        new Shape(2, 6));
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.builder().build().describe(eq));
        assertMessage(
                e,
                "no Lasagne mapping for 01EqualizedLearningRate (EqualizedLearningRate)",
                "gain");
    }

    @Test
    public void rejectsAWeightNormStyleThatCannotHoldTheWrappedBlock() {
        Block wn = init(WeightNorm.wrap(conv3x3(true)), DataType.FLOAT32, new Shape(1, 2, 4, 4));
        LasagneParams dense =
                LasagneParams.builder().optWeightNorm(WeightNormStyle.DENSE_LAYER).build();
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> dense.describe(wn));
        assertMessage(e, "the root block (WeightNorm)", "wraps Conv2d", "DENSE_LAYER");

        Block deconv =
                init(
                        WeightNorm.wrap(improvedGanDeconv(2, true)),
                        DataType.FLOAT32,
                        new Shape(1, 3, 4, 4));
        LasagneParams l2 =
                LasagneParams.builder().optWeightNorm(WeightNormStyle.L2NORMALIZE).build();
        e = expectThrows(IllegalArgumentException.class, () -> l2.describe(deconv));
        assertMessage(e, "wraps Deconv2d", "L2NORMALIZE");
    }

    @Test
    public void builderRejectsNullStyles() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> LasagneParams.builder().optWeightNorm(null).build());
        assertMessage(e, "LasagneParams", "null");
    }
}
