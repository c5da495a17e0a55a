package io.conveyor.worker;

import org.jobrunr.jobs.lambdas.JobRequest;

/**
 * The JobRunr job request that carries a Conveyor job in the ledger: its type and its payload as JSON text.
 * JobRunr stores it with the job and hands it to {@link JobDispatcher} when the job runs.
 */
public record LedgerJobRequest(String type, String payload) implements JobRequest {

    @Override
    public Class<JobDispatcher> getJobRequestHandler() {
        return JobDispatcher.class;
    }
}
