package io.conveyor.worker;

import org.jobrunr.jobs.lambdas.JobRequestHandler;

/**
 * The JobRunr handler class of waiting-lane jobs: it only names the lane in the ledger's job signature
 * ({@link LedgerJobRequest#laneOf}); the job runs through the same {@link JobDispatcher} as any other.
 */
public record WaitingJobDispatcher(JobDispatcher dispatcher) implements JobRequestHandler<LedgerJobRequest> {

    @Override
    public void run(LedgerJobRequest request) throws Exception {
        dispatcher.run(request);
    }
}
