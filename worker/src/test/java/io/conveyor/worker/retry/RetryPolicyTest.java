package io.conveyor.worker.retry;

import io.conveyor.handler.Backoff;
import io.conveyor.common.failure.JobHistory;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.StateName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;
import java.util.UUID;

import static io.conveyor.worker.retry.LedgerJobBuilder.aJob;
import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();

    private final RetryPolicy policy = new RetryPolicy(job -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8)), 2,
            Clock.fixed(NOW, ZoneOffset.UTC), new Random(42));

    @Test
    void anOrdinaryFailureIsScheduledAfterAJitteredBackoff() {
        Job job = elect(aJob().ranOn(A).failed().build());
        assertThat(job.getState()).isEqualTo(StateName.SCHEDULED);
        Instant at = job.<ScheduledState>getJobState().getScheduledAt();
        assertThat(Duration.between(NOW, at)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
    }

    @Test
    void theBackoffDoublesAndIsCapped() {
        Job third = elect(aJob().ranOn(A).failed().enqueued().ranOn(B).failed().enqueued().ranOn(A).failed().build());
        assertThat(Duration.between(NOW, third.<ScheduledState>getJobState().getScheduledAt())).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8));
        assertThat(backoff.delayBefore(10, new Random(1))).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
    }

    @Test
    void noRetryOnceTheAttemptsAreUsedUp() {
        Job job = elect(aJob().withMaxAttempts(2).ranOn(A).failed().enqueued().ranOn(B).failed().build());
        assertThat(job.getState()).isEqualTo(StateName.FAILED);
    }

    @Test
    void aNonRetryableFailureStaysFailed() {
        assertThat(elect(aJob().ranOn(A).failedNonRetryable().build()).getState()).isEqualTo(StateName.FAILED);
    }

    @Test
    void aJobThatLostItsWorkerIsEnqueuedAtOnceAndTheAttemptCounts() {
        Job job = elect(aJob().ranOn(A).lostItsWorker().build());
        assertThat(job.getState()).isEqualTo(StateName.ENQUEUED);
        assertThat(JobHistory.of(job).currentAttempt()).isEqualTo(2);
    }

    @Test
    void aHandBackIsEnqueuedAtOnceAndIsNotAnAttempt() {
        Job job = elect(aJob().ranOn(A).handedBack().build());
        assertThat(job.getState()).isEqualTo(StateName.ENQUEUED);
        assertThat(JobHistory.of(job).currentAttempt()).isEqualTo(1);
    }

    @Test
    void aJobThatKilledTwoWorkersIsQuarantined() {
        Job once = elect(aJob().ranOn(A).killedItsWorker().build());
        assertThat(once.getState()).isEqualTo(StateName.ENQUEUED);
        Job twice = elect(aJob().ranOn(A).killedItsWorker().enqueued().ranOn(B).killedItsWorker().build());
        assertThat(twice.getState()).isEqualTo(StateName.FAILED);
        assertThat(JobHistory.of(twice).kills()).isEqualTo(2);
    }

    @Test
    void theWorkerWhoseAttemptFailedIsKnownAcrossHandBacks() {
        Job job = aJob().ranOn(A).failed().enqueued().ranOn(A).handedBack().enqueued().ranOn(B).build();
        assertThat(JobHistory.of(job).lastFailedOn()).contains(A);
        assertThat(JobHistory.of(aJob().ranOn(A).lostItsWorker().enqueued().ranOn(B).build()).lastFailedOn()).isEmpty();
    }

    private Job elect(Job job) {
        policy.onStateElection(job, job.getJobState());
        return job;
    }
}
