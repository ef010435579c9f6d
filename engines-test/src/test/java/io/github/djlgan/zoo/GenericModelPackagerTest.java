package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.io.StringReader;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * {@link ModelPackager} on a network that is not improved-gan's: a tiny image generator whose
 * factory takes an argument from {@code serving.properties}, with normal latents and tanh output,
 * packaged, loaded through {@code Criteria} on both engines and compared with the formula.
 */
public class GenericModelPackagerTest extends EngineTest {

    private static final int LATENT = 8;
    private static final int SIDE = 4;

    private Path tmp;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GenericModelPackagerTest(String engine) {
        super(engine);
    }

    /** latent (N, 8) → Linear side² → (N, 1, side, side) → tanh; side from the arguments. */
    public static final class TinyGeneratorFactory implements BlockFactory {
        private static final long serialVersionUID = 1L;

        /** Creates the factory. */
        public TinyGeneratorFactory() {}

        @Override
        public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
            int side = TranslatorArguments.requiredInt(arguments, "side", "TinyGeneratorFactory");
            return new SequentialBlock()
                    .add(Linear.builder().setUnits((long) side * side).build())
                    .add(x -> new NDList(x.head().reshape(-1, 1, side, side)))
                    .add(Activation::tanh);
        }
    }

    @BeforeMethod(alwaysRun = true)
    public void createTemporaryDirectory() throws IOException {
        tmp = Files.createTempDirectory("djlgan-generic-zoo");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() {
        TempDirs.delete(tmp);
    }

    /** Saves a fresh tiny generator; returns its weight (side², 8) and bias, row-major. */
    private float[][] saveTinyGenerator(Path dir) throws IOException {
        try (Model model = Model.newInstance("tiny", engineName)) {
            Block block =
                    new TinyGeneratorFactory()
                            .newBlock(model, dir, Map.of("side", Integer.toString(SIDE)));
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, LATENT));
            model.setBlock(block);
            float[] weight = block.getParameters().get("01Linear_weight").getArray().toFloatArray();
            float[] bias =
                    ZooTesting.uniform(9, SIDE * SIDE); // a non-zero bias, to see it is loaded
            for (int i = 0; i < bias.length; i++) {
                bias[i] -= 0.5f;
            }
            block.getParameters().get("01Linear_bias").getArray().set(FloatBuffer.wrap(bias));
            model.save(dir, "tiny");
            return new float[][] {weight, bias};
        }
    }

    private ModelPackager.Builder packager(Path dir) {
        return ModelPackager.builder()
                .setModelDir(dir)
                .setBlockFactory(new TinyGeneratorFactory())
                .setTranslatorFactory(new GeneratorTranslatorFactory())
                .optArgument("side", SIDE)
                .optArgument("latentSize", LATENT)
                .optArgument("width", SIDE)
                .optArgument("height", SIDE)
                .optArgument("latent", "normal")
                .optArgument("outputLow", -1)
                .optArgument("outputHigh", 1)
                .optDescription("A tiny test generator.")
                .optExample(
                        GeneratorInput.class,
                        Image[].class,
                        "Image[] images = predictor.predict(GeneratorInput.of(2, 5));");
    }

    @Test
    public void anyNetworkPackagesAndLoadsThroughCriteriaWithItsArguments() throws Exception {
        Path dir = tmp.resolve("model");
        float[][] wb = saveTinyGenerator(dir);
        ModelPackager packager = packager(dir).optEngine(null).build();
        Path zip = packager.writeZip(tmp.resolve("tiny.zip"));

        Properties serving = new Properties();
        serving.load(new StringReader(packager.servingProperties("tiny")));
        assertEquals(serving.getProperty("blockFactory"), TinyGeneratorFactory.class.getName());
        assertEquals(serving.getProperty("side"), "4");
        assertEquals(serving.getProperty("latent"), "normal");
        assertEquals(serving.getProperty("outputLow"), "-1");
        assertEquals(serving.getProperty("engine"), null);
        String readme = packager.readme("tiny.zip");
        assertTrue(readme.startsWith("# tiny\n\nA tiny test generator."), readme);
        assertTrue(readme.contains("input is one (N, 8) float32 array"), readme);
        assertTrue(readme.contains("GeneratorInput.of(2, 5)"), readme);

        // independent: z = Random(5).nextGaussian() row-major, y = tanh(W z + b), grey levels
        // round(255 (y + 1) / 2)
        Random random = new Random(5);
        int[] expected = new int[2 * SIDE * SIDE];
        double[] z = new double[LATENT];
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < LATENT; j++) {
                z[j] = (float) random.nextGaussian();
            }
            for (int p = 0; p < SIDE * SIDE; p++) {
                double a = wb[1][p];
                for (int j = 0; j < LATENT; j++) {
                    a += wb[0][p * LATENT + j] * z[j];
                }
                expected[n * SIDE * SIDE + p] = (int) Math.round(255 * (Math.tanh(a) + 1) / 2);
            }
        }
        for (String engine : Engines.NAMES) {
            Criteria<GeneratorInput, Image[]> criteria =
                    Criteria.builder()
                            .setTypes(GeneratorInput.class, Image[].class)
                            .optModelPath(zip)
                            .optEngine(engine)
                            .optTranslatorFactory(new GeneratorTranslatorFactory())
                            .build();
            try (ZooModel<GeneratorInput, Image[]> model = criteria.loadModel();
                    Predictor<GeneratorInput, Image[]> predictor = model.newPredictor()) {
                Image[] images = predictor.predict(GeneratorInput.of(2, 5));
                assertEquals(images.length, 2);
                int[] grey = new int[expected.length];
                for (int n = 0; n < 2; n++) {
                    assertEquals(images[n].getWidth(), SIDE);
                    int[] levels =
                            images[n]
                                    .toNDArray(manager, Image.Flag.GRAYSCALE)
                                    .toType(DataType.INT32, false)
                                    .toIntArray();
                    System.arraycopy(levels, 0, grey, n * SIDE * SIDE, levels.length);
                }
                for (int i = 0; i < grey.length; i++) {
                    assertTrue(
                            Math.abs(grey[i] - expected[i]) <= 1,
                            engine + " pixel " + i + ": " + grey[i] + " vs " + expected[i]);
                }
            } finally {
                TempDirs.delete(ZooTesting.unpackedCopy(zip));
            }
        }
    }

    @Test
    public void refusesAFileTheFactorysNetworkCannotHold() throws Exception {
        Path dir = tmp.resolve("model");
        saveTinyGenerator(dir);
        Path zip = tmp.resolve("x.zip");
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(dir).optArgument("side", 5).build().writeZip(zip));
        assertMessage(
                e,
                "ModelPackager",
                "tiny-0000.params",
                "does not fit the network of TinyGeneratorFactory",
                "(16, 8)",
                "(25, 8)");
        assertTrue(Files.notExists(zip), "nothing should be written");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                packager(dir)
                                        .optArguments(Map.of("side", "x"))
                                        .build()
                                        .writeZip(zip));
        assertMessage(e, "ModelPackager", "TinyGeneratorFactory cannot build its network", "x");
    }

    @Test
    public void refusesWhatDjlCannotReadBack() {
        BlockFactory anonymous =
                new BlockFactory() {
                    private static final long serialVersionUID = 1L;

                    @Override
                    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
                        return new SequentialBlock();
                    }
                };
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(tmp).setBlockFactory(anonymous).build());
        assertMessage(e, "ModelPackager", "block factory", "public no-argument constructor");
        for (String key : new String[] {"engine", "option.modelName", "1st", "a b"}) {
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> packager(tmp).optArgument(key, 1).build());
            assertMessage(e, "ModelPackager", "argument name " + key);
        }
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(tmp).optArgument("side", "4\nengine=MXNet").build());
        assertMessage(e, "ModelPackager", "argument side", "one trimmed line");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(tmp).optExample(Image.class, Image[].class, "x();").build());
        assertMessage(e, "ModelPackager", "does not support", "(Image, Image[])");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ModelPackager.builder()
                                        .setModelDir(tmp)
                                        .setBlockFactory(new TinyGeneratorFactory())
                                        .setTranslatorFactory(new GeneratorTranslatorFactory())
                                        .build());
        assertMessage(e, "ModelPackager", "supports 2 type pairs", "optExample");
    }
}
