package io.conveyor.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * One state change of a job, as published on the events topic (key = job id), so that a consumer can follow a job
 * live or feed downstream systems.
 *
 * @param state   a JobRunr state name: ENQUEUED, PROCESSING, SUCCEEDED, FAILED, SCHEDULED, DELETED
 * @param attempt the attempt the job is on (1 for the first run)
 * @param worker  the worker process, for PROCESSING (and the failures it caused), else null
 * @param error   why it failed, was scheduled or deleted, else null
 * @param result  the handler's result, for SUCCEEDED, else null
 * @param progress a progress report of the running job ({@code state} PROCESSING): {@code done}, {@code total}, {@code percent}; else null
 * @param ends    whether this is the job's last state: SUCCEEDED, DELETED, or FAILED with no retry to come (a FAILED
 *                that a retry follows is followed at once by its SCHEDULED or ENQUEUED event)
 */
public record JobEvent(UUID id, String type, String state, Instant at, int attempt, String worker, String error, JsonNode result,
                       JsonNode progress, boolean ends) {

    /** The project's mapper's factory: its codec writes the result and progress trees as their {@code toString()} does. */
    private static final JsonFactory WRITER = JobSubmissionJson.MAPPER.getFactory();
    /** About a SUCCEEDED event without a result. */
    private static final int EXPECTED_BYTES = 256;

    /** A progress report of a running job, published as a PROCESSING event that carries it. */
    public static JobEvent progress(UUID id, String type, int attempt, String worker, long done, long total) {
        JsonNode progress = JobSubmissionJson.MAPPER.createObjectNode().put("done", done).put("total", total)
                .put("percent", total == 0 ? 100 : (int) (100 * done / total));
        return new JobEvent(id, type, "PROCESSING", Instant.now(), attempt, worker, null, null, progress, false);
    }

    /**
     * The event's JSON, written field by field with a streaming generator: the worker writes one for every state change
     * of every job, and building a tree first cost half as much again. The text is what the tree's {@code toString()}
     * wrote ({@code JobEventTest}).
     */
    public byte[] toJson() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(EXPECTED_BYTES);
        try (JsonGenerator json = WRITER.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("id", id.toString());
            json.writeStringField("type", type);
            json.writeStringField("state", state);
            json.writeStringField("at", at.toString());
            json.writeNumberField("attempt", attempt);
            if (worker != null) {
                json.writeStringField("worker", worker);
            }
            if (error != null) {
                json.writeStringField("error", error);
            }
            if (result != null) {
                json.writeFieldName("result");
                json.writeTree(result);
            }
            if (progress != null) {
                json.writeFieldName("progress");
                json.writeTree(progress);
            }
            if (ends) {
                json.writeBooleanField("ends", true);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the event of job " + id, e); // into memory: not expected
        }
        return bytes.toByteArray();
    }

    public static JobEvent fromJson(byte[] bytes) throws IOException {
        JsonNode json = JobSubmissionJson.MAPPER.readTree(bytes);
        return new JobEvent(UUID.fromString(json.get("id").asText()), json.path("type").asText(null), json.get("state").asText(),
                Instant.parse(json.get("at").asText()), json.path("attempt").asInt(), json.path("worker").asText(null),
                json.path("error").asText(null), json.get("result"),
                json.get("progress"), json.path("ends").asBoolean(false));
    }
}
