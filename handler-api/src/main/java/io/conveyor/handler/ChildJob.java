package io.conveyor.handler;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * A job that a handler submits from inside its run ({@link JobContext#fanOut}): its type and its payload. It runs with
 * the defaults of a plain submission (5 attempts, normal priority, the default queue, its type's timeout).
 *
 * @param type    the job type, as in {@code POST /jobs}
 * @param payload the handler's input, a JSON object (null: {@code {}})
 */
public record ChildJob(String type, ObjectNode payload) {

    public ChildJob {
        Objects.requireNonNull(type, "type");
        payload = payload == null ? Json.MAPPER.createObjectNode() : payload;
    }
}
