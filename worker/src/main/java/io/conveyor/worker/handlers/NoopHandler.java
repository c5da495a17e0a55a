package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobContext;
import io.conveyor.common.JobHandler;
import io.conveyor.common.JobKind;

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
