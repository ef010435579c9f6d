package io.github.djlgan.examples;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Reports an option value that a command's own checks refuse the way picocli reports a malformed
 * option: the message and the usage on standard error, exit code 2.
 */
public final class UsageErrors {

    private UsageErrors() {}

    /**
     * Returns what {@code reading} returns; an {@link IllegalArgumentException} it throws becomes a
     * usage error of the command, with the same message.
     *
     * @param spec the command
     * @param reading reads or checks the command's options
     * @param <T> what it reads
     * @return what {@code reading} returned
     * @throws ParameterException if {@code reading} threw an IllegalArgumentException
     */
    public static <T> T checked(CommandSpec spec, Supplier<T> reading) {
        try {
            return reading.get();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }
}
