package io.github.djlgan.lasagne;

import static org.testng.Assert.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.github.djlgan.lasagne.LasagneParams.BatchNormStyle;
import io.github.djlgan.lasagne.LasagneParams.WeightNormStyle;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.Fixtures;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * Imports improved-gan's full-size MNIST generator and discriminator ({@link ImprovedGanMnist})
 * from Lasagne parameter lists and compares the networks' inference outputs with NumPy's ({@code
 * fixtures/lasagne/mnist.py}), in two flavours: as improved-gan's {@code
 * train_mnist_feature_matching.py} writes the networks ({@code nn.batch_norm}, {@code
 * nn.l2normalize}, improved-gan's {@code nn.DenseLayer}) and with the importer's default layer
 * families ({@code lasagne.layers.batch_norm}, {@code nn.weight_norm}).
 *
 * <p>The fixture stores the Lasagne shape and a closed-form value rule of every {@code arr_i} (the
 * full files would be ~10 MB each); this test regenerates the arrays bit for bit, writes them as
 * {@code np.savez} does, and loads that file. So the exact architecture is checked for order,
 * shapes (against the list written in Python) and values.
 *
 * <p>The fixture is not produced by Lasagne or improved-gan's code (Theano cannot be installed
 * here): {@code mnist.py} computes the networks in NumPy from the authors' reading of those layers
 * ({@code fixtures/lasagne/README.md}).
 */
public class ImprovedGanMnistImportTest extends EngineTest {

    private static final String IMPROVED_GAN = "improved_gan";
    private static final String LASAGNE = "lasagne";

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public ImprovedGanMnistImportTest(String engine) {
        super(engine);
    }

    /** The parameter values of {@code mnist.py}: splitmix64 of (stream, k), scaled. */
    static float[] values(long stream, int count, double offset, double scale) {
        float[] out = new float[count];
        for (int k = 0; k < count; k++) {
            long z = (stream << 32) + (k + 1L) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            double u = (z >>> 40) * 0x1p-24;
            out[k] = (float) (offset + scale * (2 * u - 1));
        }
        return out;
    }

    /** Lasagne's parameter list of a network, in order, as {@code mnist.py} describes it. */
    private NDList lasagneArrays(Fixtures fixture, String net, String flavour) {
        String key = net + "_" + flavour;
        long[] rank = fixture.get(key + "_rank").toLongArray();
        long[] dims = fixture.get(key + "_dims").toLongArray();
        double[] offset = fixture.get(key + "_offset").toDoubleArray();
        double[] scale = fixture.get(key + "_scale").toDoubleArray();
        long salt = net.equals("gen") ? 1 : 2;
        NDList arrays = new NDList();
        for (int i = 0; i < rank.length; i++) {
            Shape shape =
                    rank[i] == 1 ? new Shape(dims[2 * i]) : new Shape(dims[2 * i], dims[2 * i + 1]);
            float[] v = values(salt * 1000 + i, (int) shape.size(), offset[i], scale[i]);
            arrays.add(manager.create(v, shape));
        }
        return arrays;
    }

    private static LasagneParams importer(String net, String flavour) {
        if (flavour.equals(LASAGNE)) {
            return LasagneParams.builder().build();
        }
        return net.equals("gen")
                ? LasagneParams.builder()
                        .optWeightNorm(WeightNormStyle.L2NORMALIZE)
                        .optBatchNorm(BatchNormStyle.IMPROVED_GAN)
                        .build()
                : LasagneParams.builder().optWeightNorm(WeightNormStyle.DENSE_LAYER).build();
    }

    private static void writeNpz(NDList arrays, OutputStream os) throws IOException {
        arrays.encode(os, NDList.Encoding.NPZ); // unnamed arrays are written as arr_0, arr_1, ...
    }

    private void checkGenerator(String flavour) throws IOException {
        Fixtures fixture = Fixtures.load(manager, "lasagne/mnist");
        NDArray z = fixture.get("gen_input");
        Block gen = init(ImprovedGanMnist.generator(), DataType.FLOAT32, z.getShape());
        Path file = Files.createTempFile("lasagne-gen-", ".npz");
        try {
            try (OutputStream os = Files.newOutputStream(file)) {
                writeNpz(lasagneArrays(fixture, "gen", flavour), os);
            }
            importer("gen", flavour).loadInto(gen, file);
        } finally {
            Files.delete(file);
        }
        NDAssert.assertClose(
                forward(gen, false, z), fixture.get("gen_" + flavour + "_y"), 1e-5, 1e-5);
    }

    private void checkDiscriminator(String flavour) throws IOException {
        Fixtures fixture = Fixtures.load(manager, "lasagne/mnist");
        NDArray x = fixture.get("disc_input");
        ImprovedGanMnist.Discriminator disc =
                init(ImprovedGanMnist.discriminator(), DataType.FLOAT32, x.getShape());
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        writeNpz(lasagneArrays(fixture, "disc", flavour), os);
        importer("disc", flavour).loadInto(disc, new ByteArrayInputStream(os.toByteArray()));
        String key = "disc_" + flavour;
        NDAssert.assertClose(forward(disc, false, x), fixture.get(key + "_y"), 1e-5, 1e-5);
        NDAssert.assertClose(
                forward(disc.features(), false, x), fixture.get(key + "_features"), 1e-5, 1e-5);
    }

    @Test
    public void generatorAsImprovedGanWritesIt() throws IOException {
        checkGenerator(IMPROVED_GAN);
    }

    @Test
    public void generatorWithDefaultLayerFamilies() throws IOException {
        checkGenerator(LASAGNE);
    }

    @Test
    public void discriminatorAsImprovedGanWritesIt() throws IOException {
        checkDiscriminator(IMPROVED_GAN);
    }

    @Test
    public void discriminatorWithDefaultLayerFamilies() throws IOException {
        checkDiscriminator(LASAGNE);
    }

    @Test
    public void describeNamesImprovedGansParameters() {
        Block gen = init(ImprovedGanMnist.generator(), DataType.FLOAT32, new Shape(2, 100));
        List<String> names =
                importer("gen", IMPROVED_GAN).describe(gen).stream()
                        .map(e -> e.getLasagneName() + " " + e.getLasagneShape())
                        .collect(Collectors.toList());
        List<String> layer =
                List.of(
                        "nn.BatchNormLayer.b (500)",
                        "nn.BatchNormLayer.avg_batch_mean (500)",
                        "nn.BatchNormLayer.avg_batch_var (500)");
        List<String> expected = new ArrayList<>();
        expected.add("DenseLayer.W (100, 500)");
        expected.addAll(layer);
        expected.add("DenseLayer.W (500, 500)");
        expected.addAll(layer);
        expected.addAll(
                List.of(
                        "DenseLayer.W (500, 784)",
                        "DenseLayer.b (784)",
                        "DenseLayer.W_scale (784)"));
        assertEquals(names, expected);

        Block disc = init(ImprovedGanMnist.discriminator(), DataType.FLOAT32, new Shape(2, 784));
        List<LasagneParams.Entry> entries = importer("disc", IMPROVED_GAN).describe(disc);
        assertEquals(entries.size(), 18);
        assertEquals(
                entries.get(0).toString(),
                "nn.DenseLayer.theta (784, 1000) -> 01SequentialBlock_02WeightNorm_01Linear_weight"
                        + " (1000, 784), transposed");
        assertEquals(
                entries.subList(15, 18).stream()
                        .map(LasagneParams.Entry::toString)
                        .collect(Collectors.toList()),
                List.of(
                        "nn.DenseLayer.theta (250, 10) ->"
                                + " 02SequentialBlock_02WeightNorm_01Linear_weight (10, 250),"
                                + " transposed",
                        "nn.DenseLayer.weight_scale (10) -> 02SequentialBlock_02WeightNorm_g (10)",
                        "nn.DenseLayer.b (10) -> 02SequentialBlock_02WeightNorm_01Linear_bias"
                                + " (10)"));
        assertEquals(
                Collections.frequency(
                        entries.stream()
                                .map(LasagneParams.Entry::getLasagneName)
                                .collect(Collectors.toList()),
                        "nn.DenseLayer.theta"),
                6);
    }
}
