package io.conveyor.worker.retry;

import io.conveyor.worker.ledger.LedgerTransitions;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.StateName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Enqueues a job scheduled for retry when its back-off ends, on the worker that scheduled it. JobRunr moves due
 * scheduled jobs only at its master's poll (every 5 s at best); this keeps a 1 s back-off a 1 s back-off. If this
 * worker dies first, JobRunr's poll still does it. While the ledger cannot be reached, the enqueue is tried again
 * every {@link #RETRY_DELAY}.
 */
public final class RetryTimer implements ApplyStateFilter, AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(RetryTimer.class);
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    /** Tries of one enqueue: past them (a ledger down for minutes) JobRunr's own poll of scheduled jobs takes over. */
    private static final int MAX_ATTEMPTS = 300;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-retry-timer").daemon().factory());
    private final Supplier<LedgerTransitions> transitions;
    private final Runnable onEnqueued;
    private final Clock clock;

    /**
     * @param transitions supplied late: the transitions need the job server's filters, which include this timer
     * @param onEnqueued  called after a job was enqueued (to claim it or tell the other workers)
     */
    public RetryTimer(Supplier<LedgerTransitions> transitions, Runnable onEnqueued, Clock clock) {
        this.transitions = transitions;
        this.onEnqueued = onEnqueued;
        this.clock = clock;
    }

    @Override
    public void onStateApplied(Job job, JobState oldState, JobState newState) {
        if (oldState instanceof FailedState && newState instanceof ScheduledState scheduled) {
            long delay = Math.max(0, Duration.between(clock.instant(), scheduled.getScheduledAt()).toMillis());
            timer.schedule(() -> enqueueIfStillScheduled(job, 1, onEnqueued), delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Enqueues this SCHEDULED job when it is due, unless it changed meanwhile, then runs {@code then}: for jobs
     * submitted for later, which are not retries ({@link ScheduledJobsWatch}).
     */
    public void enqueueWhenDue(Job job, Runnable then) {
        if (!(job.getJobState() instanceof ScheduledState scheduled)) {
            return;
        }
        long delay = Math.max(0, Duration.between(clock.instant(), scheduled.getScheduledAt()).toMillis());
        timer.schedule(() -> enqueueIfStillScheduled(job, 1, then), delay, TimeUnit.MILLISECONDS);
    }

    private void enqueueIfStillScheduled(Job scheduledJob, int attempt, Runnable then) {
        try {
            enqueueIfUnchanged(scheduledJob, then);
        } catch (RuntimeException e) {
            if (attempt >= MAX_ATTEMPTS || timer.isShutdown()) {
                LOGGER.warn("could not enqueue job {} for its retry ({}); JobRunr's poll of scheduled jobs will", scheduledJob.getId(), e.toString());
                return;
            }
            LOGGER.debug("could not enqueue job {} for its retry, trying again in {} ms: {}", scheduledJob.getId(), RETRY_DELAY.toMillis(), e.toString());
            timer.schedule(() -> enqueueIfStillScheduled(scheduledJob, attempt + 1, then), RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void enqueueIfUnchanged(Job scheduledJob, Runnable then) {
        int version = scheduledJob.getVersion();
        transitions.get().change(scheduledJob.getId(),
                        job -> job.getState() == StateName.SCHEDULED && job.getVersion() == version,
                        job -> {
                            job.enqueue();
                            return job;
                        })
                .ifPresent(job -> then.run());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
