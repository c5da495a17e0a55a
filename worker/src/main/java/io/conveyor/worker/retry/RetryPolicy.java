package io.conveyor.worker.retry;

import io.conveyor.common.failure.FailureKind;
import io.conveyor.common.Backoff;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ElectStateFilter;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
        int attemptsUsed = attemptsUsed(job);
        int maxAttempts = maxAttempts(job);
        switch (kind) {
            case NON_RETRYABLE -> { }
            case HANDED_BACK -> job.enqueue();
            case KILLED_WORKER -> {
                if (kills(job) < quarantineKills && attemptsUsed < maxAttempts) {
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
    public static int maxAttempts(Job job) {
        Integer retries = job.getAmountOfRetries();
        return retries == null ? 1 : retries + 1;
    }

    /** Attempts that ended in a failure that counts (hand-backs do not). */
    public static int attemptsUsed(Job job) {
        return (int) failures(job).stream().filter(kind -> kind.countsAsAttempt()).count();
    }

    /** How many times this job brought its worker process down. */
    public static int kills(Job job) {
        return (int) failures(job).stream().filter(kind -> kind == FailureKind.KILLED_WORKER).count();
    }

    /** The number of the attempt that is running now: 1 + the attempts used before it. */
    public static int currentAttempt(Job job) {
        return attemptsUsed(job) + 1;
    }

    /** The worker (JobRunr server) that ran the attempt which failed last, if the last failure counted. */
    public static java.util.Optional<java.util.UUID> lastFailedOn(Job job) {
        List<JobState> history = job.getJobStates();
        for (int i = history.size() - 1; i > 0; i--) {
            if (history.get(i) instanceof FailedState failed) {
                FailureKind kind = FailureKind.of(failed);
                if (kind == FailureKind.HANDED_BACK) {
                    continue;
                }
                if (kind == FailureKind.ORDINARY && history.get(i - 1) instanceof ProcessingState processing) {
                    return java.util.Optional.of(processing.getServerId());
                }
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.empty();
    }

    private static List<FailureKind> failures(Job job) {
        return job.getJobStates().stream()
                .filter(FailedState.class::isInstance)
                .map(state -> FailureKind.of((FailedState) state))
                .toList();
    }
}
