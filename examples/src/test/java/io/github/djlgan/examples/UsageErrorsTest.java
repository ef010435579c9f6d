package io.github.djlgan.examples;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.djlgan.examples.fashion.IdxTestData;
import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;
import picocli.CommandLine;

/**
 * Option values the commands' own checks refuse (not picocli's parsing) end as usage errors: exit
 * code 2, the check's message and the usage on standard error, and nothing run.
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
     * @return the command line (words separated by spaces), then a part of the expected message
     */
    @DataProvider
    public Object[][] refused() {
        String d = data.toString();
        return new Object[][] {
            {"mode-coverage --engine Nope", "unknown engine Nope"},
            {"mode-coverage --variants gan,nope", "nope"},
            {"image-gan --variants nope", "unknown variant nope"},
            {"image-gan --engine Nope --data " + d, "unknown engine Nope"},
            {"fashion-mnist --engine Nope --data " + d, "unknown engine Nope"},
            {"fashion-mnist --labels 15 --data " + d, "--labels must be a positive multiple of 10"},
            {"soak --steps 0", "soak: need steps >= 1"},
            {"soak --steps 10 --every 3 --warmup 4", "warm-up must be a multiple of the sampling"},
            {"plot-curves --window 0 --curves " + d + " --out " + d, "--window: expected K >= 1"},
            {"plot-curves --curves " + d + "/none.csv --out " + d, "none.csv"},
        };
    }

    /**
     * Exit code 2, the message and the usage.
     *
     * @param line the command line, words separated by spaces
     * @param message a part of the expected message
     */
    @Test(dataProvider = "refused")
    public void isAUsageError(String line, String message) {
        String[] args = line.split(" ");
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertEquals(cli.execute(args), 2, line + ": " + err);
        assertTrue(err.toString().contains(message), err.toString());
        assertTrue(err.toString().contains("Usage: djl-gan-examples " + args[0]), err.toString());
    }
}
