package io.conveyor.worker.ledger;

import io.conveyor.handler.JobHandler;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ElectStateFilter;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.StateName;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a handler's result with its job. JobRunr clears a job's metadata when it succeeds, so the dispatcher hands
 * the result here, and this state filter (run in {@link ElectStateFilterChain}) writes it into the metadata of the
 * SUCCEEDED job just before JobRunr saves it.
 */
public final class JobResults implements ElectStateFilter {

    private final Map<UUID, String> pending = new ConcurrentHashMap<>();

    /** Holds the result (JSON text) of the attempt that is finishing now. */
    public void hold(UUID jobId, String resultJson) {
        pending.put(jobId, resultJson);
    }

    @Override
    public void onStateElection(Job job, JobState newState) {
        String result = pending.remove(job.getId());
        if (result != null && newState.getName() == StateName.SUCCEEDED) {
            job.getMetadata().put(JobHandler.RESULT_METADATA_KEY, result);
        }
    }
}
