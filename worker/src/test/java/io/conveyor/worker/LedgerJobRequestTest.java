package io.conveyor.worker;

import io.conveyor.common.JobSubmission;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.intake.LedgerWriter;
import org.jobrunr.jobs.Job;
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
}
