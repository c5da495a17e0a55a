package io.conveyor.api;

import io.conveyor.common.LedgerSignals;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.states.DeletedState;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * Cancels a job: it ends in JobRunr's DELETED state with the reason {@value #REASON}.
 * <p>
 * The ledger decides: the DELETED state is saved with JobRunr's versioned save, so a cancel racing the job's own end
 * (or another cancel) loses or wins as a whole; the loser sees the winner's state. A job waiting in the ledger
 * (ENQUEUED, SCHEDULED, AWAITING) is never claimed once DELETED. A running one is stopped by its worker, which learns
 * of it through PostgreSQL {@code NOTIFY} on {@code LedgerSignals.JOBS_CANCELLED} at once (JobRunr itself would notice at its next
 * heartbeat of running jobs, one poll interval later) and interrupts the job's thread. A job still in Kafka gets a
 * DELETED entry in the ledger under its id: intake writes only ids the ledger does not hold, so it never runs.
 */
final class JobCancellation {

    /** The reason a cancelled job's DELETED state gives; workers and clients tell a cancel from other deletes by it. */
    static final String REASON = "cancelled";
    /** Where a job still in Kafka is put: the worker's dispatcher, which would never see it run. */
    private static final String DISPATCHER = "io.conveyor.worker.JobDispatcher";
    private static final int TRIES = 10;
    private static final Logger LOGGER = LoggerFactory.getLogger(JobCancellation.class);

    private final DataSource dataSource;
    private final StorageProvider storage;
    private final JobIds ids;

    JobCancellation(DataSource dataSource, StorageProvider storage, JobIds ids) {
        this.dataSource = dataSource;
        this.storage = storage;
        this.ids = ids;
    }

    JobView cancel(UUID id) {
        try {
            for (int attempt = 0; attempt < TRIES; attempt++) {
                Job job = LedgerReader.jobOrNull(storage, id);
                if (job == null) {
                    if (!ids.issuedHere(id)) {
                        throw new ProblemException(Problem.status(404, "no job has the id " + id));
                    }
                    job = new Job(id, new JobDetails(DISPATCHER, null, "run", List.of()), new EnqueuedState());
                    job.setJobName("(cancelled before it reached the ledger)");
                }
                StateName state = job.getState();
                if (state == StateName.DELETED && isCancelled(job)) {
                    return JobView.of(job); // cancelling twice answers as once
                }
                if (state == StateName.SUCCEEDED || state == StateName.FAILED || state == StateName.DELETED) {
                    throw new ProblemException(Problem.jobState("job " + id + " already ended (" + state + "); only a job"
                            + " that has not ended can be cancelled" + (state == StateName.SUCCEEDED ? "" : "; POST /jobs/" + id + "/retry runs it again")));
                }
                job.delete(REASON);
                try {
                    storage.save(job);
                } catch (ConcurrentJobModificationException e) {
                    continue; // it changed meanwhile (claimed, ended, written by intake): decide again on what it is now
                }
                if (state == StateName.PROCESSING) {
                    announce(id);
                }
                return JobView.of(job);
            }
            throw new LedgerUnavailableException("job " + id + " kept changing while it was being cancelled; try again", null);
        } catch (StorageException e) {
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
    }

    static boolean isCancelled(Job job) {
        return job.getJobState() instanceof DeletedState deleted && REASON.equals(deleted.getReason());
    }

    /** A lost announcement costs time, not the cancel: the worker's heartbeat of running jobs finds the DELETED state. */
    private void announce(UUID id) {
        try {
            LedgerSignals.send(dataSource, LedgerSignals.JOBS_CANCELLED, id.toString());
        } catch (SQLException e) {
            LOGGER.warn("could not announce the cancel of job {} to the workers; they will notice at their next heartbeat: {}", id, e.toString());
        }
    }
}
