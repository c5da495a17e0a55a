package io.conveyor.common.failure;

/**
 * Fails a job whose worker process died or stopped responding while running it, when no job is known to have
 * caused that: the attempt counts, and the job is enqueued again at once for another worker.
 */
public final class WorkerLostException extends RuntimeException {

    public WorkerLostException(String message) {
        super(message, null, false, false);
    }
}
