package io.conveyor.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * Reads typed fields from a job payload, for a handler to use: a missing or mistyped field is a
 * {@link NonRetryableJobException} naming the field, so that the client learns what to fix and no retry is wasted.
 */
public final class Payloads {

    private Payloads() {
    }

    public static long longField(ObjectNode payload, String field, long min, long max) {
        JsonNode node = payload.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new NonRetryableJobException("payload field '" + field + "' must be a whole number");
        }
        long value = node.longValue();
        if (value < min || value > max) {
            throw new NonRetryableJobException("payload field '" + field + "' must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    public static long longField(ObjectNode payload, String field, long min, long max, long defaultValue) {
        return payload.hasNonNull(field) ? longField(payload, field, min, max) : defaultValue;
    }

    public static int intField(ObjectNode payload, String field, int min, int max, int defaultValue) {
        return (int) longField(payload, field, min, max, defaultValue);
    }

    public static String stringField(ObjectNode payload, String field) {
        return optionalString(payload, field)
                .orElseThrow(() -> new NonRetryableJobException("payload field '" + field + "' is required"));
    }

    public static Optional<String> optionalString(ObjectNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual() || node.asText().isEmpty()) {
            throw new NonRetryableJobException("payload field '" + field + "' must be a non-empty string");
        }
        return Optional.of(node.asText());
    }

    public static boolean booleanField(ObjectNode payload, String field, boolean defaultValue) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        if (!node.isBoolean()) {
            throw new NonRetryableJobException("payload field '" + field + "' must be true or false");
        }
        return node.booleanValue();
    }
}
