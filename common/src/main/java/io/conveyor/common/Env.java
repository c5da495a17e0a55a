package io.conveyor.common;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads settings from environment variables, rejecting a bad value with a message that names the variable.
 */
public final class Env {

    private final Map<String, String> variables;

    public Env(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    /** The environment of this process. */
    public static Env system() {
        return new Env(System.getenv());
    }

    /** The value of {@code name}, or empty when unset or blank. */
    public Optional<String> optional(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String string(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public int integer(String name, int defaultValue, int min, int max) {
        return (int) longInteger(name, defaultValue, min, max);
    }

    /** The whole number {@code name} holds, between {@code min} and {@code max}; empty when unset. */
    public OptionalInt optionalInteger(String name, int min, int max) {
        return optional(name).isEmpty() ? OptionalInt.empty() : OptionalInt.of(integer(name, min, min, max));
    }

    public long longInteger(String name, long defaultValue, long min, long max) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.get());
        } catch (NumberFormatException e) {
            throw new SettingsException(name + " must be a whole number, was '" + value.get() + "'");
        }
        if (parsed < min || parsed > max) {
            throw new SettingsException(name + " must be between " + min + " and " + max + ", was " + parsed);
        }
        return parsed;
    }

    public Duration millis(String name, Duration defaultValue, Duration min, Duration max) {
        return Duration.ofMillis(longInteger(name, defaultValue.toMillis(), min.toMillis(), max.toMillis()));
    }

    /** A setting that cannot be used; its message names the variable and the rule it broke. */
    public static final class SettingsException extends IllegalArgumentException {
        public SettingsException(String message) {
            super(message);
        }
    }
}
