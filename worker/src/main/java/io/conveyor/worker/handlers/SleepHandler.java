package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;

/**
 * {@code sleep} {@code {"millis": n}}: holds a job thread for n milliseconds, like a job waiting on I/O.
 */
public final class SleepHandler implements JobHandler {

    public static final long MAX_MILLIS = 3_600_000;

    @Override
    public String type() {
        return "sleep";
    }

    /** Waits: a sleeping job holds no core. */
    @Override
    public JobKind kind() {
        return JobKind.WAITS;
    }

    @Override
    public JsonNode handle(JobContext context) throws InterruptedException {
        Thread.sleep(Payloads.longField(context.payload(), "millis", 0, MAX_MILLIS));
        return null;
    }
}
