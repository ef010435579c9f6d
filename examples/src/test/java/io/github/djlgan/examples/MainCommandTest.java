package io.github.djlgan.examples;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import io.github.djlgan.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.Test;

/** The smoke tests' runner says why a command failed. */
public class MainCommandTest {

    @Test
    public void aFailingCommandFailsWithItsExitCodeCommandLineAndErrorOutput() throws IOException {
        Path empty = Files.createTempDirectory("no-fashion");
        try {
            AssertionError e =
                    expectThrows(
                            AssertionError.class,
                            () ->
                                    MainCommand.succeeds(
                                            "fashion-mnist", "--data", empty.toString()));
            String message = e.getMessage();
            assertTrue(message.startsWith("exit code 2 from `fashion-mnist --data "), message);
            assertTrue(message.contains("apt-get install dataset-fashion-mnist"), message);
        } finally {
            TempDirs.delete(empty);
        }
    }
}
