package io.conveyor.api;

import io.conveyor.common.LedgerSignals;
import io.conveyor.common.failure.JobHistory;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.jobs.states.SucceededState;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Clock;
import java.util.UUID;

/**
 * Runs a FAILED or DELETED job again: it is ENQUEUED with a fresh attempt budget, its history kept. The history gets
 * a SCHEDULED state with the reason {@value JobHistory#RETRIED_BY_HAND} (due at once) before the ENQUEUED one, and
 * {@link JobHistory} counts attempts and kills from there. A job that ever succeeded is never run again (JobRunr
 * deletes succeeded jobs after 36 h: such a DELETED job is refused). The workers hear of it at once, as of any
 * enqueued job ({@code NOTIFY conveyor_jobs_waiting}).
 */
final class JobRetry {

    private static final int TRIES = 10;
    private static final Logger LOGGER = LoggerFactory.getLogger(JobRetry.class);

    private final DataSource dataSource;
    private final StorageProvider storage;
    private final JobIds ids;
    private final Clock clock;

    JobRetry(DataSource dataSource, StorageProvider storage, JobIds ids, Clock clock) {
        this.dataSource = dataSource;
        this.storage = storage;
        this.ids = ids;
        this.clock = clock;
    }

    /** Retries one job; 404 for an unknown id, 409 for a job that is not FAILED or DELETED. */
    JobView retry(UUID id) {
        try {
            for (int attempt = 0; attempt < TRIES; attempt++) {
                Job job = LedgerReader.jobOrNull(storage, id);
                if (job == null) {
                    if (ids.issuedHere(id)) {
                        throw conflict("job " + id + " is ACCEPTED (in Kafka, not in the ledger yet): it has not run, so there is nothing to retry");
                    }
                    throw new ProblemException(Problem.status(404, "no job has the id " + id));
                }
                if (retried(job)) {
                    announce();
                    return JobView.of(job);
                }
            }
            throw new LedgerUnavailableException("job " + id + " kept changing while it was being retried; try again", null);
        } catch (StorageException e) {
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
    }

    /**
     * Retries this job as read from the ledger: true if saved, false if it changed meanwhile (read it again and
     * decide anew); a {@link ProblemException} (409) if it cannot be retried.
     */
    boolean retried(Job job) {
        StateName state = job.getState();
        if (state != StateName.FAILED && state != StateName.DELETED) {
            throw conflict("job " + job.getId() + " is " + state + "; only a FAILED or DELETED job can be retried");
        }
        if (job.getJobStates().stream().anyMatch(SucceededState.class::isInstance)) {
            throw conflict("job " + job.getId() + " succeeded before it was deleted; a job never succeeds twice: submit a new one");
        }
        if (job.getJobDetails().getJobParameters().isEmpty()) {
            throw conflict("job " + job.getId() + " was cancelled before it reached the ledger, which never saw its type and payload: submit it again");
        }
        job.scheduleAt(clock.instant(), JobHistory.RETRIED_BY_HAND);
        job.enqueue();
        try {
            storage.save(job);
            return true;
        } catch (ConcurrentJobModificationException e) {
            return false;
        }
    }

    private static ProblemException conflict(String detail) {
        return new ProblemException(Problem.jobState(detail));
    }

    /** Tells idle workers to claim now; lost, it costs the workers' poll interval. */
    void announce() {
        try {
            LedgerSignals.send(dataSource, LedgerSignals.JOBS_WAITING, "api");
        } catch (SQLException e) {
            LOGGER.warn("could not tell the workers that retried jobs wait; they claim them at their next poll: {}", e.toString());
        }
    }
}
