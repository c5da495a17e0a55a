package io.conveyor.worker.retry;

import io.conveyor.common.failure.HandedBackException;
import io.conveyor.common.failure.FailureKind;
import io.conveyor.common.failure.JobHistory;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.ledger.LedgerTransitions;
import io.conveyor.worker.fleet.Fleet;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Makes a retry prefer another worker process: when this worker claims a job whose last attempt failed here, and
 * another live worker runs its type on its queue (when none does, the retry runs here at once), it hands the job back (ENQUEUED again, not counted as an attempt) and tells the others,
 * for a short window; after that it runs the job itself rather than let it wait for a busy fleet.
 * JobRunr's claim ({@code FOR UPDATE SKIP LOCKED}) cannot be told whom to skip, so the choice is made right after it.
 */
public final class RetryElsewhere {

    /** How long a retry waits for another worker to take it before this one runs it anyway. */
    public static final Duration WINDOW = Duration.ofSeconds(3);

    private final UUID self;
    private final Fleet fleet;
    private final LedgerTransitions transitions;
    private final Runnable onHandedBack;
    private final Clock clock;

    public RetryElsewhere(UUID self, Fleet fleet, LedgerTransitions transitions, Runnable onHandedBack, Clock clock) {
        this.self = self;
        this.fleet = fleet;
        this.transitions = transitions;
        this.onHandedBack = onHandedBack;
        this.clock = clock;
    }

    /** Hands the just-claimed job back if another worker should retry it; true if it no longer belongs to this one. */
    public boolean handBack(Job claimed) {
        if (!prefersAnotherWorker(claimed)) {
            return false;
        }
        String reason = "handed back: a retry prefers another worker than the one whose attempt failed";
        claimed.failed(reason, new HandedBackException(reason));
        boolean saved = transitions.save(claimed).isPresent();
        if (saved) {
            onHandedBack.run();
        }
        return saved;
    }

    boolean prefersAnotherWorker(Job job) {
        Optional<UUID> failedOn = JobHistory.of(job).lastFailedOn();
        return failedOn.isPresent() && failedOn.get().equals(self) && fleet.hasOtherThatRuns(self, job.getJobName(), LedgerJobRequest.queueOf(job))
                && retryDueSince(job).map(due -> due.plus(WINDOW).isAfter(clock.instant())).orElse(false);
    }

    /** When the retry was enqueued: the first ENQUEUED state after the last failure that counted. */
    private static Optional<Instant> retryDueSince(Job job) {
        List<JobState> history = job.getJobStates();
        Instant due = null;
        for (int i = history.size() - 1; i >= 0; i--) {
            JobState state = history.get(i);
            if (state instanceof EnqueuedState enqueued) {
                due = enqueued.getEnqueuedAt();
            } else if (state instanceof FailedState failed && FailureKind.of(failed).countsAsAttempt()) {
                break;
            }
        }
        return Optional.ofNullable(due);
    }
}
