package io.github.djlgan.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.DeferredTranslatorFactory;
import ai.djl.translate.TranslatorFactory;
import io.github.djlgan.testing.EngineTest;
import io.github.djlgan.testing.Engines;
import io.github.djlgan.testing.NDAssert;
import io.github.djlgan.testing.TempDirs;
import io.github.djlgan.zoo.mnist.DiscriminatorTranslatorFactory;
import io.github.djlgan.zoo.mnist.ImprovedGanDiscriminatorFactory;
import io.github.djlgan.zoo.mnist.ImprovedGanGeneratorFactory;
import io.github.djlgan.zoo.mnist.ImprovedGanMnist;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager;
import io.github.djlgan.zoo.mnist.ImprovedGanPackager.Network;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Factory;
import org.testng.annotations.Test;

/**
 * Train → save → package → load through DJL's {@code Criteria} on both engines, and the packager's
 * checks.
 */
public class ModelPackagerTest extends EngineTest {

    private static final int PROBE_ROWS = 5;

    private Path tmp;

    @Factory(dataProvider = "engines", dataProviderClass = Engines.class)
    public ModelPackagerTest(String engine) {
        super(engine);
    }

    @BeforeMethod(alwaysRun = true)
    public void createTemporaryDirectory() throws IOException {
        tmp = Files.createTempDirectory("djlgan-zoo");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteTemporaryDirectory() {
        TempDirs.delete(tmp);
    }

    private String otherEngine() {
        return Engines.NAMES[0].equals(engineName) ? Engines.NAMES[1] : Engines.NAMES[0];
    }

    @Test
    public void generatorLoadsThroughCriteriaOnBothEnginesWithTheSameOutputs() throws Exception {
        assertPackagedModelReproducesTrainedOutputs(Network.GENERATOR, "mnist-generator");
    }

    @Test
    public void discriminatorLoadsThroughCriteriaOnBothEnginesWithTheSameOutputs()
            throws Exception {
        assertPackagedModelReproducesTrainedOutputs(Network.DISCRIMINATOR, "mnist-discriminator");
    }

    /**
     * Trains on this engine, packages with the other engine as the default of serving.properties,
     * then loads with types (NDList, NDList): here with {@code optEngine(this engine)}, on the
     * other engine with no engine in the Criteria (serving.properties supplies it). The block comes
     * from the blockFactory entry of serving.properties in both cases.
     */
    private void assertPackagedModelReproducesTrainedOutputs(Network network, String name)
            throws Exception {
        int in = (int) network.getInputSize();
        float[] probe = ZooTesting.uniform(5, PROBE_ROWS * in);
        ZooTesting.Trained trained =
                ZooTesting.trainAndSave(engineName, network, tmp.resolve("model"), name, probe);
        assertTrue(
                ZooTesting.maxAbsDiff(trained.before(), trained.after()) > 1e-3,
                "training should change the outputs");
        Path zip =
                ImprovedGanPackager.builder(network)
                        .setModelDir(tmp.resolve("model"))
                        .optEngine(otherEngine())
                        .build()
                        .writeZip(tmp.resolve("zoo").resolve(name + ".zip"));

        Shape outShape = new Shape(PROBE_ROWS, trained.after().length / PROBE_ROWS);
        double[] expected = new double[trained.after().length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = trained.after()[i];
        }
        for (String engine : Engines.NAMES) {
            Criteria.Builder<NDList, NDList> builder =
                    Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(zip);
            if (engine.equals(engineName)) {
                builder.optEngine(engine);
            }
            try (ZooModel<NDList, NDList> model = builder.build().loadModel();
                    Predictor<NDList, NDList> predictor = model.newPredictor();
                    NDManager inputs = model.getNDManager().newSubManager()) {
                assertEquals(
                        model.getModelPath().getParent().getParent(), ZooTesting.unpackedCopy(zip));
                assertEquals(model.getNDManager().getEngine().getEngineName(), engine);
                // the uninitialized block from the factory took its input shape from the file
                assertEquals(
                        model.describeInput().get(0).getValue(), new Shape(ZooTesting.BATCH, in));
                assertEquals(
                        model.getBlock().getClass(),
                        network == Network.GENERATOR
                                ? ImprovedGanMnist.generator().getClass()
                                : ImprovedGanMnist.Discriminator.class);
                NDArray x = inputs.create(probe, new Shape(PROBE_ROWS, in));
                NDArray y = predictor.predict(new NDList(x)).singletonOrThrow();
                // bit for bit on the training engine; float32 rounding on the other one, relative
                // to the logit's size (measured: 1.3e-5 on a logit of -15.4, 9e-7 relative)
                boolean same = engine.equals(engineName);
                NDAssert.assertClose(y, expected, outShape, same ? 0 : 2e-6, same ? 0 : 1e-5);
            } finally {
                TempDirs.delete(ZooTesting.unpackedCopy(zip));
            }
        }
    }

    @Test
    public void generatorImagesAreTheSameOnBothEngines() throws Exception {
        ZooTesting.initializeAndSave(
                engineName, Network.GENERATOR, tmp.resolve("model"), "mnist-generator");
        Path zip =
                ImprovedGanPackager.builder(Network.GENERATOR)
                        .setModelDir(tmp.resolve("model"))
                        .build()
                        .writeZip(tmp.resolve("mnist-generator.zip"));
        List<int[]> pixelsPerEngine = new ArrayList<>();
        for (String engine : Engines.NAMES) {
            // two documented ways to get the translator: the factory itself, or serving.properties
            TranslatorFactory factory =
                    engine.equals(engineName)
                            ? new GeneratorTranslatorFactory()
                            : new DeferredTranslatorFactory();
            Criteria<GeneratorInput, Image[]> criteria =
                    Criteria.builder()
                            .setTypes(GeneratorInput.class, Image[].class)
                            .optModelPath(zip)
                            .optEngine(engine)
                            .optTranslatorFactory(factory)
                            .build();
            try (ZooModel<GeneratorInput, Image[]> model = criteria.loadModel();
                    Predictor<GeneratorInput, Image[]> predictor = model.newPredictor()) {
                Image[] images = predictor.predict(GeneratorInput.of(4, 42));
                assertEquals(images.length, 4);
                pixelsPerEngine.add(GeneratorTranslatorTest.greyLevels(manager, images));
            } finally {
                TempDirs.delete(ZooTesting.unpackedCopy(zip));
            }
        }
        int[] a = pixelsPerEngine.get(0);
        int[] b = pixelsPerEngine.get(1);
        assertEquals(a.length, 4 * 28 * 28);
        int worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertTrue(worst <= 1, "grey levels differ by up to " + worst + " between the engines");
        assertTrue(Arrays.stream(a).distinct().count() > 10, "the images should not be constant");
    }

    @Test
    public void zipHoldsParamsServingPropertiesAndReadme() throws Exception {
        Path model = tmp.resolve("model");
        ZooTesting.initializeAndSave(engineName, Network.GENERATOR, model, "gen");
        ModelPackager packager =
                ImprovedGanPackager.builder(Network.GENERATOR).setModelDir(model).build();
        Path zip = packager.writeZip(tmp.resolve("out/sub/my-gan.zip"));

        try (ZipFile file = new ZipFile(zip.toFile())) {
            List<String> names = new ArrayList<>();
            file.stream().map(ZipEntry::getName).forEach(names::add);
            assertEquals(
                    names,
                    List.of(
                            "gen/",
                            "gen/gen-0000.params",
                            "gen/serving.properties",
                            "gen/README.md"));
            assertEquals(
                    read(file, "gen/gen-0000.params"),
                    Files.readAllBytes(model.resolve("gen-0000.params")));

            Properties serving = new Properties();
            serving.load(
                    new StringReader(
                            new String(
                                    read(file, "gen/serving.properties"), StandardCharsets.UTF_8)));
            assertEquals(serving.getProperty("engine"), "PyTorch");
            assertEquals(
                    serving.getProperty("blockFactory"),
                    ImprovedGanGeneratorFactory.class.getName());
            assertEquals(
                    serving.getProperty("translatorFactory"),
                    GeneratorTranslatorFactory.class.getName());
            assertEquals(serving.getProperty("option.modelName"), "gen");
            assertEquals(serving.getProperty("latentSize"), "100");
            assertEquals(serving.getProperty("latent"), "uniform");
            assertEquals(serving.getProperty("width"), "28");
            assertEquals(serving.getProperty("height"), "28");
            assertEquals(serving.size(), 8, serving.toString());

            String readme = new String(read(file, "gen/README.md"), StandardCharsets.UTF_8);
            assertTrue(readme.contains(".optModelPath(Paths.get(\"my-gan.zip\"))"), readme);
            assertTrue(readme.contains(".setTypes(GeneratorInput.class, Image[].class)"), readme);
            assertTrue(
                    readme.contains(".optTranslatorFactory(new GeneratorTranslatorFactory())"),
                    readme);
            assertTrue(readme.contains("input is one (N, 100) float32 array"), readme);
            assertTrue(readme.contains(ImprovedGanGeneratorFactory.class.getName()), readme);
            assertTrue(readme.contains("GeneratorInput.of(16, 42)"), readme);
        }
    }

    @Test
    public void discriminatorServingPropertiesNameItsFactories() throws Exception {
        Path model = tmp.resolve("model");
        ZooTesting.initializeAndSave(engineName, Network.DISCRIMINATOR, model, "d");
        ModelPackager packager =
                ImprovedGanPackager.builder(Network.DISCRIMINATOR)
                        .setModelDir(model)
                        .optEngine(null)
                        .build();
        Properties serving = new Properties();
        serving.load(new StringReader(packager.servingProperties("d")));
        assertEquals(
                serving.getProperty("blockFactory"),
                ImprovedGanDiscriminatorFactory.class.getName());
        assertEquals(
                serving.getProperty("translatorFactory"),
                DiscriminatorTranslatorFactory.class.getName());
        assertEquals(serving.getProperty("engine"), null);
        assertEquals(serving.getProperty("latentSize"), null);
        assertTrue(
                packager.readme("d.zip").contains(".setTypes(Image.class, Classifications.class)"));
    }

    @Test
    public void choosesTheLatestEpochUnlessOneIsGiven() throws Exception {
        Path model = tmp.resolve("model");
        ZooTesting.initializeAndSave(engineName, Network.GENERATOR, model, "gen");
        ZooTesting.initializeAndSave(engineName, Network.GENERATOR, model, "gen");
        ModelPackager.Builder builder =
                ImprovedGanPackager.builder(Network.GENERATOR).setModelDir(model);
        assertEquals(builder.build().findParamsFile().getFileName().toString(), "gen-0001.params");
        assertEquals(
                builder.optEpoch(0).build().findParamsFile().getFileName().toString(),
                "gen-0000.params");
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> builder.optEpoch(7).build().writeZip(tmp.resolve("x.zip")));
        assertMessage(e, "ModelPackager", "no epoch 7", "[0, 1]");
    }

    @Test
    public void severalModelsNeedAName() throws Exception {
        Path model = tmp.resolve("model");
        ZooTesting.initializeAndSave(engineName, Network.GENERATOR, model, "gen");
        ZooTesting.initializeAndSave(engineName, Network.DISCRIMINATOR, model, "disc");
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ImprovedGanPackager.builder(Network.GENERATOR)
                                        .setModelDir(model)
                                        .build()
                                        .writeZip(tmp.resolve("x.zip")));
        assertMessage(e, "ModelPackager", "several models [disc, gen]", "optModelName");
        Path params =
                ImprovedGanPackager.builder(Network.DISCRIMINATOR)
                        .setModelDir(model)
                        .optModelName("disc")
                        .build()
                        .findParamsFile();
        assertEquals(params.getFileName().toString(), "disc-0000.params");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ImprovedGanPackager.builder(Network.GENERATOR)
                                        .setModelDir(model)
                                        .optModelName("nope")
                                        .build()
                                        .findParamsFile());
        assertMessage(e, "ModelPackager", "no parameter file of model nope", "[disc, gen]");
    }

    @Test
    public void rejectsTheParametersOfTheOtherNetwork() throws Exception {
        Path model = tmp.resolve("model");
        ZooTesting.initializeAndSave(engineName, Network.GENERATOR, model, "gen");
        Path zip = tmp.resolve("x.zip");
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ImprovedGanPackager.builder(Network.DISCRIMINATOR)
                                        .setModelDir(model)
                                        .build()
                                        .writeZip(zip));
        assertMessage(
                e,
                "ModelPackager",
                "gen-0000.params",
                "[(8, 100)]",
                "does not fit the network of ImprovedGanDiscriminatorFactory",
                "Checkpoints");
        assertTrue(Files.notExists(zip), "nothing should be written");
    }

    /**
     * DJL finds <name>-<four digits>.params only: a model with a longer epoch has no known latest
     * epoch, and is refused with the file's name unless an epoch is given.
     */
    @Test
    public void epochsAboveFourDigitsAreNamedNotSkipped() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("long-epoch"));
        Files.write(dir.resolve("gen-12345.params"), new byte[] {1});
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(dir).writeZip(tmp.resolve("long.zip")));
        assertMessage(e, "ModelPackager", "model gen", "[gen-12345.params]", "9999");
        assertTrue(Files.notExists(tmp.resolve("long.zip")), "nothing should be written");
        // beside four-digit files (a GanTrainer checkpoint every 5000 steps): not the older one
        Files.write(dir.resolve("gen-5000.params"), new byte[] {1});
        Files.write(dir.resolve("gen-10000.params"), new byte[] {1});
        e = expectThrows(IllegalArgumentException.class, () -> packager(dir).findParamsFile());
        assertMessage(
                e, "ModelPackager", "model gen", "[gen-10000.params, gen-12345.params]", "9999");
        Path chosen =
                ImprovedGanPackager.builder(Network.GENERATOR)
                        .setModelDir(dir)
                        .optEpoch(5000)
                        .build()
                        .findParamsFile();
        assertEquals(chosen.getFileName().toString(), "gen-5000.params");
        for (int epoch : new int[] {10000, -1}) {
            e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () ->
                                    ImprovedGanPackager.builder(Network.GENERATOR)
                                            .setModelDir(dir)
                                            .optEpoch(epoch)
                                            .build()
                                            .findParamsFile());
            assertMessage(e, "ModelPackager", "0 to 9999", "got " + epoch);
        }
    }

    @Test
    public void rejectsADirectoryWithoutParameterFiles() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(empty).writeZip(tmp.resolve("x.zip")));
        assertMessage(e, "ModelPackager", "no parameter file", empty.toString());

        Path missing = tmp.resolve("missing");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(missing).writeZip(tmp.resolve("x.zip")));
        assertMessage(e, "ModelPackager", "does not exist", missing.toString());

        Files.writeString(empty.resolve("fake-0000.params"), "not a model");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () -> packager(empty).writeZip(tmp.resolve("x.zip")));
        assertMessage(e, "ModelPackager", "fake-0000.params", "not a DJL parameter file");
    }

    @Test
    public void builderRequiresDirectoryAndFactories() {
        IllegalArgumentException e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ImprovedGanPackager.builder(Network.GENERATOR)
                                        .setModelDir(null)
                                        .build());
        assertMessage(e, "ModelPackager", "model directory is required");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ModelPackager.builder()
                                        .setModelDir(tmp)
                                        .setTranslatorFactory(new GeneratorTranslatorFactory())
                                        .build());
        assertMessage(e, "ModelPackager", "block factory is required");
        e =
                expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                ModelPackager.builder()
                                        .setModelDir(tmp)
                                        .setBlockFactory(new ImprovedGanGeneratorFactory())
                                        .build());
        assertMessage(e, "ModelPackager", "translator factory is required");
    }

    private static ModelPackager packager(Path dir) {
        return ImprovedGanPackager.builder(Network.GENERATOR).setModelDir(dir).build();
    }

    private static byte[] read(ZipFile file, String name) throws IOException {
        try (InputStream is = file.getInputStream(file.getEntry(name))) {
            return is.readAllBytes();
        }
    }
}
