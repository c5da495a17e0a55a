package io.conveyor.common.failure;

/**
 * Ends an attempt that did not fail: a stopping worker or a worker that prefers another to retry a job gives it back.
 * JobRunr can only leave PROCESSING through FAILED, so a hand-back is a FAILED state of this kind, which Conveyor
 * neither counts as an attempt nor delays: the job is enqueued again at once.
 */
public final class HandedBackException extends RuntimeException {

    public HandedBackException(String message) {
        super(message, null, false, false);
    }
}
