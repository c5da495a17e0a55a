package io.conveyor.worker.process;

import io.conveyor.common.Env;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerSettingsTest {

    @Test
    void theDataRootDefaultsToDataInTheWorkingDirectoryAndIsAlwaysAbsolute() {
        assertThat(WorkerSettings.from(new Env(Map.of())).dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.DATA_DIR, "files/../jobs"))).dataDir())
                .isEqualTo(Path.of("jobs").toAbsolutePath());
        assertThat(WorkerSettings.from(new Env(Map.of(WorkerSettings.DATA_DIR, "/srv/conveyor"))).dataDir())
                .isEqualTo(Path.of("/srv/conveyor"));
    }
}
