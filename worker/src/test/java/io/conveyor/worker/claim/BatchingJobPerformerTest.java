package io.conveyor.worker.claim;

import io.conveyor.handler.Backoff;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.ledger.ElectStateFilterChain;
import io.conveyor.worker.retry.RetryPolicy;
import io.conveyor.worker.run.Attempts;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.InMemoryStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class BatchingJobPerformerTest {

    @Test
    void aFailedAttemptIsElectedEvenWhenJobRunrsHeartbeatTookItsStateChangeFirst() {
        JacksonJsonMapper json = new JacksonJsonMapper();
        InMemoryStorageProvider storage = new InMemoryStorageProvider();
        storage.setJobMapper(new JobMapper(json));
        ConveyorJobServer server = new ConveyorJobServer(storage, json, null,
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration(), new Attempts(), 1, 1, Duration.ofSeconds(1));
        ElectStateFilterChain election = new ElectStateFilterChain(List.of(
                new RetryPolicy(job -> new Backoff(Duration.ofMillis(100), Duration.ofMillis(200)), 2, Clock.systemUTC(), new Random(1))));
        server.setJobFilters(List.of(election));
        server.useElection(election);

        Job job = new Job(UUID.randomUUID(), new JobDetails(new LedgerJobRequest("fail", "{}")), new EnqueuedState());
        job.setAmountOfRetries(4);
        storage.save(job);
        job.startProcessingOn(server);
        job.getStateChangesForJobFilters(); // the claim's applied filters ran
        storage.save(job);

        job.failed("attempt 1 fails", new IllegalStateException("on purpose"));
        job.getStateChangesForJobFilters(); // JobRunr's heartbeat of running jobs, on its own thread, took the change
        BatchingJobPerformer.of(server, job).saveAndRunStateRelatedJobFilters(job);

        assertThat(job.getState()).as("the attempt's outcome, with attempts left").isEqualTo(StateName.SCHEDULED);
        assertThat(storage.getJobById(job.getId()).getState()).isEqualTo(StateName.SCHEDULED);
        assertThat(job.getJobStates()).filteredOn(ProcessingState.class::isInstance).hasSize(1);
    }
}
