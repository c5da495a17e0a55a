package io.conveyor.common.failure;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.ScheduledState;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A job's attempts, read from its states in the ledger: the one place that counts them, so that the retry policy, the
 * fatal-error path, retry-elsewhere, the events and the API's job view cannot disagree. A run handed back unfinished
 * ({@link FailureKind#HANDED_BACK}) is not an attempt; every other failure is.
 * <p>
 * A retry asked for by hand ({@code POST /jobs/{id}/retry}) gives the job a fresh budget: it leaves a SCHEDULED state
 * with the reason {@value #RETRIED_BY_HAND} in the history, and attempts and kills count from the last such state.
 */
public final class JobHistory {

    private final List<JobState> states;

    private JobHistory(List<JobState> states) {
        this.states = states;
    }

    /** The reason of the SCHEDULED state a retry by hand leaves; the budget counts from there. */
    public static final String RETRIED_BY_HAND = "retried by hand";

    public static JobHistory of(Job job) {
        List<JobState> states = job.getJobStates();
        for (int i = states.size() - 1; i >= 0; i--) {
            if (states.get(i) instanceof ScheduledState scheduled && RETRIED_BY_HAND.equals(scheduled.getReason())) {
                return new JobHistory(states.subList(i, states.size()));
            }
        }
        return new JobHistory(states);
    }

    /** Attempts that ended in a failure that counts. */
    public int attemptsUsed() {
        return (int) failures().filter(FailureKind::countsAsAttempt).count();
    }

    /** The number of the attempt that is starting or running now: 1 + the attempts used before it. */
    public int currentAttempt() {
        return attemptsUsed() + 1;
    }

    /** Times the job started running, less the runs handed back unfinished; 0 before the first run. */
    public int attemptsStarted() {
        long started = states.stream().filter(ProcessingState.class::isInstance).count();
        long handedBack = failures().filter(kind -> !kind.countsAsAttempt()).count();
        return (int) (started - handedBack);
    }

    /** How many times this job brought its worker process down. */
    public int kills() {
        return (int) failures().filter(kind -> kind == FailureKind.KILLED_WORKER).count();
    }

    /**
     * The worker (JobRunr server) that ran the attempt which failed last, if that failure was the handler's own
     * ({@link FailureKind#ORDINARY}); hand-backs are skipped. Other failures name no worker to avoid: a lost or killed
     * worker is gone, and a non-retryable job is not retried.
     */
    public Optional<UUID> lastFailedOn() {
        for (int i = states.size() - 1; i > 0; i--) {
            if (states.get(i) instanceof FailedState failed) {
                FailureKind kind = FailureKind.of(failed);
                if (kind == FailureKind.HANDED_BACK) {
                    continue;
                }
                if (kind == FailureKind.ORDINARY && states.get(i - 1) instanceof ProcessingState processing) {
                    return Optional.of(processing.getServerId());
                }
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private Stream<FailureKind> failures() {
        return states.stream()
                .filter(FailedState.class::isInstance)
                .map(state -> FailureKind.of((FailedState) state));
    }
}
