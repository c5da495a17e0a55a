package io.conveyor.common;

import java.util.function.BinaryOperator;

/**
 * A per-core pool for a job's CPU-bound data work, separate from the threads that run jobs.
 */
public interface ComputePool {

    /** How many threads the pool runs work on. */
    int parallelism();

    /**
     * Splits {@code [from, to)} into chunks, runs {@code task} on each chunk in parallel and combines the partial results.
     */
    <R> R splitRange(long from, long to, RangeTask<R> task, BinaryOperator<R> combine) throws InterruptedException;

    /** Work on one chunk {@code [from, to)} of a range. */
    @FunctionalInterface
    interface RangeTask<R> {
        R apply(long from, long to);
    }
}
