package io.conveyor.worker.retry;

import io.conveyor.common.failure.HandedBackException;
import io.conveyor.common.failure.WorkerKilledException;
import io.conveyor.common.failure.WorkerLostException;
import io.conveyor.worker.LedgerJobRequest;
import org.jobrunr.JobRunrException;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds a ledger job with a given history, e.g. {@code aJob().ranOn(a).failed().enqueued().ranOn(b)}.
 */
final class LedgerJobBuilder {

    private final List<JobState> history = new ArrayList<>(List.of(new EnqueuedState()));
    private int maxAttempts = 5;

    static LedgerJobBuilder aJob() {
        return new LedgerJobBuilder();
    }

    LedgerJobBuilder withMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    LedgerJobBuilder ranOn(UUID server) {
        history.add(new ProcessingState(server, "worker-" + server.toString().substring(0, 4)));
        return this;
    }

    LedgerJobBuilder failed() {
        return failedWith(new IllegalStateException("boom"));
    }

    LedgerJobBuilder failedNonRetryable() {
        return failedWith(new JobRunrException("bad payload", true));
    }

    LedgerJobBuilder lostItsWorker() {
        return failedWith(new WorkerLostException("worker died"));
    }

    LedgerJobBuilder killedItsWorker() {
        return failedWith(new WorkerKilledException("killed its worker process"));
    }

    LedgerJobBuilder handedBack() {
        return failedWith(new HandedBackException("handed back"));
    }

    LedgerJobBuilder enqueued() {
        history.add(new EnqueuedState());
        return this;
    }

    private LedgerJobBuilder failedWith(Exception exception) {
        history.add(new FailedState("An exception occurred during the performance of the job", exception));
        return this;
    }

    Job build() {
        Job job = new Job(UUID.randomUUID(), 1, new JobDetails(new LedgerJobRequest("fail", "{}")), history, new ConcurrentHashMap<>());
        job.setAmountOfRetries(maxAttempts - 1);
        return job;
    }
}
