package io.conveyor.common;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs the jobs of one type. Implementations are registered with the worker (built in, or found with
 * {@link java.util.ServiceLoader}), must be thread-safe, and may run the same job more than once (execution is
 * at-least-once: use {@link JobContext#jobId()} and {@link JobContext#attempt()} to stay idempotent).
 * <p>
 * Throwing fails the attempt and JobRunr retries it; throw {@link NonRetryableJobException} when a retry cannot help.
 */
public interface JobHandler {

    /** The JobRunr metadata key under which a handler's JSON result is kept with the job (as JSON text). */
    String RESULT_METADATA_KEY = "conveyor.result";

    /** The job type this handler runs, as clients name it in {@code POST /jobs}. */
    String type();

    /** This type's retry back-off, used when a submission names none; null for the worker's default. */
    default Backoff backoff() {
        return null;
    }

    /**
     * Runs one attempt of a job.
     *
     * @return a small JSON result, or {@code null} for none
     */
    JsonNode handle(JobContext context) throws Exception;
}
