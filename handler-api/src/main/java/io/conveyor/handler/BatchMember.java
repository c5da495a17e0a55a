package io.conveyor.handler;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.UUID;

/**
 * One member of the batch a completion job completes, as {@link JobContext#batch()} reads it from the ledger.
 *
 * @param id     the member's job id
 * @param state  its state in the ledger: {@code SUCCEEDED}, {@code FAILED} or {@code DELETED} once the batch is decided
 * @param result the JSON its handler returned, or null (none, or the member did not succeed)
 */
public record BatchMember(UUID id, String state, JsonNode result) {
}
