package io.github.djlgan.zoo;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import io.github.djlgan.util.BlockChecks;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Packages a trained network — a directory written by {@code Model.save} — as a zip that plain DJL
 * loads through {@code Criteria}, for any network: the network comes from a {@link BlockFactory},
 * the pre- and post-processing from a {@link TranslatorFactory}, and their arguments are written to
 * {@code serving.properties}.
 *
 * <p>The zip holds one folder named after the model:
 *
 * <pre>
 *   my-gan.zip
 *   └── my-gan/
 *       ├── my-gan-0002.params   the parameter file, copied unchanged
 *       ├── serving.properties   engine, blockFactory, translatorFactory, option.modelName,
 *       │                        the arguments
 *       └── README.md            what the model is and the Criteria code that loads it
 * </pre>
 *
 * <p>DJL reads {@code serving.properties} when it loads the model: {@code blockFactory} names the
 * factory DJL instantiates (by its public no-argument constructor) to build the network, so {@code
 * Criteria.optBlock} is not needed; the arguments reach the factory and the translator; {@code
 * engine} is the engine used when {@code Criteria.optEngine} is not given; {@code option.modelName}
 * names the parameter file whatever the zip is renamed to. DJL chooses the translator before it
 * reads the file, so the {@code translatorFactory} entry only takes effect with {@code
 * .optTranslatorFactory(new DeferredTranslatorFactory())}; passing the factory itself is the plain
 * way. With types ({@code NDList}, {@code NDList}) no translator factory is needed.
 *
 * <pre>{@code
 * Path zip = ModelPackager.builder()
 *         .setModelDir(Paths.get("build/model"))          // written by Model.save(dir, "my-gan")
 *         .setBlockFactory(new MyGeneratorFactory())
 *         .setTranslatorFactory(new GeneratorTranslatorFactory())
 *         .optArgument("latentSize", 128)
 *         .optArgument("width", 28)
 *         .optArgument("height", 28)
 *         .optExample(GeneratorInput.class, Image[].class,
 *                 "Image[] images = predictor.predict(GeneratorInput.of(16, 42));")
 *         .build()
 *         .writeZip(Paths.get("my-gan.zip"));
 * }</pre>
 *
 * <p>Before anything is written, the parameter file's header is read ({@link ParamsHeader}) and the
 * file is loaded, checked and all or nothing ({@link Checkpoints}), into a network the block
 * factory builds with the arguments, on the engine named for {@code serving.properties} if it is
 * available (otherwise DJL's default engine): a file of another network is refused. The README is
 * made from the template {@code model-readme.md} next to this class.
 */
public final class ModelPackager {

    private static final String NAME = "ModelPackager";
    private static final Pattern PARAMS = Pattern.compile("(.+)-(\\d{4})\\.params");

    /** Files that {@code Model.save} writes for epochs above 9999, which DJL does not find. */
    private static final Pattern LONG_EPOCH = Pattern.compile("(.+)-(\\d{5,})\\.params");

    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");
    private static final Set<String> RESERVED =
            Set.of("engine", "blockFactory", "translatorFactory");
    private static final String TEMPLATE = "model-readme.md";

    private final Path modelDir;
    private final BlockFactory blockFactory;
    private final TranslatorFactory translatorFactory;
    private final Map<String, String> arguments;
    private final String description;
    private final Class<?> exampleInput;
    private final Class<?> exampleOutput;
    private final String exampleCall;
    private final String modelName;
    private final Integer epoch;
    private final String engine;

    private ModelPackager(Builder builder) {
        modelDir = builder.modelDir;
        blockFactory = builder.blockFactory;
        translatorFactory = builder.translatorFactory;
        arguments = Collections.unmodifiableMap(new TreeMap<>(builder.arguments));
        description = builder.description;
        exampleInput = builder.exampleInput;
        exampleOutput = builder.exampleOutput;
        exampleCall = builder.exampleCall;
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
     *     several model names and no name was given, or a parameter file that does not fit the
     *     block factory's network
     */
    public Path writeZip(Path zip) throws IOException {
        Path params = findParamsFile();
        String name = modelNameOf(params);
        ParamsHeader header = check(params);
        String readme = readme(name, zip.getFileName().toString(), header);
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
            zos.write(readme.getBytes(StandardCharsets.UTF_8));
            zos.closeEntry();
        }
        return zip;
    }

    /**
     * Returns the text of {@code serving.properties} for a model name: a comment with the
     * description, {@code engine} (if set), {@code blockFactory}, {@code translatorFactory}, {@code
     * option.modelName} and the arguments in key order.
     *
     * @param name the model name (the prefix of the parameter file)
     * @return the file's text
     */
    public String servingProperties(String name) {
        StringBuilder sb = new StringBuilder(400);
        sb.append("# ")
                .append(description.replaceAll("\\s+", " "))
                .append(" Packaged by djl-gan-blocks' ModelPackager.\n");
        if (engine != null) {
            sb.append("engine=").append(engine).append('\n');
        }
        sb.append("blockFactory=").append(blockFactory.getClass().getName()).append('\n');
        sb.append("translatorFactory=").append(translatorFactory.getClass().getName()).append('\n');
        sb.append("option.modelName=").append(name).append('\n');
        for (Map.Entry<String, String> e : arguments.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Returns the text of the zip's {@code README.md}: what the model is, its input, and the
     * Criteria code that loads it. Reads the parameter file's header for the input.
     *
     * @param zipName the zip's file name, as the README's code names it
     * @return the file's text
     * @throws IOException if the parameter file cannot be found or read
     * @throws IllegalArgumentException as {@link #findParamsFile()}, or if the file is not a DJL
     *     parameter file
     */
    public String readme(String zipName) throws IOException {
        Path params = findParamsFile();
        return readme(modelNameOf(params), zipName, header(params));
    }

    private String readme(String name, String zipName, ParamsHeader header) {
        String template;
        try (InputStream is = ModelPackager.class.getResourceAsStream(TEMPLATE)) {
            if (is == null) {
                throw new IllegalStateException(
                        NAME + ": the resource " + TEMPLATE + " is missing");
            }
            template = new String(is.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Class<?> factory = translatorFactory.getClass();
        return template.replace("{{name}}", name)
                .replace("{{description}}", description)
                .replace("{{blockFactory}}", blockFactory.getClass().getName())
                .replace("{{input}}", exampleInput.getSimpleName())
                .replace("{{output}}", exampleOutput.getSimpleName())
                .replace("{{zip}}", zipName)
                .replace("{{translatorFactory}}", factory.getSimpleName())
                .replace("{{translatorPackage}}", factory.getPackageName())
                .replace("{{call}}", exampleCall)
                .replace("{{inputs}}", describeInputs(header));
    }

    /** "one (N, 100) float32 array", the batch axis shown as N. */
    private static String describeInputs(ParamsHeader header) {
        List<String> shapes = new ArrayList<>();
        for (Shape s : header.getInputShapes()) {
            shapes.add(s.dimension() == 0 ? "()" : new Shape(s.slice(1).getShape()).toString());
        }
        String type = header.getDataType().toString().toLowerCase(Locale.ROOT);
        List<String> described =
                shapes.stream()
                        .map(s -> s.equals("()") ? "a scalar" : "(N" + tail(s) + ")")
                        .collect(Collectors.toList());
        if (described.size() == 1) {
            return "one " + described.get(0) + " " + type + " array";
        }
        return described.size() + " " + type + " arrays: " + String.join(", ", described);
    }

    /** ", 1, 28, 28" from "(1, 28, 28)"; "" from "()". */
    private static String tail(String shape) {
        String inner = shape.substring(1, shape.length() - 1);
        return inner.isEmpty() ? "" : ", " + inner;
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
     * directory, the latest epoch unless one was given. The epoch has four digits (0 to 9999): DJL
     * finds a model's newest parameter file by that pattern ({@code Utils.getCurrentEpoch}). When
     * the model also has files that {@code Model.save} wrote for larger epochs (e.g. {@code
     * GanTrainer} checkpoints at step 10000 or later), its latest epoch is not among the four-digit
     * ones, so it is refused with their names unless an epoch is given.
     *
     * @return the parameter file
     * @throws IOException if the directory cannot be listed
     * @throws IllegalArgumentException if there is no such file, or several model names and none
     *     was given, or the model has files of epochs above 9999 and no epoch was given, or the
     *     epoch given is not 0 to 9999
     */
    public Path findParamsFile() throws IOException {
        BlockChecks.checkArgument(
                Files.isDirectory(modelDir), NAME, "model directory %s does not exist", modelDir);
        BlockChecks.checkArgument(
                epoch == null || (epoch >= 0 && epoch <= 9999),
                NAME,
                "the epoch must be 0 to 9999 (DJL finds <name>-<four digits>.params), got %d",
                epoch);
        TreeMap<String, TreeSet<Integer>> found = new TreeMap<>();
        TreeMap<String, TreeSet<String>> longEpochs = new TreeMap<>();
        try (Stream<Path> files = Files.list(modelDir)) {
            for (Path file : files.collect(Collectors.toList())) {
                String fileName = file.getFileName().toString();
                Matcher m = PARAMS.matcher(fileName);
                if (m.matches() && Files.isRegularFile(file)) {
                    found.computeIfAbsent(m.group(1), k -> new TreeSet<>())
                            .add(Integer.parseInt(m.group(2)));
                } else if (m.usePattern(LONG_EPOCH).matches() && Files.isRegularFile(file)) {
                    longEpochs.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(fileName);
                }
            }
        }
        TreeSet<String> names = new TreeSet<>(found.keySet());
        names.addAll(longEpochs.keySet());
        BlockChecks.checkArgument(
                !names.isEmpty(),
                NAME,
                "no parameter file (<name>-<epoch>.params, as written by Model.save) in %s",
                modelDir);
        String name = modelName;
        if (name == null) {
            BlockChecks.checkArgument(
                    names.size() == 1,
                    NAME,
                    "%s holds several models %s; choose one with optModelName",
                    modelDir,
                    names);
            name = names.first();
        }
        BlockChecks.checkArgument(
                names.contains(name),
                NAME,
                "no parameter file of model %s in %s; models found: %s",
                name,
                modelDir,
                names);
        BlockChecks.checkArgument(
                epoch != null || !longEpochs.containsKey(name),
                NAME,
                "model %s has parameter files with epochs above 9999 in %s, which DJL does not"
                    + " find: %s; save the model again with a smaller epoch, or choose one of 0 to"
                    + " 9999 with optEpoch",
                name,
                modelDir,
                longEpochs.get(name));
        TreeSet<Integer> epochs = found.getOrDefault(name, new TreeSet<>());
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

    private static ParamsHeader header(Path params) throws IOException {
        try {
            return ParamsHeader.read(params);
        } catch (MalformedModelException e) {
            throw new IllegalArgumentException(NAME + ": " + e.getMessage(), e);
        }
    }

    /** Loads the file into the factory's network, checked; returns its header. */
    private ParamsHeader check(Path params) throws IOException {
        ParamsHeader header = header(params);
        String checkEngine =
                engine != null && Engine.getAllEngines().contains(engine)
                        ? engine
                        : Engine.getDefaultEngineName();
        String factory = blockFactory.getClass().getSimpleName();
        try (Model model = Model.newInstance(modelNameOf(params), checkEngine)) {
            Block block;
            try {
                block = blockFactory.newBlock(model, modelDir, arguments);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        NAME + ": " + factory + " cannot build its network: " + e.getMessage(), e);
            }
            try (InputStream is = Files.newInputStream(params)) {
                Checkpoints.load(block, model.getNDManager(), is);
            } catch (MalformedModelException e) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s: %s (inputs %s) does not fit the network of %s: %s",
                                NAME,
                                params.getFileName(),
                                header.getInputShapes(),
                                factory,
                                e.getMessage()),
                        e);
            }
        }
        return header;
    }

    /** The builder of {@link ModelPackager}. */
    public static final class Builder {

        private Path modelDir;
        private BlockFactory blockFactory;
        private TranslatorFactory translatorFactory;
        private final Map<String, String> arguments = new TreeMap<>();
        private String description;
        private Class<?> exampleInput;
        private Class<?> exampleOutput;
        private String exampleCall;
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
         * Sets the factory of the network (required). Its class is written to {@code
         * serving.properties}, so DJL must be able to create it by name: a public, non-anonymous
         * class with a public no-argument constructor; this instance builds the network the
         * parameter file is checked against.
         *
         * @param blockFactory the block factory
         * @return this builder
         */
        public Builder setBlockFactory(BlockFactory blockFactory) {
            this.blockFactory = blockFactory;
            return this;
        }

        /**
         * Sets the translator factory named in {@code serving.properties} and in the README's code
         * (required; the same conditions on its class as for the block factory).
         *
         * @param translatorFactory the translator factory
         * @return this builder
         */
        public Builder setTranslatorFactory(TranslatorFactory translatorFactory) {
            this.translatorFactory = translatorFactory;
            return this;
        }

        /**
         * Adds an argument for the block factory and the translator, written to {@code
         * serving.properties}.
         *
         * @param key the name: a letter, then letters, digits, '.', '_' or '-'; not {@code engine},
         *     {@code blockFactory}, {@code translatorFactory} or {@code option.*}
         * @param value the value ({@code toString()}, one line without backslashes)
         * @return this builder
         */
        public Builder optArgument(String key, Object value) {
            arguments.put(key, String.valueOf(value));
            return this;
        }

        /**
         * Adds arguments, as {@link #optArgument(String, Object)} does for each.
         *
         * @param arguments the arguments
         * @return this builder
         */
        public Builder optArguments(Map<String, ?> arguments) {
            arguments.forEach(this::optArgument);
            return this;
        }

        /**
         * Sets what the model is, the README's first paragraph (default: "A network built by" and
         * the block factory's name).
         *
         * @param description the text, Markdown
         * @return this builder
         */
        public Builder optDescription(String description) {
            this.description = description;
            return this;
        }

        /**
         * Sets the types and the call of the README's code (default: the translator factory's type
         * pair if it has only one, with the call {@code O output = predictor.predict(input);}).
         *
         * @param input the input type, supported by the translator factory
         * @param output the output type
         * @param call one line of Java using {@code predictor}
         * @return this builder
         */
        public Builder optExample(Class<?> input, Class<?> output, String call) {
            this.exampleInput = input;
            this.exampleOutput = output;
            this.exampleCall = call;
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
         * @param epoch the epoch, as in {@code <name>-<epoch>.params}: 0 to 9999 ({@link
         *     #findParamsFile()} refuses others)
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
         * @throws IllegalArgumentException if the model directory or a factory is missing, a
         *     factory cannot be created by name, an argument is malformed or reserved, or the
         *     example's types are not supported by the translator factory
         */
        public ModelPackager build() {
            BlockChecks.checkArgument(modelDir != null, NAME, "the model directory is required");
            BlockChecks.checkArgument(blockFactory != null, NAME, "the block factory is required");
            BlockChecks.checkArgument(
                    translatorFactory != null, NAME, "the translator factory is required");
            checkCreatableByName(blockFactory.getClass(), "block factory");
            checkCreatableByName(translatorFactory.getClass(), "translator factory");
            for (Map.Entry<String, String> e : arguments.entrySet()) {
                String key = e.getKey();
                BlockChecks.checkArgument(
                        KEY.matcher(key).matches()
                                && !RESERVED.contains(key)
                                && !key.startsWith("option."),
                        NAME,
                        "argument name %s must be a letter, then letters, digits, '.', '_' or"
                                + " '-', and not one of %s or option.*",
                        key,
                        new TreeSet<>(RESERVED));
                String value = e.getValue();
                BlockChecks.checkArgument(
                        value.equals(value.trim())
                                && value.indexOf('\n') < 0
                                && value.indexOf('\r') < 0
                                && value.indexOf('\\') < 0,
                        NAME,
                        "argument %s: the value must be one trimmed line without backslashes,"
                                + " got \"%s\"",
                        key,
                        value);
            }
            if (description == null) {
                description = "A network built by `" + blockFactory.getClass().getName() + "`.";
            }
            if (exampleInput == null) {
                Set<Pair<Type, Type>> types = translatorFactory.getSupportedTypes();
                BlockChecks.checkArgument(
                        types.size() == 1
                                && types.iterator().next().getKey() instanceof Class
                                && types.iterator().next().getValue() instanceof Class,
                        NAME,
                        "%s supports %d type pairs: choose the README's with optExample",
                        translatorFactory.getClass().getSimpleName(),
                        types.size());
                Pair<Type, Type> pair = types.iterator().next();
                exampleInput = (Class<?>) pair.getKey();
                exampleOutput = (Class<?>) pair.getValue();
                exampleCall = exampleOutput.getSimpleName() + " output = predictor.predict(input);";
            }
            BlockChecks.checkArgument(
                    translatorFactory.isSupported(exampleInput, exampleOutput),
                    NAME,
                    "%s does not support the example's types (%s, %s)",
                    translatorFactory.getClass().getSimpleName(),
                    exampleInput.getSimpleName(),
                    exampleOutput.getSimpleName());
            return new ModelPackager(this);
        }

        /** DJL creates the factories of serving.properties by name, with no arguments. */
        private static void checkCreatableByName(Class<?> type, String what) {
            boolean ok =
                    Modifier.isPublic(type.getModifiers())
                            && !Modifier.isAbstract(type.getModifiers())
                            && !type.isAnonymousClass()
                            && !type.isLocalClass()
                            && !type.isSynthetic()
                            && (type.getEnclosingClass() == null
                                    || Modifier.isStatic(type.getModifiers()));
            if (ok) {
                try {
                    ok = Modifier.isPublic(type.getConstructor().getModifiers());
                } catch (NoSuchMethodException e) {
                    ok = false;
                }
            }
            BlockChecks.checkArgument(
                    ok,
                    NAME,
                    "the %s %s cannot be named in serving.properties: DJL creates it by name, so"
                            + " it must be a public top-level or static class with a public"
                            + " no-argument constructor",
                    what,
                    type.getName());
        }
    }
}
