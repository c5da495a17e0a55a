package io.conveyor.handler;

/**
 * What a job type's handler spends its time on, which decides where a worker runs it. A worker runs {@link #WAITS}
 * jobs on virtual threads, many at once ({@code CONVEYOR_WAITING_JOBS}), and {@link #COMPUTE} jobs on its job pool
 * of one thread per core ({@code CONVEYOR_WORKER_THREADS}), so CPU work never oversubscribes the cores.
 */
public enum JobKind {

    /** Uses CPU: computes on the job thread or on the compute pool. The default: a wrong guess costs only concurrency. */
    COMPUTE,

    /** Mostly waits: an HTTP call, a database query, a mail server, a timer. Uses little CPU per job. */
    WAITS
}
