package io.conveyor.worker.process;

/**
 * Ends this worker process when one of its parts stopped and cannot be brought back: the process half of the design
 * (a supervisor, or a container's restart policy, starts a new worker; its unfinished jobs run elsewhere) rather than a
 * process that looks alive and does nothing.
 */
@FunctionalInterface
interface ProcessExit {

    /** Logs why, stops the worker as gracefully as it still can, and exits with {@code code}; returns at once. */
    void exit(int code, String reason);
}
