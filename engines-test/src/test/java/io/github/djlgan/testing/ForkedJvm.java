package io.github.djlgan.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a fresh JVM with the test class path, for cases that could abort
 * the process (a native engine's {@code std::terminate}, SIGABRT): the suite's own JVM survives and
 * the test sees the exit code and the output.
 */
public final class ForkedJvm {

    private ForkedJvm() {}

    /** The outcome of one forked run. */
    public static final class Result {
        /** The process's exit code (134 = SIGABRT). */
        public final int exitCode;

        /** Standard output and standard error, merged. */
        public final String output;

        Result(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }

        /** {@inheritDoc} */
        @Override
        public String toString() {
            return "exit code " + exitCode + ", output:\n" + output;
        }
    }

    /**
     * Runs {@code main.main(args)} in a new JVM (DJL offline as in this JVM, 512 MiB heap) and
     * waits for it.
     *
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the exit code and output
     * @throws IOException if the process cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public static Result run(Class<?> main, String... args)
            throws IOException, InterruptedException {
        return runWithProperties(main, List.of(), args);
    }

    /**
     * Runs {@code main.main(args)} in a new JVM with extra JVM options, e.g. {@code
     * -Dai.djl.pytorch.num_threads=1}, and waits for it.
     *
     * @param main the class whose {@code main} runs
     * @param jvmOptions options for the new JVM, before the class name
     * @param args its arguments
     * @return the exit code and output
     * @throws IOException if the process cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public static Result runWithProperties(Class<?> main, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        String classPath = System.getProperty("surefire.test.class.path");
        if (classPath == null || classPath.isEmpty()) {
            classPath = System.getProperty("java.class.path");
        }
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        // the parent's offline mode: true in the default build, false under -Pgpu, where DJL
        // downloads the CUDA build (a forked JVM may be the first to need a flavour's files)
        command.add("-Dai.djl.offline=" + System.getProperty("ai.djl.offline", "true"));
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=error");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(main.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("forked JVM did not finish: " + main.getName());
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
