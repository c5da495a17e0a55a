package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.JobDefaultFilters;
import org.jobrunr.jobs.filters.JobFilterUtils;
import org.jobrunr.scheduling.exceptions.JobNotFoundException;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.jobrunr.storage.StorageProvider;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Changes a job's state outside JobRunr's own job thread the way JobRunr does it: the change, then the state election
 * filters (retry policy), an optimistic-locked save, then the state-applied filters (events). A job that changed
 * meanwhile is left alone: whoever changed it first wins, so a terminal state is recorded once.
 */
public final class LedgerTransitions {

    private final StorageProvider storage;
    private final JobFilterUtils filters;

    public LedgerTransitions(StorageProvider storage, JobDefaultFilters jobFilters) {
        this.storage = storage;
        this.filters = new JobFilterUtils(jobFilters);
    }

    /**
     * Reads the job, and if {@code applies} still holds, changes it and saves it.
     *
     * @return the saved job, or empty if it was gone, no longer applied, or changed concurrently
     */
    public Optional<Job> change(UUID jobId, Predicate<Job> applies, UnaryOperator<Job> change) {
        return read(jobId).filter(applies).flatMap(job -> save(change.apply(job)));
    }

    /** The job as the ledger holds it now (its state and version), or empty if it is gone. */
    public Optional<Job> read(UUID jobId) {
        try {
            return Optional.of(storage.getJobById(jobId));
        } catch (JobNotFoundException | org.jobrunr.storage.JobNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * Elects, saves and announces a job already changed in memory; empty if another writer got there first: JobRunr's
     * update names the version it read, so one that finds the row at another version changes no row and throws
     * {@link ConcurrentJobModificationException}.
     */
    public Optional<Job> save(Job job) {
        filters.runOnStateElectionFilter(job);
        try {
            Job saved = storage.save(job);
            filters.runOnStateAppliedFilters(saved);
            return Optional.of(saved);
        } catch (ConcurrentJobModificationException e) {
            return Optional.empty();
        }
    }
}
