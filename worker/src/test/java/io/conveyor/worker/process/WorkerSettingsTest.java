package io.conveyor.worker.process;

import io.conveyor.common.Env;
import io.conveyor.handler.JobKind;
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
                .containsOnly(Map.entry("notify", JobKind.WAITS), Map.entry("report", JobKind.COMPUTE));
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
}
