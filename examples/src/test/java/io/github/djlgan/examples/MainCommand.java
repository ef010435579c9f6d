package io.github.djlgan.examples;

import static org.testng.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * Runs the examples program's command line in the test's JVM. {@link #succeeds} fails the test,
 * when the command fails, with what it printed to its error stream (the exception and its causes,
 * or the usage error) — an exit code alone does not say why a smoke test failed on another machine;
 * what the command prints to {@code System.err} still reaches the console as well. {@link #run}
 * returns the exit code and what was printed, for tests of failing command lines.
 */
public final class MainCommand {

    private MainCommand() {}

    /**
     * Runs a command line that must succeed.
     *
     * @param args the command line, the subcommand first
     */
    public static void succeeds(String... args) {
        StringWriter picocli = new StringWriter();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream console = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(new Tee(console, printed), true, StandardCharsets.UTF_8));
            CommandLine cli = new CommandLine(new Main());
            cli.setErr(new PrintWriter(picocli, true));
            exit = cli.execute(args);
        } finally {
            System.setErr(console);
        }
        if (exit != 0) {
            fail(
                    "exit code "
                            + exit
                            + " from `"
                            + String.join(" ", args)
                            + "`; it printed to its error stream:\n"
                            + picocli
                            + printed.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * What a command line printed: its exit code, standard output and error stream.
     *
     * @param exit the exit code
     * @param out what it printed to picocli's standard output
     * @param err what it printed to picocli's error stream (usage errors, exceptions)
     */
    public record Printed(int exit, String out, String err) {}

    /**
     * Runs a command line that may fail and returns what it printed.
     *
     * @param args the command line, the subcommand first
     * @return its exit code and output
     */
    public static Printed run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Printed(exit, out.toString(), err.toString());
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }
}
