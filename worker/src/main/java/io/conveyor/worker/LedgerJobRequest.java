package io.conveyor.worker;

import io.conveyor.handler.Backoff;
import io.conveyor.common.JobPriority;
import io.conveyor.handler.JobKind;
import io.conveyor.common.JobSubmission;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.utils.JobUtils;

import java.time.Duration;
import java.util.Optional;

/**
 * The JobRunr job request that carries a Conveyor job in the ledger: its type, its payload as JSON text, and the
 * submission's own retry back-off if it named one, the lane it runs on, its priority unless normal and its queue unless
 * the default one (the ledger's {@code conveyor_priority} and {@code conveyor_queue} columns are read from them, see
 * {@code ledger.LedgerSchema}), and its own timeout if it named one. JobRunr stores it with the job
 * and hands it to {@link JobDispatcher} (through {@link WaitingJobDispatcher} for the waiting lane) when the job runs.
 * <p>
 * A job's lane is fixed when intake writes it, by the JobRunr handler class its request names, so that the ledger's
 * job signature column says the lane and a claim can ask for each lane's jobs alone ({@link #signature}).
 * <p>
 * A job of a batch also carries {@code batch} (a member: the batch's id) or {@code completesBatch}, {@code batchTotal}
 * and {@code thenOnEnded} (the batch's completion job); the ledger's batch triggers read them (see
 * {@code ledger.BatchLedger}). A job of no batch carries none of them, and its JSON is as before batches existed.
 */
public record LedgerJobRequest(String type, String payload, Long backoffBaseMillis, Long backoffMaxMillis, JobKind lane,
                               JobPriority priority, Long timeoutMillis, String queue,
                               String batch, String completesBatch, Integer batchTotal, Boolean thenOnEnded) implements JobRequest {

    /** A job of no batch. */
    public LedgerJobRequest(String type, String payload, Long backoffBaseMillis, Long backoffMaxMillis, JobKind lane,
                            JobPriority priority, Long timeoutMillis, String queue) {
        this(type, payload, backoffBaseMillis, backoffMaxMillis, lane, priority, timeoutMillis, queue, null, null, null, null);
    }

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

    /** The handler class names the lane in the job's signature. */
    @Override
    public Class<? extends JobRequestHandler<LedgerJobRequest>> getJobRequestHandler() {
        return lane == JobKind.WAITS ? WaitingJobDispatcher.class : JobDispatcher.class;
    }

    /** The lane a ledger job was written for (a job written before lanes existed is a compute job). */
    public static JobKind laneOf(Job job) {
        return WaitingJobDispatcher.class.getName().equals(job.getJobDetails().getClassName()) ? JobKind.WAITS : JobKind.COMPUTE;
    }

    /** The ledger's job signature of a lane's jobs. */
    public static String signature(JobKind lane) {
        return JobUtils.getJobSignature(new JobDetails(new LedgerJobRequest("signature", "{}", null, null, lane)));
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
