package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;

/**
 * {@code fail} {@code {"n": k}}: fails its first k attempts, then succeeds; for exercising retries.
 */
public final class FailHandler implements JobHandler {

    @Override
    public String type() {
        return "fail";
    }

    @Override
    public JsonNode handle(JobContext context) {
        long failures = Payloads.longField(context.payload(), "n", 0, 1_000, 1);
        if (context.attempt() <= failures) {
            throw new IntentionalFailure("attempt " + context.attempt() + " fails on purpose (fails the first " + failures + ")");
        }
        return null;
    }

    /** The failure this job type exists to produce. */
    public static final class IntentionalFailure extends RuntimeException {
        IntentionalFailure(String message) {
            super(message);
        }
    }
}
