package io.conveyor.common;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

/**
 * What a job that fanned out ({@code JobContext.fanOut}) leaves in its metadata when it succeeds: its children's batch
 * and the job that continues it. The API follows it, so that {@code GET /jobs/{id}} of such a job shows its
 * continuation's state and result, and the client keeps the one id it submitted.
 *
 * @param batch    the children's batch
 * @param then     the continuation's job id
 * @param children how many children
 */
public record Continuation(UUID batch, UUID then, int children) {

    /** The job metadata key under which a job that fanned out keeps this, as JSON text. */
    public static final String METADATA_KEY = "conveyor.continuation";

    public String toJson() {
        return JobSubmissionJson.MAPPER.createObjectNode().put("batch", batch.toString()).put("then", then.toString())
                .put("children", children).toString();
    }

    /** Reads what {@link #toJson()} wrote; empty for anything else. */
    public static Optional<Continuation> parse(Object stored) {
        if (stored == null) {
            return Optional.empty();
        }
        try {
            JsonNode json = JobSubmissionJson.MAPPER.readTree(stored.toString());
            return Optional.of(new Continuation(UUID.fromString(json.path("batch").asText()), UUID.fromString(json.path("then").asText()),
                    json.path("children").asInt()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
