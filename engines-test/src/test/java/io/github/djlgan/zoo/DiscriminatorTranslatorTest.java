package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.expectThrows;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import io.github.djlgan.init.DataInit;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.zoo.mnist.DiscriminatorTranslator;
import io.github.djlgan.zoo.mnist.DiscriminatorTranslatorFactory;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/** {@link DiscriminatorTranslator} and {@link DiscriminatorTranslatorFactory}. */
public class DiscriminatorTranslatorTest extends EngineTest {

    private static final int SIDE = 28;
    private static final int PIXELS = SIDE * SIDE;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public DiscriminatorTranslatorTest(String engine) {
        super(engine);
    }

    /** A discriminator with data-initialized weight norms, so the logits are of order one. */
    private Model discriminatorModel() {
        Model model = Model.newInstance("discriminator", engineName);
        Block discriminator = ImprovedGanMnist.discriminator();
        discriminator.initialize(
                model.getNDManager(), DataType.FLOAT32, new Shape(16, ImprovedGanMnist.IMAGE));
        NDArray batch =
                manager.create(
                        ZooTesting.uniform(3, 16 * ImprovedGanMnist.IMAGE),
                        new Shape(16, ImprovedGanMnist.IMAGE));
        DataInit.initialize(discriminator, null, new NDList(batch));
        model.setBlock(discriminator);
        return model;
    }

    /** Random grey levels 0..255 for {@code count} 28 × 28 images. */
    private static int[][] greyImages(long seed, int count) {
        Random random = new Random(seed);
        int[][] grey = new int[count][PIXELS];
        for (int[] image : grey) {
            for (int p = 0; p < PIXELS; p++) {
                image[p] = random.nextInt(256);
            }
        }
        return grey;
    }

    private static Image image(int[] grey, int width, int height) {
        int[] argb = new int[grey.length];
        for (int p = 0; p < grey.length; p++) {
            argb[p] = 0xFF000000 | grey[p] << 16 | grey[p] << 8 | grey[p];
        }
        return ImageFactory.getInstance().fromPixels(argb, width, height);
    }

    /** Independent: softmax, in double, of the block's logits on grey / 255. */
    private double[] expectedProbabilities(Block block, int[] grey) {
        float[] x = new float[PIXELS];
        for (int p = 0; p < PIXELS; p++) {
            x[p] = grey[p] / 255f;
        }
        float[] logits =
                forward(block, false, manager.create(x, new Shape(1, PIXELS))).toFloatArray();
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int k = 0; k < logits.length; k++) {
            p[k] = Math.exp(logits[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < p.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    private static void assertProbabilities(Classifications c, double[] expected) {
        List<String> names = c.getClassNames();
        List<Double> probabilities = c.getProbabilities();
        assertEquals(names.size(), expected.length);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(names.get(k), Integer.toString(k));
            assertEquals(probabilities.get(k), expected[k], 1e-6, "class " + k);
        }
    }

    @Test
    public void probabilitiesAreTheSoftmaxOfTheLogitsOfTheScaledImage() throws Exception {
        int[] grey = greyImages(1, 1)[0];
        try (Model model = discriminatorModel();
                Predictor<Image, Classifications> predictor =
                        model.newPredictor(DiscriminatorTranslator.builder().build())) {
            Classifications c = predictor.predict(image(grey, SIDE, SIDE));
            double[] expected = expectedProbabilities(model.getBlock(), grey);
            assertProbabilities(c, expected);
            int best = 0;
            for (int k = 1; k < expected.length; k++) {
                best = expected[k] > expected[best] ? k : best;
            }
            assertEquals(c.best().getClassName(), Integer.toString(best));
        }
    }

    @Test
    public void batchPredictEqualsSinglePredictions() throws Exception {
        int[][] grey = greyImages(2, 3);
        List<Image> images = new ArrayList<>();
        for (int[] g : grey) {
            images.add(image(g, SIDE, SIDE));
        }
        try (Model model = discriminatorModel();
                Predictor<Image, Classifications> predictor =
                        model.newPredictor(DiscriminatorTranslator.builder().build())) {
            List<Classifications> batch = predictor.batchPredict(images);
            assertEquals(batch.size(), 3);
            for (int i = 0; i < 3; i++) {
                assertProbabilities(batch.get(i), expectedProbabilities(model.getBlock(), grey[i]));
            }
        }
    }

    @Test
    public void factoryTakesClassNamesFromTheSynsetArgument() throws Exception {
        DiscriminatorTranslatorFactory factory = new DiscriminatorTranslatorFactory();
        String synset = "zero,one,two,three,four,five,six,seven,eight,nine";
        try (Model model = discriminatorModel()) {
            Translator<Image, Classifications> translator =
                    factory.newInstance(
                            Image.class, Classifications.class, model, Map.of("synset", synset));
            try (Predictor<Image, Classifications> predictor = model.newPredictor(translator)) {
                Classifications c = predictor.predict(image(greyImages(4, 1)[0], SIDE, SIDE));
                assertEquals(c.getClassNames(), List.of(synset.split(",")));
            }
        }
        assertEquals(
                DiscriminatorTranslator.builder().build().getClassNames(),
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    }

    @Test
    public void rejectsAnImageOfAnotherSize() throws Exception {
        try (Model model = discriminatorModel();
                Predictor<Image, Classifications> predictor =
                        model.newPredictor(DiscriminatorTranslator.builder().build())) {
            Image wrong = image(new int[20 * SIDE], 20, SIDE);
            TranslateException e =
                    expectThrows(TranslateException.class, () -> predictor.predict(wrong));
            assertMessage(
                    e.getCause(), "DiscriminatorTranslator", "expected a 28×28 image", "got 20×28");
        }
    }

    @Test
    public void rejectsClassNamesThatDoNotMatchTheLogits() throws Exception {
        try (Model model = discriminatorModel();
                Predictor<Image, Classifications> predictor =
                        model.newPredictor(
                                DiscriminatorTranslator.builder()
                                        .optClassNames(List.of("a", "b", "c"))
                                        .build())) {
            Image digit = image(greyImages(5, 1)[0], SIDE, SIDE);
            TranslateException e =
                    expectThrows(TranslateException.class, () -> predictor.predict(digit));
            assertMessage(e.getCause(), "DiscriminatorTranslator", "expected 3 logits", "(10)");
        }
    }

    @Test
    public void rejectsBadConfiguration() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> DiscriminatorTranslator.builder().optClassNames(List.of()).build());
        assertMessage(e, "DiscriminatorTranslator", "at least one class name");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> DiscriminatorTranslator.builder().optHeight(0).build());
        assertMessage(e, "DiscriminatorTranslator", "at least 1", "28, 0");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                new DiscriminatorTranslatorFactory()
                                        .newInstance(Image.class, Image[].class, null, Map.of()));
        assertMessage(e, "DiscriminatorTranslatorFactory", "unsupported types");
    }
}
