package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;

/**
 * {@code sleep} {@code {"millis": n}}: holds a job thread for n milliseconds, like a job waiting on I/O. With
 * {@code "ignoreInterrupts": true} it sleeps through interrupts, like a handler stuck in a call that cannot be
 * interrupted: for showing what a timeout does to such a job (its worker replaces itself).
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
        long millis = Payloads.longField(context.payload(), "millis", 0, MAX_MILLIS);
        if (!Payloads.booleanField(context.payload(), "ignoreInterrupts", false)) {
            Thread.sleep(millis);
            return null;
        }
        long until = System.nanoTime() + millis * 1_000_000;
        for (long left = millis; left > 0; left = (until - System.nanoTime()) / 1_000_000) {
            try {
                Thread.sleep(left);
            } catch (InterruptedException ignored) {
                // the point of this mode
            }
        }
        return null;
    }
}
