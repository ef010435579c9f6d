package io.github.djlgan.examples;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.examples.fashion.IdxTestData;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;
import picocli.CommandLine;

/**
 * Option values the commands' own checks refuse (not picocli's parsing) end as usage errors: exit
 * code 2, the check's message and the usage on standard error, before any output is written.
 */
public class UsageErrorsTest {

    private Path data;

    /** Tiny Fashion-MNIST files, so that the commands that read data first reach their checks. */
    @BeforeClass
    public void writeData() throws IOException {
        data = IdxTestData.write(20, 10, 1);
    }

    /** Removes the files. */
    @AfterClass(alwaysRun = true)
    public void deleteData() throws IOException {
        TempDirs.delete(data);
    }

    /**
     * The command lines: each makes one of the commands' own checks fail.
     *
     * @return the arguments, then a part of the expected message
     */
    @DataProvider
    public Object[][] refused() {
        String d = data.toString();
        String out = data.resolve("out").toString();
        String none = data.resolve("none.csv").toString();
        return new Object[][] {
            {args("mode-coverage", "--engine", "Nope", "--out", out), "unknown engine Nope"},
            {args("mode-coverage", "--variants", "gan,nope", "--out", out), "unknown variant nope"},
            {
                args(
                        "mode-coverage",
                        "--checkpoint-every",
                        "5",
                        "--keep-checkpoints-every",
                        "12",
                        "--out",
                        out),
                "--keep-checkpoints-every 12 with --checkpoint-every 5: RunCheckpoints: need"
                        + " keepEvery = 0 or a positive multiple of the checkpoint period 5, got 12"
            },
            {
                args("mode-coverage", "--keep-checkpoints-every", "10", "--out", out),
                "keeping checkpoints every 10 iterations needs checkpoints, but the period is 0"
            },
            {args("mode-coverage", "--keep-checkpoints-every", "-5", "--out", out), "got -5"},
            {args("image-gan", "--variants", "nope", "--out", out), "unknown variant nope"},
            {args("image-gan", "--engine", "Nope", "--data", d, "--out", out), "unknown engine"},
            {
                args("fashion-mnist", "--engine", "Nope", "--data", d, "--out", out),
                "unknown engine"
            },
            {
                args("fashion-mnist", "--labels", "15", "--data", d, "--out", out),
                "--labels must be a positive multiple of 10, got 15"
            },
            {args("soak", "--steps", "0", "--out", out), "soak: need steps >= 1"},
            {args("soak", "--every", "0", "--out", out), "soak: need every >= 1, got every=0"},
            {
                args("soak", "--steps", "10", "--every", "3", "--warmup", "4", "--out", out),
                "warm-up must be a multiple of the sampling interval 3"
            },
            {
                args("plot-curves", "--window", "0", "--curves", d, "--out", out),
                "--window: expected"
            },
            {args("plot-curves", "--curves", none, "--out", out), "none.csv"},
        };
    }

    private static String[] args(String... words) {
        return words;
    }

    /**
     * Exit code 2, the message and the usage, and no output directory written.
     *
     * @param args the command line
     * @param message a part of the expected message
     */
    @Test(dataProvider = "refused")
    public void isAUsageError(String[] args, String message) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        String line = String.join(" ", args);
        assertEquals(cli.execute(args), 2, line + ": " + err);
        assertTrue(err.toString().contains(message), err.toString());
        assertTrue(err.toString().contains("Usage: djl-gan-examples " + args[0]), err.toString());
        assertFalse(Files.exists(data.resolve("out")), line + " wrote its output directory");
    }
}
