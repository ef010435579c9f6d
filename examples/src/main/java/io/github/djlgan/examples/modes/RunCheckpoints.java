package io.github.djlgan.examples.modes;

import ai.djl.MalformedModelException;
import io.github.djlgan.examples.report.Table;
import io.github.djlgan.training.GanTrainer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Where and how often a {@link ModeRun} saves itself, so that a run of hundreds of thousands of
 * iterations can be stopped and continued, or extended to more iterations, with the same result as
 * an uninterrupted run.
 *
 * <p>A checkpoint holds the {@link GanTrainer} checkpoint (both networks with the generator's
 * running statistics, the optimizers' moments, the step counters and the latent stream) and the
 * run's own state: the data stream's {@code java.util.Random}, its epoch permutation and position,
 * the curve so far, the last evaluation samples, the time spent and the evaluation options it was
 * saved under ({@link #evaluation}); and the curve so far once more as {@code curve.csv}, in the
 * columns of curves.csv ({@link ModeRun#CURVES_COLUMNS}), to read or plot while a run goes on.
 * Resumed on the same engine with the same evaluation options, the run continues bit for bit as if
 * it had not stopped. Layout: {@code <dir>/<data>-<variant>-seed-<seed>/<iteration, nine digits>/};
 * a checkpoint is written to a {@code .tmp} directory and renamed when complete, and the run's
 * older checkpoints are deleted after it, so only the newest complete one is kept — and, with
 * {@link #keepingEvery}, those at multiples of a longer period, from which a stretch of a run can
 * be replayed (copy one into the checkpoint directory of another output and resume there).
 *
 * <p>A checkpoint fits a run when the engine, protocol, data, variant, seed and every setting but
 * the number of iterations and the evaluation options are the same; resuming from one that does not
 * fit, or from one beyond the run's iterations, is refused, and so is a fresh run that would save
 * over a run's checkpoints.
 */
public final class RunCheckpoints {

    private static final int STATE_MAGIC_V1 = 0x4d430001; // "MC", version 1: no evaluation
    private static final int STATE_MAGIC = 0x4d430002; // version 2: the evaluation options

    /**
     * What version-1 states of pacgan runs are taken to have been evaluated with: the options'
     * values before the options existed (states written by a95c972–f9804d5, which had the options
     * but did not record them, may have used others).
     */
    private static final String PACGAN_EVALUATION_V1 =
            "generator batch-norm averages invstd, monitoring batches 0";

    private static final String STATE_FILE = "run.state";
    private static final String CURVE_FILE = "curve.csv";

    /**
     * In a run's directory: the period of the checkpoints kept when the run last saved one (absent
     * when it kept none).
     */
    private static final String KEEP_FILE = "keep-every";

    private static final String TRAINER_NAME = "run";
    private static final RunCheckpoints NONE = new RunCheckpoints(null, 0, 0, false);

    private final Path dir;
    private final int every;
    private final int keepEvery;
    private final boolean resume;

    private RunCheckpoints(Path dir, int every, int keepEvery, boolean resume) {
        this.dir = dir;
        this.every = every;
        this.keepEvery = keepEvery;
        this.resume = resume;
    }

    /**
     * No checkpoints: runs start from scratch and save nothing.
     *
     * @return the empty policy
     */
    public static RunCheckpoints none() {
        return NONE;
    }

    /**
     * Checkpoints in a directory.
     *
     * @param dir the directory, one subdirectory per run
     * @param every iterations between checkpoints (the last iteration is always saved); 0 saves
     *     none
     * @param resume whether a run continues from its newest checkpoint when there is one
     * @return the policy
     * @throws IllegalArgumentException if {@code every} is negative
     */
    public static RunCheckpoints in(Path dir, int every, boolean resume) {
        if (every < 0) {
            throw new IllegalArgumentException(
                    "RunCheckpoints: need every >= 0 iterations, got " + every);
        }
        return new RunCheckpoints(dir, every, 0, resume);
    }

    /**
     * This policy, but a checkpoint at a multiple of {@code keepEvery} iterations stays when newer
     * ones are saved (the newest is always kept; 0 keeps only the newest).
     *
     * @param keepEvery iterations between the checkpoints kept, a multiple of this policy's period;
     *     0 for none
     * @return the policy
     * @throws IllegalArgumentException if {@code keepEvery} is negative, or positive and not a
     *     multiple of the period, or positive on a policy that saves none
     */
    public RunCheckpoints keepingEvery(int keepEvery) {
        if (keepEvery < 0 || (keepEvery > 0 && (every == 0 || keepEvery % every != 0))) {
            throw new IllegalArgumentException(
                    every == 0 && keepEvery > 0
                            ? "RunCheckpoints: keeping checkpoints every "
                                    + keepEvery
                                    + " iterations needs checkpoints, but the period is 0"
                            : "RunCheckpoints: need keepEvery = 0 or a positive multiple of the"
                                    + " checkpoint period "
                                    + every
                                    + ", got "
                                    + keepEvery);
        }
        return new RunCheckpoints(dir, every, keepEvery, resume);
    }

    /**
     * Returns the directory of one run's checkpoints.
     *
     * @param mixture the data
     * @param variant the variant
     * @param seed the seed
     * @return the directory, or null for {@link #none()}
     */
    public Path runDir(GaussianMixture mixture, Variant variant, long seed) {
        return dir == null
                ? null
                : dir.resolve(mixture.name() + "-" + variant.id() + "-seed-" + seed);
    }

    /** Whether iteration t of a run of {@code iterations} is saved. */
    boolean due(int t, int iterations) {
        return dir != null && every > 0 && (t % every == 0 || t == iterations);
    }

    /**
     * What makes a checkpoint fit a run: everything that decides its course except the number of
     * iterations.
     */
    static String identity(
            String engine,
            Protocol protocol,
            GaussianMixture mixture,
            Variant variant,
            ModeRun.Settings s,
            long seed) {
        return String.format(
                        Locale.ROOT,
                        "engine %s, protocol %s, data %s, variant %s, seed %d, eval every %d, group"
                                + " size %d, kernels %d x %d, lr D %s, lr G %s",
                        engine,
                        protocol.id(),
                        mixture.name(),
                        variant.id(),
                        seed,
                        s.evalEvery(),
                        s.groupSize(),
                        s.kernels(),
                        s.kernelDim(),
                        Float.toString(s.learningRateD()),
                        Float.toString(s.learningRateG()))
                + batchNorm(protocol, variant, s);
    }

    private static final String BATCH_NORM_GROUPS = ", generator batch-norm groups ";

    /**
     * The options that change a run's evaluations but not its training (so not its identity): on
     * pacgan the generator's batch-norm averages and the monitoring pass; none on metz.
     */
    static String evaluation(Protocol protocol, ModeRun.Settings s) {
        return protocol == Protocol.METZ
                ? ""
                : String.format(
                        Locale.ROOT,
                        "generator batch-norm averages %s, monitoring batches %d",
                        s.invStdAverages() ? "invstd" : "stdev",
                        s.monitoringBatches());
    }

    /**
     * The generator's batch-norm groups when they are not 1; runs from before the groups existed
     * had one joint batch and no such part, so their checkpoints fit runs with {@code joint}.
     */
    private static String batchNorm(Protocol protocol, Variant variant, ModeRun.Settings s) {
        int groups = ModeRun.generatorBatchGroups(protocol, variant, s);
        return groups == 1 ? "" : BATCH_NORM_GROUPS + groups;
    }

    /**
     * A run's state besides the trainer's, as a checkpoint holds it.
     *
     * @param identity the run's {@link #identity}
     * @param evaluation the run's {@link #evaluation} options when it saved the state
     * @param iteration the iterations done
     * @param seconds the time spent on them
     * @param random the data stream's generator
     * @param order the data stream's permutation of the training set (empty without one)
     * @param position the next row of {@code order}
     * @param sofar the curve so far and the last evaluation samples (null before the first)
     */
    record State(
            String identity,
            String evaluation,
            int iteration,
            double seconds,
            Random random,
            int[] order,
            int position,
            ModeRun.Result sofar) {}

    /**
     * The newest complete checkpoint of a run when resuming, loaded into {@code gan}; null when not
     * resuming or when the run has none. A checkpoint whose evaluation options differ from {@code
     * evaluation} resumes (training is the same), and a line on standard error says from which
     * iteration on the curve's points are evaluated with the new options.
     *
     * @throws IllegalArgumentException if the checkpoint does not fit the run or lies beyond its
     *     iterations, or if a run that saves checkpoints but does not resume would replace the ones
     *     there
     */
    State resume(Path runDir, GanTrainer gan, String identity, String evaluation, int iterations) {
        List<Path> complete =
                runDir == null || !Files.isDirectory(runDir) ? List.of() : complete(runDir);
        if (!resume && every > 0 && !complete.isEmpty()) {
            throw new IllegalArgumentException(
                    "ModeRun: "
                            + runDir
                            + " holds a checkpoint of this run; resume it, or remove it to start"
                            + " afresh");
        }
        if (!resume) {
            return null;
        }
        if (complete.isEmpty()) {
            if (runDir != null) {
                System.err.println("ModeRun: no checkpoint in " + runDir + ": starting afresh");
            }
            return null;
        }
        Path newest = complete.get(complete.size() - 1);
        if (every > 0) {
            refuseToDeleteKept(runDir, complete.subList(0, complete.size() - 1));
        }
        try {
            State state = readState(newest.resolve(STATE_FILE));
            if (!state.identity().equals(identity)) {
                throw new IllegalArgumentException(
                        "ModeRun: the checkpoint in "
                                + newest
                                + " is of another run: expected "
                                + identity
                                + ", found "
                                + state.identity()
                                + (identity.startsWith(state.identity() + BATCH_NORM_GROUPS)
                                        ? " (a run with one joint batch-norm batch: resume it"
                                                + " with --generator-batch-norm joint)"
                                        : ""));
            }
            if (state.iteration() > iterations) {
                throw new IllegalArgumentException(
                        "ModeRun: the checkpoint in "
                                + newest
                                + " is at iteration "
                                + state.iteration()
                                + ", beyond the run's "
                                + iterations
                                + " iterations");
            }
            String before =
                    state.evaluation() != null
                            ? state.evaluation()
                            : evaluation.isEmpty() ? "" : PACGAN_EVALUATION_V1;
            if (!before.equals(evaluation)) {
                System.err.printf(
                        Locale.ROOT,
                        "ModeRun: %s was evaluated with %s up to iteration %d; the points after it"
                                + " are evaluated with %s%n",
                        newest,
                        before,
                        state.iteration(),
                        evaluation);
            }
            gan.load(newest, TRAINER_NAME);
            System.err.printf(
                    Locale.ROOT,
                    "ModeRun: resuming at iteration %d from %s%n",
                    state.iteration(),
                    newest);
            if (gan.getSteps() != state.iteration()) {
                throw new IllegalStateException(
                        "ModeRun: the checkpoint in "
                                + newest
                                + " holds a trainer at step "
                                + gan.getSteps()
                                + " and a run at iteration "
                                + state.iteration());
            }
            return state;
        } catch (IOException | MalformedModelException e) {
            throw new UncheckedIOException(
                    new IOException("ModeRun: cannot resume from " + newest + ": " + e, e));
        }
    }

    /**
     * Saves a checkpoint of the run at {@code state.iteration()}, with its curve so far as
     * curve.csv, and deletes the run's older ones, but for those at multiples of {@link
     * #keepingEvery}.
     */
    void save(Path runDir, GanTrainer gan, State state, Table curve) {
        Path target = runDir.resolve(String.format(Locale.ROOT, "%09d", state.iteration()));
        Path tmp = runDir.resolve(target.getFileName() + ".tmp");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            gan.save(tmp, TRAINER_NAME);
            writeState(tmp.resolve(STATE_FILE), state);
            Files.writeString(tmp.resolve(CURVE_FILE), curve.toCsv(), StandardCharsets.UTF_8);
            deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            if (keepEvery > 0) {
                Files.writeString(runDir.resolve(KEEP_FILE), Integer.toString(keepEvery));
            } else {
                Files.deleteIfExists(runDir.resolve(KEEP_FILE));
            }
            List<Path> older;
            try (Stream<Path> all = Files.list(runDir)) {
                older =
                        all.filter(p -> !p.equals(target) && !kept(p, keepEvery))
                                .filter(p -> !p.getFileName().toString().equals(KEEP_FILE))
                                .toList();
            }
            for (Path p : older) {
                deleteTree(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("ModeRun: cannot save a checkpoint in " + runDir, e);
        }
    }

    /**
     * Whether an older checkpoint stays under a policy keeping those at multiples of {@code
     * keepEvery} (0: none); leftovers ({@code .tmp}) never do.
     */
    private static boolean kept(Path checkpoint, int keepEvery) {
        String name = checkpoint.getFileName().toString();
        return keepEvery > 0 && name.matches("\\d{9}") && Integer.parseInt(name) % keepEvery == 0;
    }

    /**
     * Refuses to resume a run whose older checkpoints were kept (by the period its directory
     * records) when this policy's next save would delete them.
     */
    private void refuseToDeleteKept(Path runDir, List<Path> older) {
        int recorded = recordedKeepEvery(runDir);
        List<String> lost =
                older.stream()
                        .filter(p -> kept(p, recorded) && !kept(p, keepEvery))
                        .map(p -> p.getFileName().toString())
                        .toList();
        if (!lost.isEmpty()) {
            throw new IllegalArgumentException(
                    "ModeRun: "
                            + runDir
                            + " keeps its checkpoints at multiples of "
                            + recorded
                            + " iterations ("
                            + String.join(", ", lost)
                            + "), which resuming with --keep-checkpoints-every "
                            + keepEvery
                            + " would delete: resume with --keep-checkpoints-every "
                            + recorded
                            + ", or move them away");
        }
    }

    /** The period of kept checkpoints a run's directory records; 0 if it records none. */
    private static int recordedKeepEvery(Path runDir) {
        Path file = runDir.resolve(KEEP_FILE);
        try {
            return Files.exists(file) ? Integer.parseInt(Files.readString(file).trim()) : 0;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalArgumentException(
                    "ModeRun: cannot read the kept-checkpoint period in " + file + ": " + e, e);
        }
    }

    /** The run's complete checkpoints, oldest first. */
    private static List<Path> complete(Path runDir) {
        try (Stream<Path> all = Files.list(runDir)) {
            return all.filter(p -> p.getFileName().toString().matches("\\d{9}"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("ModeRun: cannot list " + runDir, e);
        }
    }

    private static void writeState(Path file, State s) throws IOException {
        try (DataOutputStream out =
                new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(STATE_MAGIC);
            out.writeUTF(s.identity());
            out.writeUTF(s.evaluation());
            out.writeInt(s.iteration());
            out.writeDouble(s.seconds());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream random = new ObjectOutputStream(bytes)) {
                random.writeObject(s.random());
            }
            out.writeInt(bytes.size());
            bytes.writeTo(out);
            out.writeInt(s.order().length);
            for (int i : s.order()) {
                out.writeInt(i);
            }
            out.writeInt(s.position());
            out.writeBoolean(s.sofar() != null);
            if (s.sofar() != null) {
                s.sofar().writeTo(out);
            }
        }
    }

    private static State readState(Path file) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int magic = in.readInt();
            if (magic != STATE_MAGIC && magic != STATE_MAGIC_V1) {
                throw new IOException("not a ModeRun checkpoint state: " + file);
            }
            String identity = in.readUTF();
            String evaluation = magic == STATE_MAGIC_V1 ? null : in.readUTF();
            int iteration = in.readInt();
            double seconds = in.readDouble();
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            Random random;
            try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
                ois.setObjectInputFilter(
                        ObjectInputFilter.Config.createFilter("java.util.Random;!*"));
                random = (Random) ois.readObject();
            } catch (ClassNotFoundException | ClassCastException e) {
                throw new IOException("no random generator in " + file, e);
            }
            int[] order = new int[in.readInt()];
            for (int i = 0; i < order.length; i++) {
                order[i] = in.readInt();
            }
            int position = in.readInt();
            ModeRun.Result sofar = in.readBoolean() ? ModeRun.Result.readFrom(in, file) : null;
            if (in.read() != -1) {
                throw new IOException("trailing bytes in a ModeRun checkpoint state: " + file);
            }
            return new State(
                    identity, evaluation, iteration, seconds, random, order, position, sofar);
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
