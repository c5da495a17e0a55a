package io.conveyor.worker;

import io.conveyor.common.JobSubmission;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.process.WorkerProcess;
import io.conveyor.worker.run.HandlerRegistry;
import org.jobrunr.jobs.Job;
import org.jobrunr.utils.JobUtils;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class JobLanesTest {

    @Test
    void aTypesKindIsTheSettingsElseItsHandlersElseCompute() {
        JobLanes lanes = new JobLanes(new HandlerRegistry(WorkerProcess.BUILT_IN_HANDLERS), Map.of("primes", JobKind.WAITS));
        assertThat(lanes.kindOf("sleep")).isEqualTo(JobKind.WAITS);
        assertThat(lanes.kindOf("noop")).isEqualTo(JobKind.WAITS);
        assertThat(lanes.kindOf("sort")).isEqualTo(JobKind.COMPUTE);
        assertThat(lanes.kindOf("primes")).isEqualTo(JobKind.WAITS);
        assertThat(lanes.kindOf("no-such-type")).isEqualTo(JobKind.COMPUTE);
    }

    @Test
    void aJobsLaneIsReadBackFromWhatIntakeWroteAndIsInItsSignature() {
        for (JobKind lane : JobKind.values()) {
            Job job = LedgerWriter.toJob(new JobSubmission(UUID.randomUUID(), "t", null, 1, List.of(), Instant.now()), lane);
            assertThat(JobLanes.laneOf(job)).isEqualTo(lane);
            assertThat(JobUtils.getJobSignature(job)).isEqualTo(JobLanes.signature(lane));
        }
        assertThat(JobLanes.signature(JobKind.WAITS)).isNotEqualTo(JobLanes.signature(JobKind.COMPUTE));
    }

    @Test
    void aJobWrittenBeforeLanesExistedIsAComputeJob() {
        Job job = new Job(UUID.randomUUID(), new org.jobrunr.jobs.JobDetails(new LedgerJobRequest("sleep", "{}", null, null, null)),
                new org.jobrunr.jobs.states.EnqueuedState());
        assertThat(JobLanes.laneOf(job)).isEqualTo(JobKind.COMPUTE);
        assertThat(JobUtils.getJobSignature(job)).isEqualTo(JobLanes.signature(JobKind.COMPUTE));
    }
}
