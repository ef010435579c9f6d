package io.github.djlgan.examples.imagegan;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.util.Utils;
import io.github.djlgan.examples.fashion.FashionMnistData;
import io.github.djlgan.training.GanTrainer;
import io.github.djlgan.zoo.Checkpoints;
import io.github.djlgan.zoo.GeneratorInput;
import io.github.djlgan.zoo.GeneratorTranslator;
import io.github.djlgan.zoo.GeneratorTranslatorFactory;
import io.github.djlgan.zoo.ModelPackager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The trained generator as a DJL model: the trainer's checkpoint ({@link GanTrainer#save}) under
 * {@code checkpoints/<variant>/}, its generator average loaded (checked) into a fresh generator and
 * saved as {@code models/generator-<variant>-0000.params}, packaged by {@link ModelPackager} as
 * {@code generator-<variant>.zip} ({@link ImageGanGeneratorFactory}, {@link
 * GeneratorTranslatorFactory} with normal latents and the tanh range), then loaded back through
 * {@code Criteria} on every engine available and compared with the trainer's own samples.
 */
final class GeneratorPackage {

    private static final int PROBE = 16;

    private GeneratorPackage() {}

    /**
     * What loading the package found.
     *
     * @param zip the package
     * @param maxAbsDiff per engine: the largest |Criteria output − trainer sample| on 16 latents
     * @param imagesOk whether the translator gave 16 images of 28 × 28 on the training engine
     */
    record Check(Path zip, Map<String, Double> maxAbsDiff, boolean imagesOk) {

        String describe() {
            return maxAbsDiff.entrySet().stream()
                            .map(
                                    e ->
                                            String.format(
                                                    Locale.ROOT,
                                                    "%s max|Δ| %.1e",
                                                    e.getKey(),
                                                    e.getValue()))
                            .collect(Collectors.joining(", "))
                    + (imagesOk ? ", 16 images of 28×28" : ", wrong images");
        }
    }

    static Check saveAndPackage(
            GanTrainer gan, ImageGanVariant variant, Path out, ImageGanEval eval, Engine engine)
            throws IOException {
        Path checkpoint = out.resolve("checkpoints").resolve(variant.fileId());
        gan.save(checkpoint, "image-gan");
        Path source =
                newest(
                        checkpoint,
                        gan.getEmaDecay() > 0
                                ? "image-gan-generator-ema-"
                                : "image-gan-generator-");
        String name = "generator-" + variant.fileId();
        Path models = out.resolve("models");
        try (Model model = Model.newInstance(name, engine.getEngineName())) {
            Block block = variant.generator();
            try (InputStream is = Files.newInputStream(source)) {
                Checkpoints.load(block, model.getNDManager(), is);
            } catch (MalformedModelException e) {
                throw new IOException("cannot read the generator average " + source, e);
            }
            model.setBlock(block);
            model.save(models, name);
        }
        Path zip =
                ModelPackager.builder()
                        .setModelDir(models)
                        .optModelName(name)
                        .optEpoch(0)
                        .setBlockFactory(new ImageGanGeneratorFactory())
                        .setTranslatorFactory(new GeneratorTranslatorFactory())
                        .optArgument("generator", variant.generatorKind().id())
                        .optArgument("latentSize", ImageGanNetworks.LATENT)
                        .optArgument("latent", GeneratorTranslator.Latent.NORMAL.argument())
                        .optArgument("outputLow", -1)
                        .optArgument("outputHigh", 1)
                        .optArgument("width", FashionMnistData.SIDE)
                        .optArgument("height", FashionMnistData.SIDE)
                        .optDescription(
                                "The "
                                        + variant.id()
                                        + " generator of djl-gan-blocks' image-gan example"
                                        + " (Fashion-MNIST): latent (N, 128) ~ N(0, I) → images"
                                        + " (N, 1, 28, 28) in [−1, 1]; its class"
                                        + " `io.github.djlgan.examples.imagegan"
                                        + ".ImageGanGeneratorFactory` is in"
                                        + " djl-gan-examples.jar.")
                        .optExample(
                                GeneratorInput.class,
                                Image[].class,
                                "Image[] images = predictor.predict(GeneratorInput.of(16, 42));")
                        .optEngine(engine.getEngineName())
                        .build()
                        .writeZip(out.resolve(name + ".zip"));
        return check(zip, gan, eval, engine);
    }

    /** Loads the zip through Criteria on every engine and compares with the trainer's samples. */
    private static Check check(Path zip, GanTrainer gan, ImageGanEval eval, Engine engine)
            throws IOException {
        Map<String, Double> diffs = new LinkedHashMap<>();
        float[] expected;
        try (NDManager s = engine.newBaseManager()) {
            expected = gan.sample(new NDList(eval.latents(s, PROBE))).toFloatArray();
        }
        for (String name : List.of("PyTorch", "MXNet")) {
            if (!Engine.getAllEngines().contains(name)) {
                continue;
            }
            Path unpacked = unpackedCopy(zip);
            deleteTree(unpacked); // a copy of an earlier zip at this path would be reused
            Criteria<NDList, NDList> criteria =
                    Criteria.builder()
                            .setTypes(NDList.class, NDList.class)
                            .optModelPath(zip)
                            .optEngine(name)
                            .build();
            try (ZooModel<NDList, NDList> model = criteria.loadModel();
                    Predictor<NDList, NDList> predictor = model.newPredictor();
                    NDManager s = model.getNDManager().newSubManager()) {
                float[] got =
                        predictor.predict(new NDList(eval.latents(s, PROBE))).head().toFloatArray();
                double max = 0;
                for (int i = 0; i < got.length; i++) {
                    max = Math.max(max, Math.abs(got[i] - expected[i]));
                }
                diffs.put(name, got.length == expected.length ? max : Double.NaN);
            } catch (ModelNotFoundException | MalformedModelException | TranslateException e) {
                throw new IOException("cannot load " + zip + " on " + name, e);
            } finally {
                deleteTree(unpacked);
            }
        }
        return new Check(zip, diffs, imagesOk(zip, engine.getEngineName()));
    }

    /** Seed → images through Criteria with the translator's arguments from serving.properties. */
    private static boolean imagesOk(Path zip, String engine) throws IOException {
        Path unpacked = unpackedCopy(zip);
        deleteTree(unpacked);
        Criteria<GeneratorInput, Image[]> criteria =
                Criteria.builder()
                        .setTypes(GeneratorInput.class, Image[].class)
                        .optModelPath(zip)
                        .optEngine(engine)
                        .optTranslatorFactory(new GeneratorTranslatorFactory())
                        .build();
        try (ZooModel<GeneratorInput, Image[]> model = criteria.loadModel();
                Predictor<GeneratorInput, Image[]> p = model.newPredictor()) {
            Image[] images = p.predict(GeneratorInput.of(PROBE, 42));
            boolean ok = images.length == PROBE;
            for (Image image : images) {
                ok &=
                        image.getWidth() == FashionMnistData.SIDE
                                && image.getHeight() == FashionMnistData.SIDE;
            }
            return ok;
        } catch (ModelNotFoundException | MalformedModelException | TranslateException e) {
            throw new IOException("cannot load " + zip + " with its translator on " + engine, e);
        } finally {
            deleteTree(unpacked);
        }
    }

    /** The newest {@code <prefix><step>.params} of a checkpoint directory. */
    private static Path newest(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(
                            f -> {
                                String n = f.getFileName().toString();
                                return n.startsWith(prefix)
                                        && n.endsWith(".params")
                                        && n.substring(prefix.length(), n.length() - 7)
                                                .matches("\\d+");
                            })
                    .max(
                            Comparator.comparingLong(
                                    f -> {
                                        String n = f.getFileName().toString();
                                        return Long.parseLong(
                                                n.substring(prefix.length(), n.length() - 7));
                                    }))
                    .orElseThrow(() -> new IOException("no " + prefix + "*.params in " + dir));
        }
    }

    /** Where DJL unpacks a zip given to {@code Criteria.optModelPath} (its SimpleRepository). */
    private static Path unpackedCopy(Path zip) {
        String uri = zip.toAbsolutePath().toUri().toString();
        return Utils.getCacheDir()
                .resolve("cache/repo/model/undefined/ai/djl/localmodelzoo")
                .resolve(Utils.hash(uri));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
