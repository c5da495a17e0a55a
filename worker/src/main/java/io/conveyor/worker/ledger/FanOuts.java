package io.conveyor.worker.ledger;

import io.conveyor.common.Continuation;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ElectStateFilter;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.StateName;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs that attempts fanned out ({@code JobContext.fanOut}), between the end of the handler and the transaction
 * that records the parent's success ({@link SucceededJobsWriter}), which inserts them. As an election filter (in
 * {@link ElectStateFilterChain}) it writes the parent's {@link Continuation} into the SUCCEEDED job's metadata, as
 * {@link JobResults} writes the result, and forgets the jobs of an attempt that did not succeed: they are never written.
 */
public final class FanOuts implements ElectStateFilter {

    private record Held(List<Job> jobs, Continuation continuation) {
    }

    private final Map<UUID, Held> pending = new ConcurrentHashMap<>();

    /** Holds the jobs (members, then the completion job) that the attempt of {@code parent} finishing now fanned out. */
    public void hold(UUID parent, List<Job> jobs, Continuation continuation) {
        pending.put(parent, new Held(List.copyOf(jobs), continuation));
    }

    @Override
    public void onStateElection(Job job, JobState newState) {
        Held held = pending.get(job.getId());
        if (held == null) {
            return;
        }
        if (newState.getName() == StateName.SUCCEEDED) {
            job.getMetadata().put(Continuation.METADATA_KEY, held.continuation().toJson());
        } else {
            pending.remove(job.getId());
        }
    }

    /** The jobs to write with {@code parent}'s success (none if it fanned out nothing); they stay held until {@link #written}. */
    List<Job> of(UUID parent) {
        Held held = pending.get(parent);
        return held == null ? List.of() : held.jobs();
    }

    /** {@code parent}'s success was written (with its jobs) or given up: its jobs are no longer held. */
    void written(UUID parent) {
        pending.remove(parent);
    }
}
