package io.github.djlgan.training;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.TrainingConfig;
import ai.djl.util.Pair;
import io.github.djlgan.zoo.Checkpoints;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of a {@link GanTrainer} checkpoint and their all-or-nothing loading.
 *
 * <p>A checkpoint at step S of name n is {@code n-generator-S.params}, {@code
 * n-discriminator-S.params} (DJL's {@code Model.save} format), {@code n-generator-ema-S.params}
 * when the generator's moving average is on (the generator's file format with the averaged values),
 * and {@code n-trainer-S.state}, written last: the options the trainer was built with, the
 * counters, the states of the training latent stream and of {@link GanTrainer#sample(NDManager,
 * int)}'s stream (from version 2 on; a version 1 file leaves the sampling stream as it is) and the
 * stateful optimizers' state. S has at least four digits. Loading takes the newest state file and
 * reads the parameter files through {@link Checkpoints}, which checks every shape.
 */
final class GanCheckpoint {

    private static final String MAGIC = "DJLGAN-CHECKPOINT";
    private static final int VERSION = 2;
    private static final String NAME = "GanTrainer";

    private GanCheckpoint() {}

    static void save(GanTrainer trainer, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        long step = trainer.getSteps();
        saveModel(trainer.getGenerator(), dir, name + "-generator", step);
        saveModel(trainer.getDiscriminator(), dir, name + "-discriminator", step);
        GeneratorEma ema = trainer.ema();
        if (ema != null) {
            saveAverages(trainer.getGenerator(), ema, dir, name + "-generator-ema", step);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream os = new DataOutputStream(bytes)) {
            os.writeUTF(MAGIC);
            os.writeInt(VERSION);
            os.writeUTF(trainer.describeOptions());
            os.writeLong(trainer.getSteps());
            os.writeLong(trainer.getGeneratorUpdates());
            writeLatentState(os, trainer.getLatent());
            writeLatentState(os, trainer.samplingLatent());
            writeOptimizer(os, trainer.discriminatorConfig(), trainer.getDiscriminator());
            writeOptimizer(os, trainer.generatorConfig(), trainer.getGenerator());
        }
        Files.write(file(dir, name, "trainer", step, "state"), bytes.toByteArray());
    }

    static void load(GanTrainer trainer, Path dir, String name)
            throws IOException, MalformedModelException {
        long step = newestStep(dir, name);
        Path stateFile = file(dir, name, "trainer", step, "state");
        DataInputStream state =
                new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(stateFile)));
        long steps;
        long generatorUpdates;
        long[] latentState;
        long[] samplingState = null;
        byte[] dOptimizer;
        byte[] gOptimizer;
        try {
            int version = MAGIC.equals(state.readUTF()) ? state.readInt() : -1;
            if (version < 1 || version > VERSION) {
                throw new MalformedModelException(
                        NAME
                                + ": "
                                + stateFile
                                + " is not a GanTrainer checkpoint of version 1 to "
                                + VERSION);
            }
            String options = state.readUTF();
            if (!options.equals(trainer.describeOptions())) {
                throw new MalformedModelException(
                        NAME
                                + ": the checkpoint was written with "
                                + options
                                + "; this trainer has "
                                + trainer.describeOptions());
            }
            steps = state.readLong();
            generatorUpdates = state.readLong();
            latentState = readLatentState(state, stateFile);
            if (version >= 2) {
                samplingState = readLatentState(state, stateFile);
            }
            dOptimizer = readBlob(state, stateFile);
            gOptimizer = readBlob(state, stateFile);
        } catch (EOFException e) {
            throw new MalformedModelException(NAME + ": " + stateFile + " is truncated", e);
        }

        Model g = trainer.getGenerator();
        Model d = trainer.getDiscriminator();
        GeneratorEma ema = trainer.ema();
        Path emaFile = file(dir, name, "generator-ema", step, "params");
        if (ema == null && Files.exists(emaFile)) {
            throw new MalformedModelException(
                    NAME + ": the checkpoint has a generator average, this trainer has no EMA");
        }
        long[] latentBefore = trainer.getLatent().getState();
        long[] samplingBefore = trainer.samplingLatent().getState();
        byte[] dOptimizerBefore = optimizerState(trainer.discriminatorConfig(), d);
        byte[] gOptimizerBefore = optimizerState(trainer.generatorConfig(), g);
        boolean optimizersTouched = false;
        try (NDManager scope = g.getNDManager().newSubManager()) {
            List<Pair<Parameter, NDArray>> parameters = new ArrayList<>();
            snapshot(g.getBlock(), scope, parameters);
            snapshot(d.getBlock(), scope, parameters);
            List<Pair<NDArray, NDArray>> averages = new ArrayList<>();
            if (ema != null) {
                ema.averages().values().forEach(a -> averages.add(new Pair<>(a, copy(a, scope))));
            }
            try {
                if (ema != null) {
                    loadParameters(g, emaFile);
                    ema.averages().forEach((p, average) -> p.getArray().copyTo(average));
                }
                loadParameters(g, file(dir, name, "generator", step, "params"));
                loadParameters(d, file(dir, name, "discriminator", step, "params"));
                if (latentState != null) {
                    trainer.getLatent().setState(latentState);
                }
                if (samplingState != null) {
                    trainer.samplingLatent().setState(samplingState);
                }
                optimizersTouched = true;
                readOptimizer(
                        dOptimizer, trainer.discriminatorConfig(), d, stateFile, "discriminator");
                readOptimizer(gOptimizer, trainer.generatorConfig(), g, stateFile, "generator");
            } catch (IOException | MalformedModelException | RuntimeException e) {
                if (optimizersTouched) {
                    // the states taken above, of these very parameters: they fit
                    try {
                        readOptimizer(
                                dOptimizerBefore,
                                trainer.discriminatorConfig(),
                                d,
                                stateFile,
                                "discriminator");
                        readOptimizer(
                                gOptimizerBefore,
                                trainer.generatorConfig(),
                                g,
                                stateFile,
                                "generator");
                    } catch (MalformedModelException | RuntimeException restoring) {
                        e.addSuppressed(restoring);
                    }
                }
                // a successful Checkpoints.load gives a parameter a new array: copy the old
                // values into whichever array it holds now
                parameters.forEach(p -> p.getValue().copyTo(p.getKey().getArray()));
                averages.forEach(p -> p.getValue().copyTo(p.getKey()));
                if (latentBefore != null) {
                    trainer.getLatent().setState(latentBefore);
                }
                if (samplingBefore != null) {
                    trainer.samplingLatent().setState(samplingBefore);
                }
                throw e;
            }
        }
        trainer.restoreCounters(steps, generatorUpdates);
    }

    /** A latent stream's state: its length (-1 when the sampler has none), then the values. */
    private static void writeLatentState(DataOutputStream os, LatentSampler sampler)
            throws IOException {
        long[] values = sampler.getState();
        os.writeInt(values == null ? -1 : values.length);
        if (values != null) {
            for (long v : values) {
                os.writeLong(v);
            }
        }
    }

    private static long[] readLatentState(DataInputStream state, Path stateFile)
            throws IOException, MalformedModelException {
        int n = state.readInt();
        if (n < -1 || n > 64) {
            throw new MalformedModelException(NAME + ": corrupt latent state in " + stateFile);
        }
        long[] values = n < 0 ? null : new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = state.readLong();
        }
        return values;
    }

    private static void saveModel(Model model, Path dir, String prefix, long step)
            throws IOException {
        model.setProperty("Epoch", String.valueOf(step));
        model.save(dir, prefix);
    }

    /** Saves the generator with the averaged values, restoring its own values afterwards. */
    private static void saveAverages(
            Model generator, GeneratorEma ema, Path dir, String prefix, long step)
            throws IOException {
        try (NDManager scope = generator.getNDManager().newSubManager()) {
            Map<Parameter, NDArray> own = new LinkedHashMap<>();
            ema.averages().forEach((p, average) -> own.put(p, copy(p.getArray(), scope)));
            try {
                ema.averages().forEach((p, average) -> average.copyTo(p.getArray()));
                saveModel(generator, dir, prefix, step);
            } finally {
                own.forEach((p, value) -> value.copyTo(p.getArray()));
            }
        }
    }

    private static void loadParameters(Model model, Path file)
            throws IOException, MalformedModelException {
        if (!Files.exists(file)) {
            throw new FileNotFoundException(NAME + ": the checkpoint has no file " + file);
        }
        try (InputStream is = Files.newInputStream(file)) {
            Checkpoints.load(model.getBlock(), model.getNDManager(), is);
        } catch (MalformedModelException e) {
            throw new MalformedModelException(
                    NAME + ": " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static void snapshot(Block block, NDManager scope, List<Pair<Parameter, NDArray>> out) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.add(new Pair<>(p.getValue(), copy(p.getValue().getArray(), scope)));
        }
    }

    private static NDArray copy(NDArray array, NDManager scope) {
        NDArray copy = array.duplicate();
        copy.attach(scope);
        return copy;
    }

    private static void writeOptimizer(DataOutputStream os, TrainingConfig config, Model model)
            throws IOException {
        byte[] blob = optimizerState(config, model);
        if (blob == null) {
            os.writeInt(-1);
            return;
        }
        os.writeInt(blob.length);
        os.write(blob);
    }

    /**
     * The state of a model's optimizer for its trainable parameters, as {@link
     * StatefulOptimizer#saveState} writes it; {@code null} if the optimizer keeps none.
     */
    static byte[] optimizerState(TrainingConfig config, Model model) throws IOException {
        if (!(ClippedConfig.unwrap(config.getOptimizer()) instanceof StatefulOptimizer optimizer)) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream blob = new DataOutputStream(bytes)) {
            optimizer.saveState(blob, ids(model.getBlock()));
        }
        return bytes.toByteArray();
    }

    private static void readOptimizer(
            byte[] blob, TrainingConfig config, Model model, Path file, String network)
            throws MalformedModelException {
        if (blob != null
                && ClippedConfig.unwrap(config.getOptimizer())
                        instanceof StatefulOptimizer optimizer) {
            try {
                optimizer.loadState(
                        new DataInputStream(new ByteArrayInputStream(blob)),
                        ids(model.getBlock()),
                        model.getNDManager());
            } catch (IOException e) {
                throw new MalformedModelException(
                        NAME
                                + ": the "
                                + network
                                + " optimizer state in "
                                + file
                                + " does not fit: "
                                + e.getMessage(),
                        e);
            }
        }
    }

    private static byte[] readBlob(DataInputStream is, Path file)
            throws IOException, MalformedModelException {
        int length = is.readInt();
        if (length < -1 || length > is.available()) {
            throw new MalformedModelException(
                    NAME + ": corrupt optimizer state in " + file + " (" + length + " bytes)");
        }
        if (length < 0) {
            return null;
        }
        byte[] blob = new byte[length];
        is.readFully(blob);
        return blob;
    }

    /** Path in the network → Parameter id, for the trainable parameters. */
    private static Map<String, String> ids(Block block) {
        Map<String, String> ids = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                ids.put(p.getKey(), p.getValue().getId());
            }
        }
        return ids;
    }

    private static Path file(Path dir, String name, String part, long step, String extension) {
        return dir.resolve(
                String.format(Locale.ROOT, "%s-%s-%04d.%s", name, part, step, extension));
    }

    private static long newestStep(Path dir, String name) throws IOException {
        Pattern pattern = Pattern.compile(Pattern.quote(name) + "-trainer-(\\d{4,})\\.state");
        long newest = -1;
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    Matcher m = pattern.matcher(f.getFileName().toString());
                    if (m.matches()) {
                        newest = Math.max(newest, Long.parseLong(m.group(1)));
                    }
                }
            }
        }
        if (newest < 0) {
            throw new FileNotFoundException(
                    NAME + ": no checkpoint " + name + "-trainer-NNNN.state in " + dir);
        }
        return newest;
    }
}
