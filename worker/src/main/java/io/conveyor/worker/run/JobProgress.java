package io.conveyor.worker.run;

import org.jobrunr.jobs.context.JobContext;
import org.jobrunr.jobs.context.JobDashboardProgressBar;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A running job's progress, forwarded to JobRunr's dashboard progress bar (job metadata that JobRunr keeps after the
 * job succeeds) and to a {@link ProgressListener} (the events topic, so that live streams show it). JobRunr writes a running job to the ledger only with its periodic update (every poll interval), so
 * forwarding each report would buy nothing: the latest report is kept, forwarded at most every
 * {@link #FORWARD_INTERVAL}, and always at the first report, at completion and when the attempt ends. Guarded by a
 * {@link ReentrantLock}, not a monitor: a waiting-lane job's virtual thread that meets contention on a monitor pins
 * its carrier on Java 21-23.
 */
public final class JobProgress {

    static final Duration FORWARD_INTERVAL = Duration.ofMillis(200);

    private final JobContext jobRunrContext;
    private final String type;
    private final int attempt;
    private final ProgressListener listener;
    private final LongSupplier nanoTime;
    private long done;
    private long total = -1;
    private boolean unforwarded;
    private long forwardedAt;
    private JobDashboardProgressBar bar;
    private final ReentrantLock lock = new ReentrantLock();

    /** @param listener hears each forwarded report too (the worker publishes it as an event) */
    public JobProgress(JobContext jobRunrContext, String type, int attempt, ProgressListener listener, LongSupplier nanoTime) {
        this.jobRunrContext = jobRunrContext;
        this.type = type;
        this.attempt = attempt;
        this.listener = listener;
        this.nanoTime = nanoTime;
    }

    public void report(long done, long total) {
        if (done < 0 || total < 0) {
            throw new IllegalArgumentException("progress must be 0 or more, was " + done + " of " + total);
        }
        lock.lock();
        try {
            record(Math.min(done, total), total);
        } finally {
            lock.unlock();
        }
    }

    private void record(long done, long total) {
        if (total == this.total && done <= this.done) {
            return; // reports from several compute threads may arrive out of order
        }
        this.done = done;
        this.total = total;
        unforwarded = true;
        long now = nanoTime.getAsLong();
        if (bar == null || done == total || now - forwardedAt >= FORWARD_INTERVAL.toNanos()) {
            forward(now);
        }
    }

    /** Forwards the latest report if it was held back; called when the attempt ends, whatever its outcome. */
    public void flush() {
        lock.lock();
        try {
            if (unforwarded) {
                forward(nanoTime.getAsLong());
            }
        } finally {
            lock.unlock();
        }
    }

    private void forward(long now) {
        if (bar == null) {
            bar = jobRunrContext.progressBar(total);
        }
        bar.setProgress(total, done, 0);
        forwardedAt = now;
        unforwarded = false;
        listener.progressed(jobRunrContext.getJobId(), type, attempt, done, total);
    }
}
