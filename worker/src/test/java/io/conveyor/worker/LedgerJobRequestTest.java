package io.conveyor.worker;

import io.conveyor.common.BatchCompletion;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.Ledger;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.intake.LedgerWriter;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.utils.JobUtils;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class LedgerJobRequestTest {

    @Test
    void aJobsLaneIsReadBackFromWhatIntakeWroteAndIsInItsSignature() {
        for (JobKind lane : JobKind.values()) {
            Job job = LedgerWriter.toJob(new JobSubmission(UUID.randomUUID(), "t", null, 1, List.of(), Instant.now()), lane);
            assertThat(LedgerJobRequest.laneOf(job)).isEqualTo(lane);
            assertThat(JobUtils.getJobSignature(job)).isEqualTo(LedgerJobRequest.signature(lane));
        }
        assertThat(LedgerJobRequest.signature(JobKind.WAITS)).isNotEqualTo(LedgerJobRequest.signature(JobKind.COMPUTE));
    }

    @Test
    void aJobWrittenBeforeLanesExistedIsAComputeJob() {
        Job job = new Job(UUID.randomUUID(), new org.jobrunr.jobs.JobDetails(new LedgerJobRequest("sleep", "{}", null, null, null)),
                new org.jobrunr.jobs.states.EnqueuedState());
        assertThat(LedgerJobRequest.laneOf(job)).isEqualTo(JobKind.COMPUTE);
        assertThat(JobUtils.getJobSignature(job)).isEqualTo(LedgerJobRequest.signature(JobKind.COMPUTE));
    }

    @Test
    void aJobOfNoBatchStoresNoBatchFieldsAndABatchsJobsStoreWhatTheLedgersTriggersRead() {
        JobMapper mapper = new JobMapper(Ledger.newJsonMapper());
        JobSubmission plain = new JobSubmission(UUID.randomUUID(), "noop", null, 1, List.of(), Instant.now());
        String plainJson = mapper.serializeJob(LedgerWriter.toJob(plain, JobKind.WAITS));
        assertThat(plainJson).doesNotContain("batch", "completesBatch", "thenOnEnded");

        UUID batch = UUID.randomUUID();
        String member = mapper.serializeJob(LedgerWriter.toJob(plain.inBatch(batch), JobKind.WAITS));
        assertThat(member).contains("\"batch\":\"" + batch + "\"");
        Job completion = LedgerWriter.toJob(plain.completing(new BatchCompletion(batch, 7, true)), JobKind.WAITS);
        assertThat(mapper.serializeJob(completion)).contains("\"completesBatch\":\"" + batch + "\"", "\"batchTotal\":7", "\"thenOnEnded\":true");
        assertThat(completion.getState()).as("a completion job waits for its batch").isEqualTo(StateName.SCHEDULED);
    }
}
