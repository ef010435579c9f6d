package io.github.djlgan.examples;

import static org.testng.Assert.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs the examples program's command line in the test's JVM and fails the test, when the command
 * fails, with what it printed to its error stream (the exception and its causes) — an exit code
 * alone does not say why a smoke test failed on another machine.
 */
public final class MainCommand {

    private MainCommand() {}

    /**
     * Runs a command line that must succeed.
     *
     * @param args the command line, the subcommand first
     */
    public static void succeeds(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        if (exit != 0) {
            fail(
                    "exit code "
                            + exit
                            + " from `"
                            + String.join(" ", args)
                            + "`; it printed to its error stream:\n"
                            + err);
        }
    }
}
