package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;

/**
 * {@code noop}: does nothing and succeeds; for measuring the queue itself.
 */
public final class NoopHandler implements JobHandler {

    @Override
    public String type() {
        return "noop";
    }

    @Override
    public JsonNode handle(JobContext context) {
        return null;
    }
}
