package io.conveyor.common.failure;

/**
 * Fails a job that brought its own worker process down (e.g. exhausted its heap). Such failures are counted: a job
 * that has killed its worker {@code quarantineKills} times is quarantined, never retried again automatically.
 */
public final class WorkerKilledException extends RuntimeException {

    public WorkerKilledException(String message) {
        super(message, null, false, false);
    }

    /**
     * Why a job that killed its worker ends its attempt.
     *
     * @param kills how many times it has killed a worker, this time included
     * @param cause what broke the worker's JVM (e.g. "java.lang.OutOfMemoryError: Java heap space")
     */
    public static String reason(int kills, int quarantineKills, String cause) {
        return kills >= quarantineKills
                ? "killed its worker process " + kills + " times (" + cause + "); quarantined, not retried"
                : "killed its worker process (" + cause + "); retried on another worker";
    }
}
