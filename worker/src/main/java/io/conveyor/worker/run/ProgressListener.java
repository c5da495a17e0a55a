package io.conveyor.worker.run;

import java.util.UUID;

/** Hears each progress report that {@link JobProgress} forwards (at most every {@link JobProgress#FORWARD_INTERVAL} a job). */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (job, type, attempt, done, total) -> { };

    void progressed(UUID job, String type, int attempt, long done, long total);
}
