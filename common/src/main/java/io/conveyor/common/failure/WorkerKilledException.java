package io.conveyor.common.failure;

/**
 * Fails a job that brought its own worker process down (e.g. exhausted its heap). Such failures are counted: a job
 * that has killed its worker {@code quarantineKills} times is quarantined, never retried again automatically.
 */
public final class WorkerKilledException extends RuntimeException {

    public WorkerKilledException(String message) {
        super(message, null, false, false);
    }
}
