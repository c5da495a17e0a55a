package io.conveyor.worker.process;

import io.conveyor.common.Env;
import io.conveyor.handler.JobKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
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
    void aWorkerServesTheDefaultQueueUnlessToldAndQueueNamesFollowTheTypeRules() {
        assertThat(WorkerSettings.from(new Env(Map.of())).queues()).containsExactly("default");
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.QUEUES, " reports, default "))).queues()).containsExactly("reports", "default");
        for (String bad : new String[]{" , ", "a queue", "reports,reports", "-x"}) {
            assertThatThrownBy(() -> WorkerSettings.from(new Env(Map.of(WorkerSettings.QUEUES, bad))))
                    .as(bad).isInstanceOf(Env.SettingsException.class).hasMessageContaining(WorkerSettings.QUEUES);
        }
    }

    @Test
    void unroutableJobsWaitForeverUnlessASpanIsSet() {
        assertThat(WorkerSettings.from(new Env(Map.of())).unroutableAfter()).isEmpty();
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.UNROUTABLE_AFTER, "NEVER"))).unroutableAfter()).isEmpty();
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.UNROUTABLE_AFTER, "600"))).unroutableAfter()).contains(Duration.ofMinutes(10));
        for (String bad : new String[]{"0", "-1", "10m", "99999999"}) {
            assertThatThrownBy(() -> WorkerSettings.from(new Env(Map.of(WorkerSettings.UNROUTABLE_AFTER, bad))))
                    .as(bad).isInstanceOf(Env.SettingsException.class).hasMessageContaining(WorkerSettings.UNROUTABLE_AFTER);
        }
    }

    @Test
    void retentionKeepsJobRunrsDefaultsUnlessSetInSeconds() {
        WorkerSettings defaults = WorkerSettings.from(new Env(Map.of()));
        assertThat(defaults.deleteSucceededAfter()).isEqualTo(Duration.ofHours(36));
        assertThat(defaults.deleteDeletedAfter()).isEqualTo(Duration.ofHours(72));
        WorkerSettings set = WorkerSettings.from(new Env(Map.of(WorkerSettings.DELETE_SUCCEEDED_AFTER_SECONDS, "60",
                WorkerSettings.DELETE_DELETED_AFTER_SECONDS, "3600")));
        assertThat(set.deleteSucceededAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(set.deleteDeletedAfter()).isEqualTo(Duration.ofHours(1));
        for (String variable : new String[]{WorkerSettings.DELETE_SUCCEEDED_AFTER_SECONDS, WorkerSettings.DELETE_DELETED_AFTER_SECONDS}) {
            for (String bad : new String[]{"0", "-5", "1h", "400000000"}) {
                assertThatThrownBy(() -> WorkerSettings.from(new Env(Map.of(variable, bad))))
                        .as(variable + "=" + bad).isInstanceOf(Env.SettingsException.class).hasMessageContaining(variable);
            }
        }
    }

    @Test
    void theWaitingLaneHoldsSixteenJobsPerCoreByDefault() {
        assertThat(WorkerSettings.from(new Env(Map.of())).waitingJobs()).isEqualTo(16 * Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> WorkerSettings.from(new Env(Map.of(WorkerSettings.WAITING_JOBS, "0"))))
                .hasMessageContaining(WorkerSettings.WAITING_JOBS);
    }

    @Test
    void typeLimitsAreSetPerTypeAndBadEntriesAreRefusedNamingTheVariable() {
        assertThat(WorkerSettings.from(new Env(Map.of())).typeLimits()).isEmpty();
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.TYPE_LIMITS, "sort=2, hash-files=4"))).typeLimits())
                .containsExactly(Map.entry("sort", 2), Map.entry("hash-files", 4));
        for (String bad : new String[]{"sort", "sort=0", "sort=-1", "sort=two", "=2", "sort=2,sort=3"}) {
            assertThatThrownBy(() -> WorkerSettings.from(new Env(Map.of(WorkerSettings.TYPE_LIMITS, bad))))
                    .as(bad).isInstanceOf(Env.SettingsException.class).hasMessageContaining(WorkerSettings.TYPE_LIMITS);
        }
        assertThat(WorkerSettings.from(new Env(Map.of())).priorityAging()).isEqualTo(WorkerSettings.PRIORITY_AGING_DEFAULT);
    }
}
