package io.conveyor.worker.run;

import io.conveyor.common.failure.JobHistory;
import org.jobrunr.jobs.Job;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attempt number of each job this worker is starting, noted when the job is claimed (the only moment Conveyor
 * sees the whole job with its history) and read once by the dispatcher for the handler's context.
 */
public final class Attempts {

    private final Map<UUID, Integer> starting = new ConcurrentHashMap<>();

    public void noteStarting(Job job) {
        starting.put(job.getId(), JobHistory.of(job).currentAttempt());
    }

    /** The attempt that is starting for {@code jobId}; 1 if it was not noted. */
    public int take(UUID jobId) {
        Integer attempt = starting.remove(jobId);
        return attempt == null ? 1 : attempt;
    }
}
