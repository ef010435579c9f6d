package io.github.djlgan.zoo;

import io.github.djlgan.util.BlockChecks;
import java.util.Map;

/**
 * Reads translator and block-factory arguments strictly: {@code serving.properties} values are
 * strings, {@code Criteria.optArgument} values may be numbers, and "2.5" is not an integer here
 * (unlike in DJL's {@code ArgumentsUtil}, which truncates it).
 */
public final class TranslatorArguments {

    private TranslatorArguments() {}

    /**
     * Returns an integer argument.
     *
     * @param arguments the arguments
     * @param key the argument's name
     * @param def the value when the argument is absent
     * @param owner the name that starts error messages
     * @return the value
     * @throws IllegalArgumentException if the value is not an integer of the {@code int} range
     */
    public static int intValue(Map<String, ?> arguments, String key, int def, String owner) {
        Long value = longValue(arguments, key, owner);
        if (value == null) {
            return def;
        }
        BlockChecks.checkArgument(
                value == value.intValue(),
                owner,
                "argument %s must be an integer, got %s",
                key,
                value);
        return value.intValue();
    }

    /**
     * Returns an integer argument that must be given.
     *
     * @param arguments the arguments
     * @param key the argument's name
     * @param owner the name that starts error messages
     * @return the value
     * @throws IllegalArgumentException if the argument is absent or not an integer of the {@code
     *     int} range
     */
    public static int requiredInt(Map<String, ?> arguments, String key, String owner) {
        BlockChecks.checkArgument(
                arguments.get(key) != null,
                owner,
                "argument %s is required (serving.properties or Criteria.optArgument)",
                key);
        return intValue(arguments, key, 0, owner);
    }

    /**
     * Returns a long argument, or {@code null} if it is absent.
     *
     * @param arguments the arguments
     * @param key the argument's name
     * @param owner the name that starts error messages
     * @return the value, or null
     * @throws IllegalArgumentException if the value is not an integer
     */
    public static Long longValue(Map<String, ?> arguments, String key, String owner) {
        Object value = arguments.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    owner + ": argument " + key + " must be an integer, got " + value, e);
        }
    }

    /**
     * Returns a finite floating-point argument.
     *
     * @param arguments the arguments
     * @param key the argument's name
     * @param def the value when the argument is absent
     * @param owner the name that starts error messages
     * @return the value
     * @throws IllegalArgumentException if the value is not a finite number
     */
    public static float floatValue(Map<String, ?> arguments, String key, float def, String owner) {
        Object value = arguments.get(key);
        if (value == null) {
            return def;
        }
        float f;
        if (value instanceof Number n) {
            f = n.floatValue();
        } else {
            try {
                f = Float.parseFloat(value.toString().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        owner + ": argument " + key + " must be a number, got " + value, e);
            }
        }
        BlockChecks.checkArgument(
                Float.isFinite(f), owner, "argument %s must be finite, got %s", key, value);
        return f;
    }

    /**
     * Returns a string argument.
     *
     * @param arguments the arguments
     * @param key the argument's name
     * @param def the value when the argument is absent
     * @return the value, trimmed
     */
    public static String stringValue(Map<String, ?> arguments, String key, String def) {
        Object value = arguments.get(key);
        return value == null ? def : value.toString().trim();
    }
}
