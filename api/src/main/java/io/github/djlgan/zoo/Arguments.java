package io.github.djlgan.zoo;

import io.github.djlgan.util.BlockChecks;
import java.util.Map;

/**
 * Reads translator arguments ({@code serving.properties} values are strings, {@code
 * Criteria.optArgument} values may be numbers) strictly: "2.5" is not an integer here, unlike in
 * DJL's {@code ArgumentsUtil}.
 */
final class Arguments {

    private Arguments() {}

    static int intValue(Map<String, ?> arguments, String key, int def, String owner) {
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

    static Long longValue(Map<String, ?> arguments, String key, String owner) {
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
}
