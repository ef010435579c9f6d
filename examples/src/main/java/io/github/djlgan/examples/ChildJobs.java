package io.github.djlgan.examples;

import io.github.djlgan.training.Progress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Runs independent jobs, each a subcommand of {@link Main} in a child JVM, at most N at a time.
 *
 * <p>Why child JVMs and not threads: DJL allows one open {@code GradientCollector} per process (on
 * PyTorch a process-wide flag), so two trainings cannot run side by side in one JVM.
 *
 * <p>A child is started with this JVM's java executable, class path, heap and stack options ({@code
 * -Xmx}, {@code -Xms}, {@code -Xss}), its {@code ai.djl.*} and {@code org.slf4j.*} system
 * properties and its environment (MXNet reads {@code OMP_NUM_THREADS} from it), and runs {@code
 * io.github.djlgan.examples.Main} with the job's arguments. Its standard output and error go to a
 * log file per job, except the lines written by {@link #reportProgress(long)} and {@link
 * #reportSkipped(long)}, which the parent reads as the job's progress. The job writes its result
 * wherever its arguments say; the caller reads it back once {@link #run} returns.
 *
 * <p>A child that exits with a non-zero status stops the others and fails the run with an {@link
 * IllegalStateException} naming the job and its log; if the parent is interrupted, the children are
 * destroyed.
 */
public final class ChildJobs {

    /** The start of a progress line on a child's standard output. */
    static final String PROGRESS = "@djlgan-progress ";

    /** The start of a line on a child's standard output declaring progress done before it. */
    static final String SKIPPED = "@djlgan-skipped ";

    private static final long POLL_MILLIS = 200;

    /**
     * One job.
     *
     * @param name a short name for messages and the log file, e.g. {@code "ring gan seed 1"}
     * @param args the arguments of {@link Main}: a subcommand and its options
     */
    public record Job(String name, List<String> args) {}

    /** Receives the progress of the jobs, on the caller's thread. */
    @FunctionalInterface
    public interface Listener {

        /**
         * Called at least every few hundred milliseconds while jobs run and once at the end.
         *
         * @param done the last progress each job reported (its index in the list), 0 if none
         * @param skipped the part of it each job said it had done before it started ({@link
         *     #reportSkipped}), 0 if none
         * @param finished how many jobs have finished successfully
         */
        void update(long[] done, long[] skipped, int finished);
    }

    private ChildJobs() {}

    /**
     * Reports a child's progress to its parent: writes one progress line to standard output.
     *
     * @param done the work done so far, in the job's own units (e.g. iterations)
     */
    public static void reportProgress(long done) {
        System.out.println(PROGRESS + done);
        System.out.flush();
    }

    /**
     * Tells the parent that part of the progress this child reports was done before it started — by
     * an earlier run it resumed from a checkpoint — so that the parent's rate leaves it out.
     *
     * @param amount more work, in the job's own units, that was done before; added to earlier ones
     * @throws IllegalArgumentException if amount is negative
     */
    public static void reportSkipped(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException(
                    "ChildJobs: need a skipped amount >= 0, got " + amount);
        }
        System.out.println(SKIPPED + amount);
        System.out.flush();
    }

    /**
     * One run of a subcommand for a child: its name in messages and its {@code --run-one} value.
     */
    public record Run(String name, String runOne) {}

    /**
     * Reads back what a child wrote.
     *
     * @param <T> the result type
     */
    public interface ResultReader<T> {
        /**
         * Reads a result file.
         *
         * @param file the file the child wrote
         * @return the result
         * @throws IOException if the file cannot be read or is not a result
         */
        T read(Path file) throws IOException;
    }

    /**
     * Runs every run of {@code spec}'s subcommand in a child JVM, {@code parallel} at a time: each
     * child gets the options this command was given (except {@code --jobs}, {@code --run-one} and
     * {@code --result}), then {@code --run-one <run> --result <file>}; shows one progress bar over
     * {@code total} units reported by the children; returns the results read back, in the order of
     * the runs, and deletes the temporary directory (kept, with the logs, when a child fails).
     *
     * @param <T> the result type
     * @param spec the parent's command (its name and the options the user gave)
     * @param runs the runs, in order
     * @param unit what a run is called in the progress bar, e.g. "runs"
     * @param parallel the number of children at a time
     * @param total the progress units of all runs together
     * @param reader reads a child's result file
     * @return the results, in the order of the runs
     * @throws IOException if a child cannot be started or a file cannot be read
     * @throws IllegalStateException if a child fails (named, with its log) or on interruption
     */
    public static <T> List<T> runAll(
            CommandSpec spec,
            List<Run> runs,
            String unit,
            int parallel,
            long total,
            ResultReader<T> reader)
            throws IOException {
        String command = spec.name();
        Path dir = Files.createTempDirectory(command + "-jobs");
        List<Job> children = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<String> options = options(spec, "--jobs", "--run-one", "--result");
        for (Run run : runs) {
            Path file = dir.resolve("run-" + children.size() + ".bin");
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(options);
            args.addAll(List.of("--run-one", run.runOne(), "--result", file.toString()));
            children.add(new Job(run.name(), args));
            files.add(file);
        }
        System.out.printf(
                Locale.ROOT,
                "%d %s in child JVMs, %d at a time (--jobs 1: all in this one); their logs in %s"
                        + " until all are done%n",
                children.size(),
                unit,
                parallel,
                dir);
        try (Progress progress = new Progress("Training", total)) {
            long[] skippedSoFar = {0};
            run(
                    children,
                    parallel,
                    dir,
                    (done, skipped, finished) -> {
                        long all = LongStream.of(skipped).sum();
                        progress.skip(all - skippedSoFar[0]);
                        skippedSoFar[0] = all;
                        progress.update(
                                LongStream.of(done).sum(),
                                finished + "/" + children.size() + " " + unit + " done");
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(command + ": interrupted", e);
        }
        List<T> results = new ArrayList<>();
        for (Path file : files) {
            results.add(reader.read(file));
        }
        try (Stream<Path> left = Files.list(dir)) {
            for (Path p : left.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
        return results;
    }

    /**
     * Runs the jobs, at most {@code parallel} at a time, in list order, and waits for them all.
     *
     * @param jobs the jobs
     * @param parallel the most children at a time, &ge; 1
     * @param logs the directory of the log files ({@code <job name>.log}, created if missing)
     * @param listener receives the progress
     * @throws IOException if a child cannot be started or a log cannot be written
     * @throws InterruptedException if interrupted (the children are destroyed)
     * @throws IllegalStateException if a child fails; the message names the job and its log
     */
    public static void run(List<Job> jobs, int parallel, Path logs, Listener listener)
            throws IOException, InterruptedException {
        if (parallel < 1) {
            throw new IllegalArgumentException("ChildJobs: need parallel >= 1, got " + parallel);
        }
        Files.createDirectories(logs);
        AtomicLongArray done = new AtomicLongArray(jobs.size());
        AtomicLongArray skipped = new AtomicLongArray(jobs.size());
        List<Running> running = new ArrayList<>();
        int next = 0;
        int finished = 0;
        try {
            while (finished < jobs.size()) {
                while (running.size() < parallel && next < jobs.size()) {
                    running.add(start(next, jobs.get(next), logs, done, skipped));
                    next++;
                }
                Running first = running.get(0);
                first.process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS);
                for (int i = 0; i < running.size(); i++) {
                    Running r = running.get(i);
                    if (!r.process.isAlive()) {
                        r.pump.join();
                        if (r.pump.failure != null) {
                            throw r.pump.failure;
                        }
                        int status = r.process.exitValue();
                        if (status != 0) {
                            throw new IllegalStateException(
                                    String.format(
                                            "job '%s' failed (exit status %d); its log: %s",
                                            r.job.name(), status, r.log.toAbsolutePath()));
                        }
                        running.remove(i--);
                        finished++;
                    }
                }
                listener.update(snapshot(done), snapshot(skipped), finished);
            }
        } finally {
            for (Running r : running) {
                r.process.destroyForcibly();
            }
            for (Running r : running) {
                r.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The command line that starts {@link Main} in a child JVM like this one: java executable, heap
     * and stack options, {@code ai.djl.*} and {@code org.slf4j.*} system properties, class path and
     * main class; the job's arguments follow.
     *
     * @return the command, without the job's arguments
     */
    public static List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(
                ProcessHandle.current()
                        .info()
                        .command()
                        .orElse(
                                Path.of(System.getProperty("java.home"), "bin", "java")
                                        .toString()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("-Xmx")
                    || option.startsWith("-Xms")
                    || option.startsWith("-Xss")) {
                command.add(option);
            }
        }
        for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
            String key = e.getKey().toString();
            if (key.startsWith("ai.djl.") || key.startsWith("org.slf4j.")) {
                command.add("-D" + key + "=" + e.getValue());
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        return command;
    }

    /**
     * The options a command was given, as given, for a child that runs the same command: each
     * matched option by its longest name with each of its original values (a flag once, without a
     * value).
     *
     * @param spec the command's spec, after parsing
     * @param excluded options to leave out, by their longest names (e.g. {@code "--jobs"})
     * @return the options, name and value after name and value
     */
    public static List<String> options(CommandSpec spec, String... excluded) {
        List<String> leftOut = List.of(excluded);
        List<String> args = new ArrayList<>();
        for (OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            String name = option.longestName();
            if (leftOut.contains(name)) {
                continue;
            }
            if (option.arity().max() == 0) {
                args.add(name);
                continue;
            }
            for (String value : option.originalStringValues()) {
                args.add(name);
                args.add(value);
            }
        }
        return args;
    }

    private static long[] snapshot(AtomicLongArray done) {
        long[] copy = new long[done.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = done.get(i);
        }
        return copy;
    }

    private static Running start(
            int index, Job job, Path logs, AtomicLongArray done, AtomicLongArray skipped)
            throws IOException {
        Path log = logs.resolve(job.name().replaceAll("[^A-Za-z0-9._-]+", "-") + ".log");
        List<String> command = javaCommand();
        command.addAll(job.args());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        Pump pump = new Pump(process, log, index, done, skipped);
        pump.start();
        return new Running(job, process, pump, log);
    }

    /** The number (&ge; 0) after {@code prefix} on one of our lines; null for any other line. */
    private static Long number(String line, String prefix) {
        if (!line.startsWith(prefix)) {
            return null;
        }
        try {
            long n = Long.parseLong(line.substring(prefix.length()));
            return n >= 0 ? n : null; // a negative number is not ours: it stays in the log
        } catch (NumberFormatException e) {
            return null; // not ours after all: it stays in the log
        }
    }

    private record Running(Job job, Process process, Pump pump, Path log) {}

    /** Copies a child's output to its log, taking out the progress lines. */
    private static final class Pump extends Thread {
        private final Process process;
        private final Path log;
        private final int index;
        private final AtomicLongArray done;
        private final AtomicLongArray skipped;
        private volatile UncheckedIOException failure;

        Pump(Process process, Path log, int index, AtomicLongArray done, AtomicLongArray skipped) {
            this.process = process;
            this.log = log;
            this.index = index;
            this.done = done;
            this.skipped = skipped;
            setDaemon(true);
            setName("child-job-" + index);
        }

        @Override
        public void run() {
            try (BufferedReader in =
                            new BufferedReader(
                                    new InputStreamReader(
                                            process.getInputStream(), StandardCharsets.UTF_8));
                    Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    Long progress = number(line, PROGRESS);
                    if (progress != null) {
                        done.set(index, progress);
                        continue;
                    }
                    Long before = number(line, SKIPPED);
                    if (before != null) {
                        skipped.addAndGet(index, before);
                        continue;
                    }
                    out.write(line);
                    out.write(System.lineSeparator());
                    out.flush();
                }
            } catch (IOException e) {
                failure = new UncheckedIOException("cannot copy the output to " + log, e);
            }
        }
    }
}
