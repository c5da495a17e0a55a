package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;

/**
 * {@code noop}: does nothing and succeeds; for measuring the queue itself.
 */
public final class NoopHandler implements JobHandler {

    @Override
    public String type() {
        return "noop";
    }

    /** Waits: it holds no core, so it belongs where there is room. */
    @Override
    public JobKind kind() {
        return JobKind.WAITS;
    }

    @Override
    public JsonNode handle(JobContext context) {
        return null;
    }
}
