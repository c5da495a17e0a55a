package io.conveyor.worker;

import io.conveyor.common.ComputePool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.function.BinaryOperator;

/**
 * The worker's per-core pool for a job's own data work: a dedicated {@link ForkJoinPool}, not the JVM's common
 * pool, so that one job's computation neither competes with library code using the common pool nor blocks the
 * threads that claim and run jobs.
 */
public final class ForkJoinComputePool implements ComputePool, AutoCloseable {

    /** Chunks per thread: small enough to balance uneven chunks, large enough to keep scheduling cheap. */
    private static final int CHUNKS_PER_THREAD = 8;

    private final ForkJoinPool pool;

    public ForkJoinComputePool(int parallelism) {
        this.pool = new ForkJoinPool(parallelism);
    }

    @Override
    public int parallelism() {
        return pool.getParallelism();
    }

    @Override
    public <R> R splitRange(long from, long to, RangeTask<R> task, BinaryOperator<R> combine) throws InterruptedException {
        if (to <= from) {
            return task.apply(from, to);
        }
        long length = to - from;
        long chunks = Math.min(length, (long) parallelism() * CHUNKS_PER_THREAD);
        long chunkSize = (length + chunks - 1) / chunks;
        List<Future<R>> parts = new ArrayList<>();
        for (long start = from; start < to; start += chunkSize) {
            long chunkStart = start;
            long chunkEnd = Math.min(to, start + chunkSize);
            // CompletableFuture keeps the task's own exception (ForkJoinTask.get would rethrow a wrapped copy).
            parts.add(CompletableFuture.supplyAsync(() -> task.apply(chunkStart, chunkEnd), pool));
        }
        try {
            R result = null;
            for (Future<R> part : parts) {
                R value = part.get();
                result = result == null ? value : combine.apply(result, value);
            }
            return result;
        } catch (ExecutionException e) {
            throw propagate(e.getCause());
        } finally {
            parts.forEach(part -> part.cancel(true));
        }
    }

    private static RuntimeException propagate(Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(cause);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
