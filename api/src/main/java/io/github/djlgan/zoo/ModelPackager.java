package io.github.djlgan.zoo;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.TranslatorFactory;
import io.github.djlgan.util.BlockChecks;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Packages a trained {@link ImprovedGanMnist} generator or discriminator — a directory written by
 * {@code Model.save} — as a zip that plain DJL loads through {@code Criteria}.
 *
 * <p>The zip holds one folder named after the model:
 *
 * <pre>
 *   mnist-generator.zip
 *   └── mnist-generator/
 *       ├── mnist-generator-0002.params   the parameter file, copied unchanged
 *       ├── serving.properties            engine, blockFactory, translatorFactory, option.modelName,
 *       │                                 translator arguments
 *       └── README.md                     the Criteria code that loads it
 * </pre>
 *
 * <p>DJL reads {@code serving.properties} when it loads the model: {@code blockFactory} builds the
 * network (so {@code Criteria.optBlock} is not needed), {@code engine} is the engine used when
 * {@code Criteria.optEngine} is not given, and {@code option.modelName} names the parameter file
 * whatever the zip is renamed to. DJL chooses the translator before it reads the file, so the
 * {@code translatorFactory} entry only takes effect with {@code .optTranslatorFactory(new
 * DeferredTranslatorFactory())}; passing the factory itself ({@code .optTranslatorFactory(new
 * GeneratorTranslatorFactory())}) is the plain way. With types ({@code NDList}, {@code NDList}) no
 * translator factory is needed.
 *
 * <pre>{@code
 * Path zip = ModelPackager.builder()
 *         .setModelDir(Paths.get("build/model"))          // written by Model.save(dir, "mnist-generator")
 *         .setNetwork(ModelPackager.Network.GENERATOR)
 *         .build()
 *         .writeZip(Paths.get("mnist-generator.zip"));
 * }</pre>
 *
 * <p>The parameter file's header is checked before anything is written: it must be a DJL parameter
 * file whose input shape is that of the chosen network ((N, 100) for the generator, (N, 784) for
 * the discriminator).
 */
public final class ModelPackager {

    private static final String NAME = "ModelPackager";
    private static final Pattern PARAMS = Pattern.compile("(.+)-(\\d{4})\\.params");
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private static final String README =
            """
# %1$s

The %2$s of djl-gan-blocks (`io.github.djlgan.zoo.ImprovedGanMnist`) as a DJL model:
%3$s. Load it with `io.github.djlgan:djl-gan-api` and a DJL engine (PyTorch or MXNet)
on the class path:

```java
Criteria<%4$s, %5$s> criteria = Criteria.builder()
        .setTypes(%4$s.class, %5$s.class)
        .optModelPath(Paths.get("%6$s"))
        .optEngine("PyTorch")   // or "MXNet"
        .optTranslatorFactory(new %7$s())   // io.github.djlgan.zoo
        .build();
try (ZooModel<%4$s, %5$s> model = criteria.loadModel();
        Predictor<%4$s, %5$s> predictor = model.newPredictor()) {
    %8$s
}
```

- `serving.properties` names the block factory, so no block has to be given; it also
  holds the translator arguments, and its `engine` is used when the Criteria names none.
- DJL chooses the translator before it reads `serving.properties`: pass the factory as
  above, or `.optTranslatorFactory(new DeferredTranslatorFactory())` to use the one
  named there.
- Raw outputs: `.setTypes(NDList.class, NDList.class)` and no translator factory; the
  input is one (N, %9$d) float32 array.
- DJL unpacks the zip once per path into its cache (`~/.djl.ai/cache/repo/model/...`)
  and reuses that copy: after replacing the zip, delete the copy
  (`ZooModel.getModelPath()` shows it) or load the unzipped folder instead.
""";

    /** The networks that can be packaged. */
    public enum Network {
        /** {@link ImprovedGanMnist#generator()}: latent (N, 100) → images (N, 784). */
        GENERATOR(
                "improved-gan MNIST generator",
                "latent (N, 100) uniform on [0, 1) → images (N, 784) in (0, 1)",
                ImprovedGanMnist.LATENT,
                ImprovedGanGeneratorFactory.class,
                GeneratorTranslatorFactory.class,
                "GeneratorInput",
                "Image[]",
                "Image[] images = predictor.predict(GeneratorInput.of(16, 42)); // seed 42"),
        /** {@link ImprovedGanMnist#discriminator()}: images (N, 784) → logits (N, 10). */
        DISCRIMINATOR(
                "improved-gan MNIST discriminator (semi-supervised classifier)",
                "images (N, 784) in [0, 1] → class logits (N, 10)",
                ImprovedGanMnist.IMAGE,
                ImprovedGanDiscriminatorFactory.class,
                DiscriminatorTranslatorFactory.class,
                "Image",
                "Classifications",
                "Classifications c = predictor.predict(ImageFactory.getInstance().fromFile(png));");

        private final String description;
        private final String signature;
        private final long inputSize;
        private final Class<? extends BlockFactory> blockFactory;
        private final Class<? extends TranslatorFactory> translatorFactory;
        private final String inputType;
        private final String outputType;
        private final String exampleCall;

        Network(
                String description,
                String signature,
                long inputSize,
                Class<? extends BlockFactory> blockFactory,
                Class<? extends TranslatorFactory> translatorFactory,
                String inputType,
                String outputType,
                String exampleCall) {
            this.description = description;
            this.signature = signature;
            this.inputSize = inputSize;
            this.blockFactory = blockFactory;
            this.translatorFactory = translatorFactory;
            this.inputType = inputType;
            this.outputType = outputType;
            this.exampleCall = exampleCall;
        }

        /**
         * Returns the block factory written to {@code serving.properties}.
         *
         * @return the block factory class
         */
        public Class<? extends BlockFactory> getBlockFactory() {
            return blockFactory;
        }

        /**
         * Returns the translator factory written to {@code serving.properties}.
         *
         * @return the translator factory class
         */
        public Class<? extends TranslatorFactory> getTranslatorFactory() {
            return translatorFactory;
        }

        /**
         * Returns the number of input features per sample (100 or 784).
         *
         * @return the size of the last input axis
         */
        public long getInputSize() {
            return inputSize;
        }

        private Map<String, String> translatorArguments() {
            Map<String, String> arguments = new TreeMap<>();
            if (this == GENERATOR) {
                arguments.put("latentSize", Long.toString(ImprovedGanMnist.LATENT));
            }
            arguments.put("width", "28");
            arguments.put("height", "28");
            return arguments;
        }
    }

    private final Path modelDir;
    private final Network network;
    private final String modelName;
    private final Integer epoch;
    private final String engine;

    private ModelPackager(Builder builder) {
        modelDir = builder.modelDir;
        network = builder.network;
        modelName = builder.modelName;
        epoch = builder.epoch;
        engine = builder.engine;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Writes the zip (replacing an existing file) after checking the parameter file.
     *
     * @param zip the zip file to write; its parent directories are created
     * @return {@code zip}
     * @throws IOException if the model directory cannot be read or the zip cannot be written
     * @throws IllegalArgumentException if the directory holds no parameter file for the model name,
     *     several model names and no name was given, or a parameter file of another network
     */
    public Path writeZip(Path zip) throws IOException {
        Path params = findParamsFile();
        checkHeader(params);
        String name = modelNameOf(params);
        Path parent = zip.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(zip));
                ZipOutputStream zos = new ZipOutputStream(os)) {
            zos.putNextEntry(new ZipEntry(name + "/"));
            zos.closeEntry();
            zos.putNextEntry(new ZipEntry(name + "/" + params.getFileName()));
            Files.copy(params, zos);
            zos.closeEntry();
            zos.putNextEntry(new ZipEntry(name + "/serving.properties"));
            zos.write(servingProperties(name).getBytes(StandardCharsets.UTF_8));
            zos.closeEntry();
            zos.putNextEntry(new ZipEntry(name + "/README.md"));
            zos.write(readme(name, zip.getFileName().toString()).getBytes(StandardCharsets.UTF_8));
            zos.closeEntry();
        }
        return zip;
    }

    /**
     * Returns the text of {@code serving.properties} for a model name.
     *
     * @param name the model name (the prefix of the parameter file)
     * @return the file's text
     */
    public String servingProperties(String name) {
        StringBuilder sb = new StringBuilder(400);
        sb.append("# ")
                .append(network.description)
                .append(", packaged by djl-gan-blocks' ModelPackager\n");
        if (engine != null) {
            sb.append("engine=").append(engine).append('\n');
        }
        sb.append("blockFactory=").append(network.blockFactory.getName()).append('\n');
        sb.append("translatorFactory=").append(network.translatorFactory.getName()).append('\n');
        sb.append("option.modelName=").append(name).append('\n');
        for (Map.Entry<String, String> e : network.translatorArguments().entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Returns the text of the zip's {@code README.md}: what the model is and the Criteria code that
     * loads it.
     *
     * @param name the model name
     * @param zipName the zip's file name
     * @return the file's text
     */
    public String readme(String name, String zipName) {
        return README.formatted(
                name,
                network.description,
                network.signature,
                network.inputType,
                network.outputType,
                zipName,
                network.translatorFactory.getSimpleName(),
                network.exampleCall,
                network.inputSize);
    }

    /**
     * Returns the model name: the one given to the builder, or the only one in the directory.
     *
     * @return the model name, the prefix of the parameter file
     * @throws IOException if the directory cannot be listed
     * @throws IllegalArgumentException as {@link #findParamsFile()}, or if the name holds other
     *     characters than letters, digits, '.', '_' and '-'
     */
    public String modelName() throws IOException {
        return modelNameOf(findParamsFile());
    }

    /**
     * Returns the parameter file that will be packaged: {@code <name>-<epoch>.params} in the model
     * directory, the latest epoch unless one was given.
     *
     * @return the parameter file
     * @throws IOException if the directory cannot be listed
     * @throws IllegalArgumentException if there is no such file, or several model names and none
     *     was given
     */
    public Path findParamsFile() throws IOException {
        BlockChecks.checkArgument(
                Files.isDirectory(modelDir), NAME, "model directory %s does not exist", modelDir);
        TreeMap<String, TreeSet<Integer>> found = new TreeMap<>();
        try (Stream<Path> files = Files.list(modelDir)) {
            for (Path file : files.collect(Collectors.toList())) {
                Matcher m = PARAMS.matcher(file.getFileName().toString());
                if (m.matches() && Files.isRegularFile(file)) {
                    found.computeIfAbsent(m.group(1), k -> new TreeSet<>())
                            .add(Integer.parseInt(m.group(2)));
                }
            }
        }
        BlockChecks.checkArgument(
                !found.isEmpty(),
                NAME,
                "no parameter file (<name>-<epoch>.params, as written by Model.save) in %s",
                modelDir);
        String name = modelName;
        if (name == null) {
            BlockChecks.checkArgument(
                    found.size() == 1,
                    NAME,
                    "%s holds several models %s; choose one with optModelName",
                    modelDir,
                    found.keySet());
            name = found.firstKey();
        }
        TreeSet<Integer> epochs = found.get(name);
        BlockChecks.checkArgument(
                epochs != null,
                NAME,
                "no parameter file of model %s in %s; models found: %s",
                name,
                modelDir,
                found.keySet());
        int chosen = epoch != null ? epoch : epochs.last();
        BlockChecks.checkArgument(
                epochs.contains(chosen),
                NAME,
                "model %s has no epoch %d in %s; epochs found: %s",
                name,
                chosen,
                modelDir,
                epochs);
        return modelDir.resolve(String.format(Locale.ROOT, "%s-%04d.params", name, chosen));
    }

    private static String modelNameOf(Path params) {
        Matcher m = PARAMS.matcher(params.getFileName().toString());
        if (!m.matches()) {
            throw new AssertionError(params);
        }
        String name = m.group(1);
        BlockChecks.checkArgument(
                MODEL_NAME.matcher(name).matches(),
                NAME,
                "model name %s must consist of letters, digits, '.', '_' and '-'",
                name);
        return name;
    }

    /** Reads the header DJL's {@code BaseModel.save} writes and checks the input shape. */
    private void checkHeader(Path params) throws IOException {
        List<Shape> inputs = new ArrayList<>();
        try (DataInputStream dis =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(params)))) {
            byte[] magic = new byte[4];
            dis.readFully(magic);
            BlockChecks.checkArgument(
                    "DJL@".equals(new String(magic, StandardCharsets.US_ASCII)),
                    NAME,
                    "%s is not a DJL parameter file",
                    params);
            int version = dis.readInt();
            BlockChecks.checkArgument(
                    version == 1,
                    NAME,
                    "%s has parameter file version %d, expected 1",
                    params,
                    version);
            dis.readUTF(); // model name
            dis.readUTF(); // data type
            int count = dis.readInt();
            for (int i = 0; i < count; i++) {
                dis.readUTF(); // input name
                inputs.add(Shape.decode(dis));
            }
        }
        boolean ok =
                inputs.size() == 1
                        && inputs.get(0).dimension() == 2
                        && inputs.get(0).get(1) == network.inputSize;
        BlockChecks.checkArgument(
                ok,
                NAME,
                "%s has inputs %s, but the %s takes one input (N, %d)",
                params.getFileName(),
                inputs,
                network.description,
                network.inputSize);
    }

    /** The builder of {@link ModelPackager}. */
    public static final class Builder {

        private Path modelDir;
        private Network network;
        private String modelName;
        private Integer epoch;
        private String engine = "PyTorch";

        Builder() {}

        /**
         * Sets the model directory, as written by {@code Model.save(dir, name)} (required).
         *
         * @param modelDir the directory holding {@code <name>-<epoch>.params}
         * @return this builder
         */
        public Builder setModelDir(Path modelDir) {
            this.modelDir = modelDir;
            return this;
        }

        /**
         * Sets which network the parameters belong to (required).
         *
         * @param network the network
         * @return this builder
         */
        public Builder setNetwork(Network network) {
            this.network = network;
            return this;
        }

        /**
         * Sets the model name, the prefix of the parameter file (default: the only one in the
         * directory).
         *
         * @param modelName the model name
         * @return this builder
         */
        public Builder optModelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        /**
         * Sets the epoch of the parameter file (default: the latest).
         *
         * @param epoch the epoch, as in {@code <name>-<epoch>.params}
         * @return this builder
         */
        public Builder optEpoch(int epoch) {
            this.epoch = epoch;
            return this;
        }

        /**
         * Sets the engine written to {@code serving.properties}, used when {@code Criteria} names
         * none (default "PyTorch"; {@code null} writes no engine, and DJL's default engine is
         * used).
         *
         * @param engine the engine name, e.g. "PyTorch" or "MXNet", or {@code null}
         * @return this builder
         */
        public Builder optEngine(String engine) {
            this.engine = engine;
            return this;
        }

        /**
         * Builds the packager.
         *
         * @return a new packager
         * @throws IllegalArgumentException if the model directory or the network is missing
         */
        public ModelPackager build() {
            BlockChecks.checkArgument(modelDir != null, NAME, "the model directory is required");
            BlockChecks.checkArgument(network != null, NAME, "the network is required");
            return new ModelPackager(this);
        }
    }
}
