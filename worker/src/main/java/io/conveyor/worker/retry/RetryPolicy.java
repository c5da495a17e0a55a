package io.conveyor.worker.retry;

import io.conveyor.common.failure.FailureKind;
import io.conveyor.common.failure.JobHistory;
import io.conveyor.handler.Backoff;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ElectStateFilter;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Conveyor's retry decision, in place of JobRunr's {@code RetryFilter} (JobRunr keeps one election filter): when an
 * attempt fails, the job is retried after an exponential back-off with jitter while attempts remain; a job that
 * lost its worker or was handed back is enqueued again at once; a non-retryable failure or a job that has killed
 * its worker {@code quarantineKills} times stays FAILED.
 */
public final class RetryPolicy implements ElectStateFilter {

    private final Function<Job, Backoff> backoffOf;
    private final int quarantineKills;
    private final Clock clock;
    private final RandomGenerator random;

    /**
     * @param backoffOf       the back-off of a job (its own, its type's, or the worker's default)
     * @param quarantineKills how many times a job may kill its worker before it is quarantined
     */
    public RetryPolicy(Function<Job, Backoff> backoffOf, int quarantineKills, Clock clock, RandomGenerator random) {
        this.backoffOf = backoffOf;
        this.quarantineKills = quarantineKills;
        this.clock = clock;
        this.random = random;
    }

    @Override
    public void onStateElection(Job job, JobState newState) {
        if (!(newState instanceof FailedState failed)) {
            return;
        }
        FailureKind kind = FailureKind.of(failed);
        JobHistory history = JobHistory.of(job);
        int attemptsUsed = history.attemptsUsed();
        int maxAttempts = maxAttempts(job);
        switch (kind) {
            case NON_RETRYABLE -> { }
            case HANDED_BACK -> job.enqueue();
            case KILLED_WORKER -> {
                if (history.kills() < quarantineKills && attemptsUsed < maxAttempts) {
                    job.enqueue();
                }
            }
            case WORKER_LOST -> {
                if (attemptsUsed < maxAttempts) {
                    job.enqueue();
                }
            }
            case ORDINARY -> {
                if (attemptsUsed < maxAttempts) {
                    Duration delay = backoffOf.apply(job).delayBefore(attemptsUsed, random);
                    job.scheduleAt(clock.instant().plus(delay), "Retry " + attemptsUsed + " of " + (maxAttempts - 1) + " after " + delay.toMillis() + " ms");
                }
            }
        }
    }

    /** The most times the job may run: the first run plus JobRunr's amount of retries. */
    private static int maxAttempts(Job job) {
        Integer retries = job.getAmountOfRetries();
        return retries == null ? 1 : retries + 1;
    }
}
