package io.conveyor.handler;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the units of work a job has done, from any number of compute threads, and reports each new count through
 * {@link JobContext#progress(long, long)}.
 */
public final class ProgressCounter {

    private final JobContext context;
    private final long total;
    private final AtomicLong done = new AtomicLong();

    /**
     * @param total how many units the whole job has (0 or more); reported at once as 0 of {@code total}
     */
    public ProgressCounter(JobContext context, long total) {
        if (total < 0) {
            throw new IllegalArgumentException("a progress total must be 0 or more, was " + total);
        }
        this.context = context;
        this.total = total;
        context.progress(0, total);
    }

    /** Adds {@code units} finished units and reports the new count. */
    public void add(long units) {
        context.progress(done.addAndGet(units), total);
    }

    public long done() {
        return done.get();
    }

    public long total() {
        return total;
    }
}
