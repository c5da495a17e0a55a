package io.conveyor.common.failure;

import org.jobrunr.jobs.states.FailedState;

/**
 * Why an attempt of a job ended FAILED, read from the ledger's failed state: the worker decides by it what happens
 * next, and the API counts attempts by it.
 */
public enum FailureKind {
    /** The handler failed; retried after a back-off if attempts remain. */
    ORDINARY,
    /** The handler said a retry cannot help; stays FAILED. */
    NON_RETRYABLE,
    /** The worker died or hung under it, cause unknown; enqueued again at once if attempts remain. */
    WORKER_LOST,
    /** The job brought its worker down; counts toward quarantine. */
    KILLED_WORKER,
    /** Given back unfinished (shutdown, or to retry elsewhere); not an attempt; enqueued again at once. */
    HANDED_BACK;

    /** JobRunr's own orphan check fails a job with this exception when its worker stopped updating it. */
    private static final String JOBRUNR_ORPHANED = "org.jobrunr.jobs.exceptions.IllegalJobThreadStateException";
    /** JobRunr's message for a job interrupted because its server stopped. */
    private static final String JOBRUNR_SERVER_STOPPED = "Job processing was stopped as background job server has stopped";

    public static FailureKind of(FailedState failed) {
        String type = failed.getExceptionType() == null ? "" : failed.getExceptionType();
        if (type.equals(HandedBackException.class.getName()) || JOBRUNR_SERVER_STOPPED.equals(failed.getMessage())) {
            return HANDED_BACK;
        }
        if (type.equals(WorkerKilledException.class.getName())) {
            return KILLED_WORKER;
        }
        if (type.equals(WorkerLostException.class.getName()) || type.equals(JOBRUNR_ORPHANED)) {
            return WORKER_LOST;
        }
        if (failed.mustNotRetry()) {
            return NON_RETRYABLE;
        }
        return ORDINARY;
    }

    /** Whether this failure used up one of the job's attempts. */
    public boolean countsAsAttempt() {
        return this != HANDED_BACK;
    }
}
