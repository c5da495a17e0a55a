package io.conveyor.common;

import io.conveyor.handler.Backoff;
import io.conveyor.handler.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The JSON form of a {@link JobSubmission}: what clients send to {@code POST /jobs} and what travels on the jobs topic.
 * <p>
 * Client fields: {@code type} (required), {@code payload} (object), {@code maxAttempts}, {@code labels},
 * {@code backoff} ({@code {"baseMillis", "maxMillis"}}), {@code priority} ({@code high}, {@code normal}, {@code low}),
 * {@code runAt} or {@code delayMillis}, {@code timeoutMillis}, {@code queue}.
 * The topic form adds {@code id} and {@code acceptedAt}, and for the jobs of a batch ({@code POST /batches}) either
 * {@code batch} (the batch a member belongs to) or {@code completes} ({@code {"batch", "total", "thenWhen"}}: the batch
 * a completion job completes), and {@code recurring} for a run of a recurring job triggered by hand on the dashboard
 * (the recurring job's name). Unknown fields are refused so that a typo is not silently ignored.
 */
public final class JobSubmissionJson {

    /** The one JSON mapper of the contract: the handler API's, so that handlers and the contract read JSON alike. */
    public static final ObjectMapper MAPPER = Json.MAPPER;

    private static final Set<String> CLIENT_FIELDS = Set.of("type", "payload", "maxAttempts", "labels", "backoff", "priority", "runAt", "delayMillis", "timeoutMillis", "queue");
    private static final Set<String> TOPIC_FIELDS = Set.of("id", "type", "payload", "maxAttempts", "labels", "acceptedAt", "backoff", "priority", "runAt", "timeoutMillis", "queue",
            "batch", "completes", "recurring");

    private JobSubmissionJson() {
    }

    /** Builds a submission from a client's request body, with the id and time the API assigned. */
    public static JobSubmission fromClient(JsonNode body, UUID id, Instant acceptedAt) {
        ObjectNode object = requireObject(body, CLIENT_FIELDS);
        return build(object, id, acceptedAt);
    }

    /** Reads a submission from a jobs-topic record; {@code keyId} is used when the value carries no id. */
    public static JobSubmission fromTopic(byte[] value, UUID keyId, Instant receivedAt) throws IOException {
        if (value == null) {
            throw new InvalidJobException("", "the record has no value (a tombstone)");
        }
        ObjectNode object = requireObject(MAPPER.readTree(value), TOPIC_FIELDS);
        UUID id = object.hasNonNull("id") ? parseUuid(object.get("id")) : keyId;
        if (id == null) {
            throw new InvalidJobException("id", "the record has neither an id field nor a UUID key");
        }
        Instant acceptedAt = object.hasNonNull("acceptedAt") ? parseInstant(object.get("acceptedAt")) : receivedAt;
        JobSubmission job = build(object, id, acceptedAt);
        if (object.hasNonNull("batch")) {
            job = job.inBatch(parseUuid(object.get("batch")));
        }
        if (object.hasNonNull("completes")) {
            job = job.completing(completion(object.get("completes")));
        }
        if (object.hasNonNull("recurring")) {
            if (!object.get("recurring").isTextual()) {
                throw new InvalidJobException("recurring", "recurring must be a recurring job's name");
            }
            job = job.runOf(object.get("recurring").textValue());
        }
        return job;
    }

    private static BatchCompletion completion(JsonNode node) {
        if (!node.isObject() || !node.path("total").canConvertToInt() || node.path("total").intValue() < 1) {
            throw new InvalidJobException("completes", "completes must be {\"batch\": id, \"total\": n, \"thenWhen\": ...} with n at least 1");
        }
        return new BatchCompletion(parseUuid(node.path("batch")), node.get("total").intValue(),
                BatchCompletion.onEnded(node.path("thenWhen").textValue()));
    }

    public static byte[] toTopic(JobSubmission job) {
        ObjectNode object = MAPPER.createObjectNode();
        object.put("id", job.id().toString());
        object.put("type", job.type());
        object.set("payload", job.payload());
        object.put("maxAttempts", job.maxAttempts());
        ArrayNode labels = object.putArray("labels");
        job.labels().forEach(labels::add);
        object.put("acceptedAt", job.acceptedAt().toString());
        if (job.backoff() != null) {
            object.putObject("backoff").put("baseMillis", job.backoff().base().toMillis()).put("maxMillis", job.backoff().max().toMillis());
        }
        if (job.priority() != JobPriority.NORMAL) {
            object.put("priority", job.priority().wireName());
        }
        if (job.runAt() != null) {
            object.put("runAt", job.runAt().toString());
        }
        if (job.timeout() != null) {
            object.put("timeoutMillis", job.timeout().toMillis());
        }
        if (!job.queue().equals(JobSubmission.DEFAULT_QUEUE)) {
            object.put("queue", job.queue());
        }
        if (job.batch() != null) {
            object.put("batch", job.batch().toString());
        }
        if (job.completes() != null) {
            object.putObject("completes").put("batch", job.completes().batch().toString()).put("total", job.completes().total())
                    .put("thenWhen", job.completes().thenWhen());
        }
        if (job.recurring() != null) {
            object.put("recurring", job.recurring());
        }
        try {
            return MAPPER.writeValueAsBytes(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    private static ObjectNode requireObject(JsonNode node, Set<String> allowedFields) {
        if (node == null || !node.isObject()) {
            throw new InvalidJobException("", "a job must be a JSON object");
        }
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(name -> {
            if (!allowedFields.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            throw new InvalidJobException(unknown.getFirst(), "unknown field(s) " + unknown + "; allowed: " + allowedFields.stream().sorted().toList());
        }
        return (ObjectNode) node;
    }

    private static JobSubmission build(ObjectNode object, UUID id, Instant acceptedAt) {
        JsonNode type = object.get("type");
        if (type != null && !type.isNull() && !type.isTextual()) {
            throw new InvalidJobException("type", "type must be a string");
        }
        JsonNode payload = object.get("payload");
        if (payload != null && !payload.isNull() && !payload.isObject()) {
            throw new InvalidJobException("payload", "payload must be a JSON object, was " + payload.getNodeType().name().toLowerCase());
        }
        requireNoNulCharacter(payload, "payload");
        requireNoNulCharacter(object.get("labels"), "labels");
        return new JobSubmission(
                id,
                type == null || type.isNull() ? null : type.asText(),
                payload == null || payload.isNull() ? null : (ObjectNode) payload,
                maxAttempts(object.get("maxAttempts")),
                labels(object.get("labels")),
                acceptedAt,
                backoff(object.get("backoff")),
                priority(object.get("priority")),
                runAt(object, acceptedAt),
                timeout(object.get("timeoutMillis")),
                queue(object.get("queue")));
    }

    private static Duration timeout(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new InvalidJobException("timeoutMillis", "timeoutMillis must be a whole number of milliseconds from 1 to "
                    + JobSubmission.MAX_TIMEOUT.toMillis());
        }
        return Duration.ofMillis(node.longValue());
    }

    /**
     * PostgreSQL cannot hold U+0000 in text, nor read it in the ledger's JSON (the {@code jsonb} cast of its trigger):
     * a job carrying one could never be written, so intake would retry it forever.
     */
    private static void requireNoNulCharacter(JsonNode node, String field) {
        if (node == null) {
            return;
        }
        if (node.isTextual() && node.textValue().indexOf('\0') >= 0) {
            throw new InvalidJobException(field, field + " must not contain the character U+0000");
        }
        for (var fields = node.fields(); fields.hasNext(); ) {
            var entry = fields.next();
            if (entry.getKey().indexOf('\0') >= 0) {
                throw new InvalidJobException(field, field + " must not contain the character U+0000");
            }
            requireNoNulCharacter(entry.getValue(), field);
        }
        if (node.isArray()) {
            node.forEach(element -> requireNoNulCharacter(element, field));
        }
    }

    private static JobPriority priority(JsonNode node) {
        if (node == null || node.isNull()) {
            return JobPriority.NORMAL;
        }
        JobPriority priority = node.isTextual() ? JobPriority.named(node.asText()) : null;
        if (priority == null) {
            throw new InvalidJobException("priority", "priority must be \"high\", \"normal\" or \"low\", was " + node);
        }
        return priority;
    }

    private static String queue(JsonNode node) {
        if (node == null || node.isNull()) {
            return JobSubmission.DEFAULT_QUEUE;
        }
        if (!node.isTextual()) {
            throw new InvalidJobException("queue", "queue must be a string");
        }
        return node.asText();
    }

    /** {@code runAt} (an RFC 3339 instant) or {@code delayMillis} after acceptance; null for neither. */
    private static Instant runAt(ObjectNode object, Instant acceptedAt) {
        JsonNode runAt = object.get("runAt");
        JsonNode delay = object.get("delayMillis");
        boolean hasRunAt = runAt != null && !runAt.isNull();
        boolean hasDelay = delay != null && !delay.isNull();
        if (hasRunAt && hasDelay) {
            throw new InvalidJobException("delayMillis", "give runAt or delayMillis, not both");
        }
        if (hasDelay) {
            if (!delay.isIntegralNumber() || !delay.canConvertToLong() || delay.longValue() < 0 || delay.longValue() > JobSubmission.MAX_DELAY.toMillis()) {
                throw new InvalidJobException("delayMillis", "delayMillis must be a whole number of milliseconds from 0 to " + JobSubmission.MAX_DELAY.toMillis());
            }
            return acceptedAt.plusMillis(delay.longValue());
        }
        if (!hasRunAt) {
            return null;
        }
        try {
            return OffsetDateTime.parse(runAt.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidJobException("runAt", "runAt must be an RFC 3339 instant such as 2026-05-01T09:30:00Z or 2026-05-01T11:30:00+02:00, was '" + runAt.asText() + "'");
        }
    }

    private static int maxAttempts(JsonNode node) {
        if (node == null || node.isNull()) {
            return JobSubmission.MAX_ATTEMPTS_DEFAULT;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            throw new InvalidJobException("maxAttempts", "maxAttempts must be a whole number between 1 and " + JobSubmission.MAX_ATTEMPTS_LIMIT);
        }
        return node.intValue();
    }

    private static Backoff backoff(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String shape = "backoff must be {\"baseMillis\": n, \"maxMillis\": m} with whole numbers of milliseconds";
        if (!node.isObject() || !node.path("baseMillis").isIntegralNumber() || (node.has("maxMillis") && !node.get("maxMillis").isIntegralNumber())) {
            throw new InvalidJobException("backoff", shape);
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!name.equals("baseMillis") && !name.equals("maxMillis")) {
                throw new InvalidJobException("backoff", "unknown field backoff." + name + "; " + shape);
            }
        });
        long base = node.get("baseMillis").longValue();
        long max = node.has("maxMillis") ? node.get("maxMillis").longValue() : Math.max(base, Backoff.DEFAULT_MAX.toMillis());
        try {
            return new Backoff(Duration.ofMillis(base), Duration.ofMillis(max));
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("backoff", e.getMessage());
        }
    }

    private static List<String> labels(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new InvalidJobException("labels", "labels must be an array of strings");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode label : node) {
            if (!label.isTextual()) {
                throw new InvalidJobException("labels", "labels must be an array of strings");
            }
            labels.add(label.asText());
        }
        return labels;
    }

    private static UUID parseUuid(JsonNode node) {
        try {
            return UUID.fromString(node.asText());
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("id", "id must be a UUID, was '" + node.asText() + "'");
        }
    }

    private static Instant parseInstant(JsonNode node) {
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw new InvalidJobException("acceptedAt", "acceptedAt must be an ISO-8601 instant, was '" + node.asText() + "'");
        }
    }
}
