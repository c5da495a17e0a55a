package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.NonRetryableJobException;

import java.util.Optional;

/**
 * Reads typed fields from a job payload; a missing or mistyped field is a non-retryable failure naming the field.
 */
final class Payloads {

    private Payloads() {
    }

    static long longField(ObjectNode payload, String field, long min, long max) {
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

    static long longField(ObjectNode payload, String field, long min, long max, long defaultValue) {
        return payload.hasNonNull(field) ? longField(payload, field, min, max) : defaultValue;
    }

    static int intField(ObjectNode payload, String field, int min, int max, int defaultValue) {
        return (int) longField(payload, field, min, max, defaultValue);
    }

    static String stringField(ObjectNode payload, String field) {
        return optionalString(payload, field)
                .orElseThrow(() -> new NonRetryableJobException("payload field '" + field + "' is required"));
    }

    static Optional<String> optionalString(ObjectNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual() || node.asText().isEmpty()) {
            throw new NonRetryableJobException("payload field '" + field + "' must be a non-empty string");
        }
        return Optional.of(node.asText());
    }

    static boolean booleanField(ObjectNode payload, String field, boolean defaultValue) {
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
