package io.conveyor.worker;

import io.conveyor.handler.Backoff;
import org.jobrunr.jobs.lambdas.JobRequest;

import java.time.Duration;
import java.util.Optional;

/**
 * The JobRunr job request that carries a Conveyor job in the ledger: its type, its payload as JSON text, and the
 * submission's own retry back-off if it named one. JobRunr stores it with the job and hands it to
 * {@link JobDispatcher} when the job runs.
 */
public record LedgerJobRequest(String type, String payload, Long backoffBaseMillis, Long backoffMaxMillis) implements JobRequest {

    public LedgerJobRequest(String type, String payload) {
        this(type, payload, null, null);
    }

    @Override
    public Class<JobDispatcher> getJobRequestHandler() {
        return JobDispatcher.class;
    }

    /** The submission's own back-off, if it named one. */
    public Optional<Backoff> backoff() {
        return backoffBaseMillis == null || backoffMaxMillis == null
                ? Optional.empty()
                : Optional.of(new Backoff(Duration.ofMillis(backoffBaseMillis), Duration.ofMillis(backoffMaxMillis)));
    }
}
