package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.NonRetryableJobException;

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
}
