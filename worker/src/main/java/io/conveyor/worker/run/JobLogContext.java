package io.conveyor.worker.run;

import org.slf4j.MDC;

import java.util.UUID;

/**
 * The running job in the logging context (MDC) of its thread: every line logged there while it runs, by the handler,
 * by JobRunr or by Conveyor (the failure line included), names the job. Put when the dispatcher starts the handler:
 * JobRunr replaces the thread's MDC with its own map as it starts a job, so anything put earlier would be lost; cleared
 * by the performer once the run and its state changes are over.
 */
public final class JobLogContext {

    public static final String JOB_ID = "jobId", JOB_TYPE = "jobType", JOB_ATTEMPT = "jobAttempt";

    private JobLogContext() {
    }

    public static void put(UUID id, String type, int attempt) {
        MDC.put(JOB_ID, id.toString());
        MDC.put(JOB_TYPE, type);
        MDC.put(JOB_ATTEMPT, Integer.toString(attempt));
    }

    public static void clear() {
        MDC.remove(JOB_ID);
        MDC.remove(JOB_TYPE);
        MDC.remove(JOB_ATTEMPT);
    }
}
