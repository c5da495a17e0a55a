package io.conveyor.common.failure;

import org.jobrunr.JobRunrException;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.ScheduledState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

class JobHistoryTest {

    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();

    @Test
    void aJobNotYetRunHasUsedAndStartedNothing() {
        JobHistory history = JobHistory.of(job(new EnqueuedState()));

        assertThat(history.attemptsUsed()).isZero();
        assertThat(history.attemptsStarted()).isZero();
        assertThat(history.currentAttempt()).isEqualTo(1);
        assertThat(history.kills()).isZero();
        assertThat(history.lastFailedOn()).isEmpty();
    }

    @Test
    void aRunningFirstAttemptIsStartedButNotUsed() {
        JobHistory history = JobHistory.of(job(new EnqueuedState(), new ProcessingState(A, "a")));

        assertThat(history.attemptsUsed()).isZero();
        assertThat(history.attemptsStarted()).isEqualTo(1);
        assertThat(history.currentAttempt()).isEqualTo(1);
    }

    @Test
    void aRetryByHandStartsAFreshBudgetButAnOrdinaryScheduleDoesNot() {
        Job retried = job(new EnqueuedState(), new ProcessingState(A, "a"), failure(FailureKind.KILLED_WORKER),
                new ScheduledState(java.time.Instant.now(), "Retry 1 of 4 after 10 ms"), new EnqueuedState(),
                new ProcessingState(B, "b"), failure(FailureKind.ORDINARY),
                new ScheduledState(java.time.Instant.now(), JobHistory.RETRIED_BY_HAND), new EnqueuedState());

        JobHistory history = JobHistory.of(retried);

        assertThat(history.attemptsUsed()).isZero();
        assertThat(history.attemptsStarted()).isZero();
        assertThat(history.currentAttempt()).isEqualTo(1);
        assertThat(history.kills()).isZero();
    }

    @ParameterizedTest
    @EnumSource(FailureKind.class)
    void oneFailedRunOfEachKind(FailureKind kind) {
        Job job = job(new EnqueuedState(), new ProcessingState(A, "a"), failure(kind));
        assertThat(FailureKind.of((FailedState) job.getJobState())).isEqualTo(kind);

        JobHistory history = JobHistory.of(job);

        boolean counts = kind != FailureKind.HANDED_BACK;
        assertThat(history.attemptsUsed()).isEqualTo(counts ? 1 : 0);
        assertThat(history.attemptsStarted()).isEqualTo(counts ? 1 : 0);
        assertThat(history.currentAttempt()).isEqualTo(counts ? 2 : 1);
        assertThat(history.kills()).isEqualTo(kind == FailureKind.KILLED_WORKER ? 1 : 0);
        assertThat(history.lastFailedOn()).isEqualTo(kind == FailureKind.ORDINARY ? Optional.of(A) : Optional.empty());
    }

    @ParameterizedTest
    @EnumSource(FailureKind.class)
    void aHandBackAfterAFailureOfEachKindLeavesThatFailureTheLast(FailureKind kind) {
        JobHistory history = JobHistory.of(job(new EnqueuedState(), new ProcessingState(A, "a"), failure(kind),
                new EnqueuedState(), new ProcessingState(B, "b"), failure(FailureKind.HANDED_BACK),
                new EnqueuedState(), new ProcessingState(B, "b")));

        boolean counts = kind != FailureKind.HANDED_BACK;
        assertThat(history.attemptsUsed()).isEqualTo(counts ? 1 : 0);
        assertThat(history.attemptsStarted()).isEqualTo(counts ? 2 : 1);
        assertThat(history.currentAttempt()).isEqualTo(counts ? 2 : 1);
        assertThat(history.lastFailedOn()).isEqualTo(kind == FailureKind.ORDINARY ? Optional.of(A) : Optional.empty());
    }

    @Test
    void killsAreCountedAcrossAttemptsAndTheLastCountingFailureNamesTheWorker() {
        JobHistory history = JobHistory.of(job(new EnqueuedState(),
                new ProcessingState(A, "a"), failure(FailureKind.KILLED_WORKER), new EnqueuedState(),
                new ProcessingState(B, "b"), failure(FailureKind.ORDINARY), new EnqueuedState(),
                new ProcessingState(A, "a"), failure(FailureKind.KILLED_WORKER), new EnqueuedState(),
                new ProcessingState(B, "b"), failure(FailureKind.ORDINARY)));

        assertThat(history.attemptsUsed()).isEqualTo(4);
        assertThat(history.attemptsStarted()).isEqualTo(4);
        assertThat(history.currentAttempt()).isEqualTo(5);
        assertThat(history.kills()).isEqualTo(2);
        assertThat(history.lastFailedOn()).contains(B);
    }

    private static FailedState failure(FailureKind kind) {
        Exception exception = switch (kind) {
            case ORDINARY -> new IllegalStateException("boom");
            case NON_RETRYABLE -> new JobRunrException("bad payload", true);
            case WORKER_LOST -> new WorkerLostException("worker died");
            case KILLED_WORKER -> new WorkerKilledException("killed its worker process");
            case HANDED_BACK -> new HandedBackException("handed back");
        };
        return new FailedState("An exception occurred during the performance of the job", exception);
    }

    private static Job job(JobState... states) {
        return new Job(UUID.randomUUID(), 1, new JobDetails("io.conveyor.worker.JobDispatcher", null, "run", List.of()),
                new ArrayList<>(List.of(states)), new ConcurrentHashMap<>());
    }
}
