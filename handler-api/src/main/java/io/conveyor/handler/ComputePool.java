package io.conveyor.handler;

import java.io.IOException;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * A worker's per-core pool for a job's CPU-bound data work, separate from the threads that run jobs. One pool serves
 * every job on the worker; the calling job thread waits while the pool works.
 * <p>
 * Every method runs its tasks on the pool's own threads and returns only when all of them finished. The first task
 * that throws fails the call with that exception (tasks not yet started are skipped). Results never depend on how many
 * threads the pool has or how the tasks were scheduled: they come back in the order of the input.
 */
public interface ComputePool {

    /** How many threads the pool runs work on. */
    int parallelism();

    /**
     * Splits {@code [from, to)} into chunks, runs {@code task} on each chunk in parallel and combines the partial
     * results in range order. An empty range asks {@code task} once, with {@code from == to}.
     */
    <R> R splitRange(long from, long to, RangeTask<R> task, BinaryOperator<R> combine) throws InterruptedException;

    /** Applies {@code task} to every item in parallel; the results come back in the items' order. */
    <T, R> List<R> map(List<? extends T> items, ItemTask<? super T, ? extends R> task) throws IOException, InterruptedException;

    /**
     * Runs {@code task} on every file in parallel, the largest first so that a big file does not start last; the
     * results come back in the files' order. {@link DataRoot#filesUnder} lists the files of a directory.
     */
    <R> List<R> forEachFile(List<DataFile> files, ItemTask<? super DataFile, ? extends R> task) throws IOException, InterruptedException;

    /**
     * Combines partial results pairwise, in parallel rounds (a tree), keeping their order; {@code combine} must be
     * associative. Returns {@code empty} when there is nothing to combine.
     */
    <R> R reduce(List<R> partials, R empty, BinaryOperator<R> combine) throws InterruptedException;

    /** Work on one chunk {@code [from, to)} of a range. */
    @FunctionalInterface
    interface RangeTask<R> {
        R apply(long from, long to);
    }

    /** Work on one item of a list, e.g. one file; may read files. */
    @FunctionalInterface
    interface ItemTask<T, R> {
        R apply(T item) throws IOException;
    }
}
