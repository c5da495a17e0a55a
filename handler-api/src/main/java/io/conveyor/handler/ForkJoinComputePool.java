package io.conveyor.handler;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * The worker's per-core pool for a job's own data work: a dedicated {@link ForkJoinPool}, not the JVM's common
 * pool, so that one job's computation neither competes with library code using the common pool nor blocks the
 * threads that claim and run jobs.
 */
public final class ForkJoinComputePool implements ComputePool, AutoCloseable {

    /** Chunks per thread for a range: small enough to balance uneven chunks, large enough to keep scheduling cheap. */
    private static final int CHUNKS_PER_THREAD = 8;

    private final ForkJoinPool pool;

    public ForkJoinComputePool(int parallelism) {
        this.pool = new ForkJoinPool(parallelism, ForkJoinComputePool::namedThread, null, false);
    }

    /** Named so that a thread dump or a profile shows which threads do jobs' data work. */
    private static ForkJoinWorkerThread namedThread(ForkJoinPool pool) {
        ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        thread.setName("conveyor-compute-" + thread.getPoolIndex());
        return thread;
    }

    @Override
    public int parallelism() {
        return pool.getParallelism();
    }

    /** Threads of the pool running a task now (an estimate, as {@link ForkJoinPool#getActiveThreadCount()} says). */
    public int activeThreads() {
        return pool.getActiveThreadCount();
    }

    @Override
    public <R> R splitRange(long from, long to, RangeTask<R> task, BinaryOperator<R> combine) throws InterruptedException {
        if (to <= from) {
            return task.apply(from, to);
        }
        long length = to - from;
        long chunks = Math.min(length, (long) parallelism() * CHUNKS_PER_THREAD);
        long chunkSize = (length + chunks - 1) / chunks;
        List<Supplier<R>> parts = new ArrayList<>();
        for (long start = from; start < to; start += chunkSize) {
            long chunkStart = start;
            long chunkEnd = Math.min(to, start + chunkSize);
            parts.add(() -> task.apply(chunkStart, chunkEnd));
        }
        List<R> results = runAll(parts, null);
        R result = results.getFirst();
        for (R value : results.subList(1, results.size())) {
            result = combine.apply(result, value);
        }
        return result;
    }

    @Override
    public <T, R> List<R> map(List<? extends T> items, ItemTask<? super T, ? extends R> task) throws IOException, InterruptedException {
        return runItems(items, task, null);
    }

    @Override
    public <R> List<R> forEachFile(List<DataFile> files, ItemTask<? super DataFile, ? extends R> task) throws IOException, InterruptedException {
        // Longest first: a big file started last would leave every other thread idle while it finishes.
        Integer[] order = new Integer[files.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingLong((Integer i) -> files.get(i).size()).reversed());
        return runItems(files, task, order);
    }

    @Override
    public <R> R reduce(List<R> partials, R empty, BinaryOperator<R> combine) throws InterruptedException {
        List<R> round = new ArrayList<>(partials);
        if (round.isEmpty()) {
            return empty;
        }
        while (round.size() > 1) {
            List<Supplier<R>> pairs = new ArrayList<>();
            for (int i = 0; i + 1 < round.size(); i += 2) {
                R left = round.get(i);
                R right = round.get(i + 1);
                pairs.add(() -> combine.apply(left, right));
            }
            List<R> next = runAll(pairs, null);
            if (round.size() % 2 == 1) {
                next.add(round.getLast());
            }
            round = next;
        }
        return round.getFirst();
    }

    private <T, R> List<R> runItems(List<? extends T> items, ItemTask<? super T, ? extends R> task, Integer[] order)
            throws IOException, InterruptedException {
        List<Supplier<R>> parts = new ArrayList<>(items.size());
        for (T item : items) {
            parts.add(() -> {
                try {
                    return task.apply(item);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        try {
            return runAll(parts, order);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Runs every part on the pool (in {@code order} if given) and returns their results in the parts' order. Fails as
     * soon as one part fails, with that part's exception; parts not started by then are skipped. If the calling job
     * thread is interrupted (its job was cancelled, timed out, or its worker stops), the parts still running are
     * interrupted too, and those not started are skipped.
     */
    private <R> List<R> runAll(List<Supplier<R>> parts, Integer[] order) throws InterruptedException {
        Parts running = new Parts();
        CompletableFuture<Void> firstFailure = new CompletableFuture<>();
        List<CompletableFuture<R>> futures = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            futures.add(null);
        }
        for (int n = 0; n < parts.size(); n++) {
            int i = order == null ? n : order[n];
            Supplier<R> part = parts.get(i);
            CompletableFuture<R> future = CompletableFuture.supplyAsync(() -> running.run(part), pool);
            future.whenComplete((value, failure) -> {
                if (failure != null) {
                    firstFailure.completeExceptionally(failure);
                }
            });
            futures.set(i, future);
        }
        try {
            CompletableFuture.anyOf(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)), firstFailure).get();
            List<R> results = new ArrayList<>(parts.size());
            for (CompletableFuture<R> future : futures) {
                results.add(future.resultNow());
            }
            return results;
        } catch (ExecutionException e) {
            running.abandon(false);
            throw propagate(e.getCause());
        } catch (InterruptedException e) {
            running.abandon(true);
            throw e;
        }
    }

    /**
     * The parts of one call: which pool threads run one now, and whether the call was abandoned. A pool thread is
     * interrupted only while it runs a part of this call, and its interrupt is cleared when the part ends, under the
     * same lock, so that it never reaches the next task the thread runs (another job's, perhaps).
     */
    private static final class Parts {

        private final List<Thread> threads = new ArrayList<>();
        private boolean abandoned;

        <R> R run(Supplier<R> part) {
            Thread self = Thread.currentThread();
            synchronized (this) {
                if (abandoned) {
                    return null; // the call fails anyway: parts not started yet need not run
                }
                threads.add(self);
            }
            try {
                return part.get();
            } catch (RuntimeException | Error e) {
                abandon(false);
                throw e;
            } finally {
                synchronized (this) {
                    threads.remove(self);
                    Thread.interrupted();
                }
            }
        }

        synchronized void abandon(boolean interruptRunning) {
            abandoned = true;
            if (interruptRunning) {
                threads.forEach(Thread::interrupt);
            }
        }
    }

    private static RuntimeException propagate(Throwable failure) {
        // CompletableFuture wraps what a part threw in a CompletionException.
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
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
