package io.conveyor.handler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs the jobs of one type. Implementations are registered with the worker (built in, or found with
 * {@link java.util.ServiceLoader}), must be thread-safe, and may run the same job more than once (execution is
 * at-least-once: use {@link JobContext#jobId()} and {@link JobContext#attempt()} to stay idempotent).
 * <p>
 * Throwing fails the attempt and JobRunr retries it; throw {@link NonRetryableJobException} when a retry cannot help.
 * <p>
 * Your own job types: implement this interface in your own jar, name the class in
 * {@code META-INF/services/io.conveyor.handler.JobHandler}, and put the jar on the worker's class path.
 */
public interface JobHandler {

    /** The JobRunr metadata key under which a handler's JSON result is kept with the job (as JSON text). */
    String RESULT_METADATA_KEY = "conveyor.result";

    /**
     * The largest result a handler may return: 64 KiB of JSON (UTF-8). A bigger result fails the job without retry, as
     * running it again would give the same result; write bulky output to a file under {@link JobContext#data()} and
     * return its path and a summary instead.
     */
    int MAX_RESULT_BYTES = 64 * 1024;

    /** The job type this handler runs, as clients name it in {@code POST /jobs}. */
    String type();

    /**
     * What this type's jobs spend their time on: {@link JobKind#WAITS} runs them on the worker's waiting lane (virtual
     * threads, many at once), {@link JobKind#COMPUTE} (the default, which never oversubscribes the cores) on its
     * per-core job pool. A worker's {@code CONVEYOR_JOB_KINDS} overrides it per type.
     */
    default JobKind kind() {
        return JobKind.COMPUTE;
    }

    /** This type's retry back-off, used when a submission names none; null for the worker's default. */
    default Backoff backoff() {
        return null;
    }

    /**
     * How long one attempt of this type may run when a submission gives no {@code timeoutMillis}; null (the default)
     * for no limit. An attempt that runs longer is interrupted and fails as timed out, to be retried like any failure,
     * so a handler should let {@link InterruptedException} (or {@link Thread#isInterrupted()}) end it; one that ignores
     * the interrupt makes its worker replace itself.
     */
    default java.time.Duration timeout() {
        return null;
    }

    /**
     * Runs one attempt of a job.
     *
     * @return a small JSON result (at most {@link #MAX_RESULT_BYTES}), or {@code null} for none
     */
    JsonNode handle(JobContext context) throws Exception;
}
