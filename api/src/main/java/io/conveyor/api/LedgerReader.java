package io.conveyor.api;

import org.jobrunr.jobs.Job;
import org.jobrunr.storage.JobNotFoundException;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.StorageProvider;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Reads a job's state and history from the ledger through JobRunr's storage API, the same one the dashboard reads. A
 * job that fanned out is shown as its continuation shows it ({@link JobView#continuedBy}), following a continuation
 * that fanned out in turn, up to {@value #MAX_CONTINUATIONS} deep. A batch's completion job that waits for its batch
 * shows the batch's progress (members ended of its total) as its own, and so does a job it continues.
 */
public final class LedgerReader {

    static final int MAX_CONTINUATIONS = 16;

    private final StorageProvider storage;
    private final Function<UUID, Optional<JobView.Progress>> batchProgress;

    /** A reader that shows no batch's progress. */
    public LedgerReader(StorageProvider storage) {
        this(storage, batch -> Optional.empty());
    }

    /** @param batchProgress how far a batch is: its members ended, of its total */
    public LedgerReader(StorageProvider storage, Function<UUID, Optional<JobView.Progress>> batchProgress) {
        this.storage = storage;
        this.batchProgress = batchProgress;
    }

    /** The job with this id, or empty if the ledger has none; throws {@link LedgerUnavailableException} if it cannot tell. */
    public Optional<JobView> find(UUID id) {
        return read(id).map(view -> followed(view, MAX_CONTINUATIONS));
    }

    private JobView followed(JobView view, int depth) {
        if (view.continuation() == null || depth == 0) {
            return view;
        }
        return read(view.continuation().then()).map(then -> view.continuedBy(followed(then, depth - 1))).orElse(view);
    }

    private Optional<JobView> read(UUID id) {
        Job job;
        try {
            job = jobOrNull(storage, id);
        } catch (StorageException e) {
            // JobRunr wraps SQL errors (no free connection in time, connection refused) in StorageException.
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
        return Optional.ofNullable(job).map(JobView::of).map(view -> view.waitsForBatch().flatMap(batchProgress).map(view::withProgress).orElse(view));
    }

    /** The ledger's job with this id, or null if it has none (JobRunr answers that with an exception). */
    static Job jobOrNull(StorageProvider storage, UUID id) {
        try {
            return storage.getJobById(id);
        } catch (JobNotFoundException e) {
            return null;
        }
    }
}
