package io.conveyor.worker;

import io.conveyor.common.Env;
import io.conveyor.common.JobKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerSettingsTest {

    @Test
    void theDataRootDefaultsToDataInTheWorkingDirectoryAndIsAlwaysAbsolute() {
        assertThat(WorkerSettings.from(new Env(Map.of())).dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.DATA_DIR, "files/../jobs"))).dataDir())
                .isEqualTo(Path.of("jobs").toAbsolutePath());
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.DATA_DIR, "/srv/conveyor"))).dataDir())
                .isEqualTo(Path.of("/srv/conveyor"));
    }

    @Test
    void jobKindsAreSetPerTypeAndBadEntriesAreRefusedNamingTheVariable() {
        assertThat(WorkerSettings.from(new Env(Map.of())).jobKinds()).isEmpty();
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.JOB_KINDS, " notify=WAITS, report=compute "))).jobKinds())
                .containsExactly(Map.entry("notify", JobKind.WAITS), Map.entry("report", JobKind.COMPUTE));
        for (String bad : new String[]{"notify", "notify=sleeps", "=waits", "a=waits,a=compute"}) {
            assertThatThrownBy(() -> WorkerSettings.from(new Env(Map.of(WorkerSettings.JOB_KINDS, bad))))
                    .as(bad).isInstanceOf(Env.SettingsException.class).hasMessageContaining(WorkerSettings.JOB_KINDS);
        }
    }

    @Test
    void theWaitingLaneHoldsSixteenJobsPerCoreByDefault() {
        assertThat(WorkerSettings.from(new Env(Map.of())).waitingJobs()).isEqualTo(16 * Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> WorkerSettings.from(new Env(Map.of(WorkerSettings.WAITING_JOBS, "0"))))
                .hasMessageContaining(WorkerSettings.WAITING_JOBS);
    }

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
    void aJobsLaneIsReadBackFromWhatIntakeWrote() {
        for (JobKind lane : JobKind.values()) {
            org.jobrunr.jobs.Job job = LedgerWriter.toJob(new io.conveyor.common.JobSubmission(java.util.UUID.randomUUID(), "t", null, 1,
                    java.util.List.of(), java.time.Instant.now()), lane);
            assertThat(JobLanes.laneOf(job)).isEqualTo(lane);
            assertThat(org.jobrunr.utils.JobUtils.getJobSignature(job)).isEqualTo(JobLanes.signature(lane));
        }
        assertThat(JobLanes.signature(JobKind.WAITS)).isNotEqualTo(JobLanes.signature(JobKind.COMPUTE));
    }
}
