package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager.Network;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** {@link GeneratorTranslator}, {@link GeneratorInput} and {@link GeneratorTranslatorFactory}. */
public class GeneratorTranslatorTest extends EngineTest {

    private static final int SIDE = 28;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public GeneratorTranslatorTest(String engine) {
        super(engine);
    }

    /**
     * Reads images back as grey levels, all images concatenated row-major, and checks that each is
     * 28 × 28.
     */
    static int[] greyLevels(NDManager manager, Image[] images) {
        int[] all = new int[images.length * SIDE * SIDE];
        for (int n = 0; n < images.length; n++) {
            assertEquals(images[n].getWidth(), SIDE);
            assertEquals(images[n].getHeight(), SIDE);
            try (NDArray grey = images[n].toNDArray(manager, Image.Flag.GRAYSCALE)) {
                assertEquals(grey.getShape(), new Shape(SIDE, SIDE, 1));
                int[] levels = grey.toType(DataType.INT32, false).toIntArray();
                System.arraycopy(levels, 0, all, n * SIDE * SIDE, levels.length);
            }
        }
        return all;
    }

    /** The translator of a packaged improved-gan generator: its serving.properties arguments. */
    private static GeneratorTranslator mnistTranslator() {
        return GeneratorTranslator.builder(Network.GENERATOR.getArguments()).build();
    }

    /** The improved-gan generator's arguments, and a seed unless null. */
    private static Map<String, String> mnistArguments(String seed) {
        Map<String, String> arguments = new HashMap<>(Network.GENERATOR.getArguments());
        if (seed != null) {
            arguments.put("seed", seed);
        }
        return arguments;
    }

    private Model generatorModel() {
        Model model = Model.newInstance("generator", engineName);
        Block generator = ImprovedGanMnist.generator();
        generator.initialize(
                model.getNDManager(), DataType.FLOAT32, new Shape(1, ImprovedGanMnist.LATENT));
        model.setBlock(generator);
        return model;
    }

    private static Image[] generate(
            Model model, Translator<GeneratorInput, Image[]> translator, GeneratorInput input)
            throws TranslateException {
        try (Predictor<GeneratorInput, Image[]> predictor = model.newPredictor(translator)) {
            return predictor.predict(input);
        }
    }

    @Test
    public void imagesAreTheGeneratorOutputOnAJavaUniformLatent() throws Exception {
        try (Model model = generatorModel()) {
            Image[] images = generate(model, mnistTranslator(), GeneratorInput.of(3, 7));
            assertEquals(images.length, 3);

            // independent: the documented latent, java.util.Random(7).nextFloat() row by row
            Random random = new Random(7);
            float[] z = new float[3 * ImprovedGanMnist.LATENT];
            for (int i = 0; i < z.length; i++) {
                z[i] = random.nextFloat();
            }
            NDArray zArray = manager.create(z, new Shape(3, ImprovedGanMnist.LATENT));
            float[] y = forward(model.getBlock(), false, zArray).toFloatArray();
            int[] expected = new int[y.length];
            for (int i = 0; i < y.length; i++) {
                expected[i] = Math.round(255 * y[i]);
            }
            assertEquals(greyLevels(manager, images), expected);
        }
    }

    @Test
    public void sameSeedSameImagesOtherSeedOtherImages() throws Exception {
        try (Model model = generatorModel()) {
            GeneratorTranslator translator = mnistTranslator();
            int[] first = greyLevels(manager, generate(model, translator, GeneratorInput.of(2, 3)));
            int[] again = greyLevels(manager, generate(model, translator, GeneratorInput.of(2, 3)));
            int[] other = greyLevels(manager, generate(model, translator, GeneratorInput.of(2, 4)));
            assertEquals(again, first);
            assertFalse(Arrays.equals(other, first), "another seed should give other images");
            // the images of one call differ from each other
            assertFalse(
                    Arrays.equals(
                            Arrays.copyOfRange(first, 0, SIDE * SIDE),
                            Arrays.copyOfRange(first, SIDE * SIDE, 2 * SIDE * SIDE)));
        }
    }

    @Test
    public void integerInputUsesTheSeedArgumentOrAFreshSeed() throws Exception {
        GeneratorTranslatorFactory factory = new GeneratorTranslatorFactory();
        try (Model model = generatorModel()) {
            Translator<Integer, Image[]> seeded =
                    factory.newInstance(Integer.class, Image[].class, model, mnistArguments("7"));
            Translator<Integer, Image[]> fresh =
                    factory.newInstance(Integer.class, Image[].class, model, mnistArguments(null));
            int[] expected =
                    greyLevels(
                            manager, generate(model, mnistTranslator(), GeneratorInput.of(2, 7)));
            try (Predictor<Integer, Image[]> predictor = model.newPredictor(seeded)) {
                assertEquals(greyLevels(manager, predictor.predict(2)), expected);
                assertEquals(greyLevels(manager, predictor.predict(2)), expected);
            }
            try (Predictor<Integer, Image[]> predictor = model.newPredictor(fresh)) {
                int[] a = greyLevels(manager, predictor.predict(2));
                int[] b = greyLevels(manager, predictor.predict(2));
                assertEquals(a.length, 2 * SIDE * SIDE);
                assertFalse(Arrays.equals(a, b), "without a seed argument each call is new");
            }
        }
    }

    @Test
    public void widthAndHeightArgumentsShapeTheImages() throws Exception {
        GeneratorTranslator translator =
                GeneratorTranslator.builder(Map.of("latentSize", 100, "width", "56", "height", 14))
                        .build();
        assertEquals(translator.getWidth(), 56);
        assertEquals(translator.getHeight(), 14);
        assertEquals(translator.getLatentSize(), 100);
        try (Model model = generatorModel()) {
            Image[] images = generate(model, translator, GeneratorInput.of(1, 1));
            assertEquals(images[0].getWidth(), 56);
            assertEquals(images[0].getHeight(), 14);
        }
    }

    @Test
    public void processOutputAcceptsImageShapedOutputAndClamps() {
        GeneratorTranslator translator =
                GeneratorTranslator.builder().setLatentSize(100).setImageSize(2, 1).build();
        NDArray y = manager.create(new float[] {-0.5f, 0.5f, 1f, 2f}, new Shape(2, 1, 1, 2));
        Image[] images = translator.processOutput(null, new NDList(y));
        assertEquals(images.length, 2);
        try (NDArray a = images[0].toNDArray(manager, Image.Flag.GRAYSCALE);
                NDArray b = images[1].toNDArray(manager, Image.Flag.GRAYSCALE)) {
            // round(255 · clamp(y, 0, 1)): 0, 128 (127.5 rounds up), 255, 255
            assertEquals(a.toType(DataType.INT32, false).toIntArray(), new int[] {0, 128});
            assertEquals(b.toType(DataType.INT32, false).toIntArray(), new int[] {255, 255});
        }
    }

    @Test
    public void normalLatentAndTanhRange() throws Exception {
        GeneratorTranslator translator =
                GeneratorTranslator.builder(
                                Map.of(
                                        "latentSize",
                                        100,
                                        "width",
                                        28,
                                        "height",
                                        28,
                                        "latent",
                                        "Normal",
                                        "outputLow",
                                        "-1",
                                        "outputHigh",
                                        1.0))
                        .build();
        assertEquals(translator.getLatent(), GeneratorTranslator.Latent.NORMAL);
        try (Model model = generatorModel()) {
            Image[] images = generate(model, translator, GeneratorInput.of(2, 9));
            // independent: java.util.Random(9).nextGaussian() row by row; the sigmoid output y in
            // (0, 1) shown on the range [-1, 1]: round(255 (y + 1) / 2)
            Random random = new Random(9);
            float[] z = new float[2 * ImprovedGanMnist.LATENT];
            for (int i = 0; i < z.length; i++) {
                z[i] = (float) random.nextGaussian();
            }
            NDArray zArray = manager.create(z, new Shape(2, ImprovedGanMnist.LATENT));
            float[] y = forward(model.getBlock(), false, zArray).toFloatArray();
            int[] expected = new int[y.length];
            for (int i = 0; i < y.length; i++) {
                expected[i] = Math.round(255 * (y[i] + 1) / 2);
            }
            assertEquals(greyLevels(manager, images), expected);
        }
    }

    @Test
    public void rejectsMissingSizesAndBadLatentOrRange() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> GeneratorTranslator.builder(Map.of("width", 28, "height", 28)));
        assertMessage(e, "GeneratorTranslator", "argument latentSize is required");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GeneratorTranslator.builder(
                                        Map.of(
                                                "latentSize",
                                                1,
                                                "width",
                                                1,
                                                "height",
                                                1,
                                                "latent",
                                                "cauchy")));
        assertMessage(e, "GeneratorTranslator", "uniform or normal", "cauchy");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GeneratorTranslator.builder()
                                        .setLatentSize(1)
                                        .setImageSize(1, 1)
                                        .optOutputRange(1, 1)
                                        .build());
        assertMessage(e, "GeneratorTranslator", "low < high", "[1.0, 1.0]");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> GeneratorTranslator.builder().setImageSize(28, 28).build());
        assertMessage(e, "GeneratorTranslator", "must be set", "0, 28, 28");
    }

    @Test
    public void rejectsACountBelowOne() {
        IllegalArgumentException e =
                expectThrows(IllegalArgumentException.class, () -> GeneratorInput.of(0, 1));
        assertMessage(e, "GeneratorInput", "count must be at least 1, got 0");
        assertEquals(GeneratorInput.of(3, 9), new GeneratorInput(3, 9));
        assertNotEquals(GeneratorInput.of(3, 9), GeneratorInput.of(3, 8));
    }

    @Test
    public void rejectsOutputThatIsNotWidthTimesHeight() throws Exception {
        GeneratorTranslator translator =
                GeneratorTranslator.builder().setLatentSize(100).setImageSize(20, 20).build();
        try (Model model = generatorModel()) {
            TranslateException e =
                    expectThrows(
                            TranslateException.class,
                            () -> generate(model, translator, GeneratorInput.of(2, 1)));
            assertMessage(e.getCause(), "GeneratorTranslator", "(N, 400)", "20×20", "(2, 784)");
        }
    }

    @Test
    public void rejectsNaNOutput() {
        GeneratorTranslator translator =
                GeneratorTranslator.builder().setLatentSize(100).setImageSize(2, 1).build();
        NDArray y = manager.create(new float[] {0.5f, Float.NaN}, new Shape(1, 2));
        IllegalStateException e =
                expectThrows(
                        IllegalStateException.class,
                        () -> translator.processOutput(null, new NDList(y)));
        assertMessage(e, "GeneratorTranslator", "NaN");
    }

    @Test
    public void rejectsBadArguments() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GeneratorTranslator.builder(
                                        Map.of(
                                                "latentSize",
                                                "100",
                                                "width",
                                                "2.5",
                                                "height",
                                                "1")));
        assertMessage(e, "GeneratorTranslator", "argument width must be an integer, got 2.5");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GeneratorTranslator.builder()
                                        .setLatentSize(0)
                                        .setImageSize(28, 28)
                                        .build());
        assertMessage(e, "GeneratorTranslator", "at least 1", "0, 28, 28");
        GeneratorTranslatorFactory factory = new GeneratorTranslatorFactory();
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                factory.newInstance(
                                        Integer.class, Image[].class, null, mnistArguments("x")));
        assertMessage(e, "GeneratorTranslatorFactory", "argument seed must be an integer, got x");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> factory.newInstance(Long.class, Image[].class, null, Map.of()));
        assertMessage(e, "GeneratorTranslatorFactory", "unsupported types (java.lang.Long");
    }
}
