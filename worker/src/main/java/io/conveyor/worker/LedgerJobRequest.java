package io.conveyor.worker;

import io.conveyor.handler.Backoff;
import io.conveyor.common.JobPriority;
import io.conveyor.handler.JobKind;
import io.conveyor.common.JobSubmission;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;

import java.time.Duration;
import java.util.Optional;

/**
 * The JobRunr job request that carries a Conveyor job in the ledger: its type, its payload as JSON text, and the
 * submission's own retry back-off if it named one, the lane it runs on, its priority unless normal and its queue unless
 * the default one (the ledger's {@code conveyor_priority} and {@code conveyor_queue} columns are read from them, see
 * {@code ledger.LedgerSchema}), and its own timeout if it named one. JobRunr stores it with the job
 * and hands it to {@link JobDispatcher} (through {@link WaitingJobDispatcher} for the waiting lane) when the job runs.
 */
public record LedgerJobRequest(String type, String payload, Long backoffBaseMillis, Long backoffMaxMillis, JobKind lane,
                               JobPriority priority, Long timeoutMillis, String queue) implements JobRequest {

    /** A compute job; {@code lane} null (a job written before lanes existed) means the same. */
    public LedgerJobRequest(String type, String payload) {
        this(type, payload, null, null, JobKind.COMPUTE, null, null, null);
    }

    /**
     * A job of normal priority on the default queue ({@code priority} and {@code queue} null: stored as nothing, as
     * before priorities and queues existed).
     */
    public LedgerJobRequest(String type, String payload, Long backoffBaseMillis, Long backoffMaxMillis, JobKind lane) {
        this(type, payload, backoffBaseMillis, backoffMaxMillis, lane, null, null, null);
    }

    /** The handler class names the lane in the job's signature ({@link JobLanes}). */
    @Override
    public Class<? extends JobRequestHandler<LedgerJobRequest>> getJobRequestHandler() {
        return JobLanes.handlerOf(lane == null ? JobKind.COMPUTE : lane);
    }

    /** The submission's own timeout of an attempt, if it named one. */
    public Optional<Duration> timeout() {
        return timeoutMillis == null ? Optional.empty() : Optional.of(Duration.ofMillis(timeoutMillis));
    }

    /** The queue of a ledger job: the one its submission named, else the default queue. */
    public static String queueOf(Job job) {
        return job.getJobDetails().getJobParameters().getFirst().getObject() instanceof LedgerJobRequest request && request.queue() != null
                ? request.queue() : JobSubmission.DEFAULT_QUEUE;
    }

    /** The submission's own back-off, if it named one. */
    public Optional<Backoff> backoff() {
        return backoffBaseMillis == null || backoffMaxMillis == null
                ? Optional.empty()
                : Optional.of(new Backoff(Duration.ofMillis(backoffBaseMillis), Duration.ofMillis(backoffMaxMillis)));
    }
}
