package io.github.djlgan.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;

/**
 * Argument and state checks that produce the project's uniform error messages.
 *
 * <p>Every message starts with the name of the block that rejected the input and states what was
 * expected and what was received, e.g. {@code "NetworkInNetwork: expected input (N, 3, ...) with
 * the channel count it was initialized with, got shape (2, 4, 5)"}.
 */
public final class BlockChecks {

    private BlockChecks() {}

    /**
     * Throws an {@link IllegalArgumentException} about an input shape unless {@code ok}.
     *
     * @param ok the condition that must hold
     * @param block the name of the block doing the check
     * @param expected a description of the expected shape, e.g. {@code "input of rank >= 2"}
     * @param actual the shape that was received
     * @throws IllegalArgumentException if {@code ok} is false
     */
    public static void checkShape(boolean ok, String block, String expected, Shape actual) {
        if (!ok) {
            throw new IllegalArgumentException(
                    block + ": expected " + expected + ", got shape " + actual);
        }
    }

    /**
     * Checks a channels-first input shape (N, C, d1, …, dk) a block is initialized with: rank ≥ 2
     * and a known channel count C.
     *
     * @param block the name of the block doing the check
     * @param input the input shape
     * @throws IllegalArgumentException if the rank is below 2 or C is unknown
     */
    public static void checkChannelsFirst(String block, Shape input) {
        checkShape(
                input.dimension() >= 2 && input.get(1) > 0,
                block,
                "input (N, C, d1, ..., dk) of rank >= 2 with a known channel count C",
                input);
    }

    /**
     * Checks a channels-first input (N, C, d1, …, dk) of a block initialized for {@code channels}
     * channels.
     *
     * @param block the name of the block doing the check
     * @param input the input shape
     * @param channels the channel count the block was initialized with
     * @throws IllegalArgumentException if the rank is below 2 or C differs
     */
    public static void checkChannels(String block, Shape input, long channels) {
        checkShape(input.dimension() >= 2, block, "input (N, C, ...) of rank >= 2", input);
        checkShape(
                input.get(1) == channels,
                block,
                "input (N, " + channels + ", ...) with the channel count it was initialized with",
                input);
    }

    /**
     * Throws an {@link IllegalArgumentException} with a formatted message unless {@code ok}.
     *
     * @param ok the condition that must hold
     * @param block the name of the block doing the check
     * @param format a {@link String#format(String, Object...)} format for the rest of the message
     * @param args the format arguments
     * @throws IllegalArgumentException if {@code ok} is false
     */
    public static void checkArgument(boolean ok, String block, String format, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(
                    block + ": " + String.format(Locale.ROOT, format, args));
        }
    }

    /**
     * Throws an {@link IllegalStateException} with a formatted message unless {@code ok}.
     *
     * @param ok the condition that must hold
     * @param block the name of the block doing the check
     * @param format a {@link String#format(String, Object...)} format for the rest of the message
     * @param args the format arguments
     * @throws IllegalStateException if {@code ok} is false
     */
    public static void checkState(boolean ok, String block, String format, Object... args) {
        if (!ok) {
            throw new IllegalStateException(
                    block + ": " + String.format(Locale.ROOT, format, args));
        }
    }

    /**
     * Throws an {@link IllegalArgumentException} unless the input is of a floating-point type.
     *
     * @param block the name of the block doing the check
     * @param input the input
     * @throws IllegalArgumentException if the input's data type is not floating point
     */
    public static void checkFloatingPoint(String block, NDArray input) {
        checkArgument(
                input.getDataType().isFloating(),
                block,
                "expected a floating-point input, got %s of shape %s",
                input.getDataType(),
                input.getShape());
    }

    /**
     * Throws an {@link IllegalArgumentException} unless the input has the data type of the block's
     * parameters. Blocks with parameters do not cast their input: an integer or float16 input to a
     * float32 block is a mistake to be fixed where the input is made (e.g. {@code
     * x.toType(DataType.FLOAT32, false)}), not a silent conversion.
     *
     * @param block the name of the block doing the check
     * @param input the input
     * @param parameterType the data type of the block's parameters
     * @throws IllegalArgumentException if the input's data type differs
     */
    public static void checkInputType(String block, NDArray input, DataType parameterType) {
        DataType type = input.getDataType();
        if (type != parameterType) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%s: expected a %s input like its parameters, got %s of shape %s;"
                                    + " convert it with x.toType(DataType.%s, false)",
                            block,
                            parameterType,
                            type,
                            input.getShape(),
                            parameterType.name()));
        }
    }
}
