package io.conveyor.worker.intake;

import io.conveyor.worker.run.JobLanes;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.handler.Backoff;
import io.conveyor.handler.JobKind;
import io.conveyor.common.BatchCompletion;
import io.conveyor.common.JobPriority;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import io.conveyor.worker.ledger.BatchCompletionRelay;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.mappers.JobMapper;
import io.conveyor.worker.ledger.JobRows;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Writes accepted jobs into the JobRunr ledger as ENQUEUED jobs (SCHEDULED if for later, FAILED for a record that
 * was not a valid job), idempotently by job id: a job request seen twice (Kafka delivers at least once) never makes a
 * second job.
 */
public final class LedgerWriter {

    private final DataSource dataSource;
    private final JobRows rows;
    private final Consumer<List<Job>> onInserted;
    private final JobLanes lanes;

    /**
     * @param onInserted told of the jobs this writer created (after they were committed)
     * @param lanes      the lane each job type is written for
     */
    public LedgerWriter(DataSource dataSource, JobMapper jobMapper, Consumer<List<Job>> onInserted, JobLanes lanes) {
        this.dataSource = dataSource;
        this.rows = new JobRows(jobMapper);
        this.onInserted = onInserted;
        this.lanes = lanes;
    }

    /**
     * Inserts the jobs not yet in the ledger, in one statement; returns how many were new. Throws if the ledger could
     * not be written, in which case nothing may be acknowledged upstream.
     */
    public int insertNew(List<JobSubmission> submissions) throws SQLException {
        return insertNew(submissions, List.of());
    }

    /** As {@link #insertNew(List)}, with records that are not jobs written as FAILED jobs under the ids they named. */
    public int insertNew(List<JobSubmission> submissions, List<InvalidJobRecord> invalid) throws SQLException {
        Map<UUID, Job> byId = new LinkedHashMap<>();
        submissions.forEach(submission -> byId.computeIfAbsent(submission.id(), id -> submission.recurring() == null
                ? toJob(submission, lanes.kindOf(submission.type()))
                : recurringRun(submission, submission.acceptedAt(), TRIGGERED_REASON_PREFIX + submission.recurring() + "'")));
        invalid.forEach(record -> byId.computeIfAbsent(record.id(), id -> record.toJob()));
        return insert(List.copyOf(byId.values())).size();
    }

    /** Inserts those of {@code jobs} not in the ledger yet, in a transaction of their own; tells of them once committed. */
    private List<Job> insert(List<Job> jobs) throws SQLException {
        if (jobs.isEmpty()) {
            return jobs;
        }
        List<Job> inserted;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                inserted = rows.insert(connection, jobs);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
        if (!inserted.isEmpty()) {
            onInserted.accept(inserted);
        }
        return inserted;
    }

    /**
     * Inserts the job a recurring job makes for one fire time, unless its id is in the ledger already (another worker
     * made it); returns whether this call made it. Its history starts with the fire time (a SCHEDULED state that says
     * so, on the dashboard too), then ENQUEUED: it runs at once.
     */
    public boolean insertFired(JobSubmission submission, String recurringName, Instant fireTime) throws SQLException {
        return insert(List.of(recurringRun(submission.runOf(recurringName), fireTime, RECURRING_REASON_PREFIX + recurringName + "'"))).size() == 1;
    }

    /**
     * A run of the recurring job {@code submission.recurring()}: ENQUEUED, after a SCHEDULED state at {@code at} that
     * says why it runs, and with the recurring job's name as JobRunr's recurring job id, as JobRunr's own would have.
     */
    private Job recurringRun(JobSubmission submission, Instant at, String reason) {
        Job enqueued = toJob(submission, lanes.kindOf(submission.type()));
        Job job = new Job(submission.id(), 0, enqueued.getJobDetails(),
                List.of(new ScheduledState(at, reason), new EnqueuedState()), new ConcurrentHashMap<>());
        job.setJobName(enqueued.getJobName());
        job.setAmountOfRetries(enqueued.getAmountOfRetries());
        job.setLabels(enqueued.getLabels());
        job.setRecurringJobId(submission.recurring());
        return job;
    }

    /** The reason of the SCHEDULED state a recurring job's job starts with, followed by its name and a quote. */
    public static final String RECURRING_REASON_PREFIX = "fire time of recurring job '";

    /** The same for a run triggered by hand (the dashboard's Trigger button): at the time of the click. */
    public static final String TRIGGERED_REASON_PREFIX = "triggered on the dashboard: recurring job '";

    /** The reason of the SCHEDULED state of a job submitted for later. */
    public static final String SCHEDULED_REASON = "submitted for later";

    public static Job toJob(JobSubmission submission, JobKind lane) {
        String payload = JobSubmissionJson.MAPPER.valueToTree(submission.payload()).toString();
        Backoff backoff = submission.backoff();
        Long timeoutMillis = submission.timeout() == null ? null : submission.timeout().toMillis();
        BatchCompletion completes = submission.completes();
        LedgerJobRequest request = new LedgerJobRequest(submission.type(), payload, backoff == null ? null : backoff.base().toMillis(),
                backoff == null ? null : backoff.max().toMillis(), lane, storedPriority(submission), timeoutMillis, storedQueue(submission),
                submission.batch() == null ? null : submission.batch().toString(), completes == null ? null : completes.batch().toString(),
                completes == null ? null : completes.total(), completes == null ? null : completes.onEnded());
        // A job for later is SCHEDULED (on the dashboard's Scheduled page) until it is due; one due already runs at once.
        // A batch's completion job waits SCHEDULED until the ledger decided its batch (BatchCompletionRelay).
        JobState initial = completes != null ? BatchCompletionRelay.waiting(completes.batch())
                : submission.runAt() != null && submission.runAt().isAfter(Instant.now())
                ? new ScheduledState(submission.runAt(), SCHEDULED_REASON) : new EnqueuedState();
        Job job = new Job(submission.id(), new JobDetails(request), initial);
        job.setJobName(submission.type());
        job.setAmountOfRetries(submission.maxAttempts() - 1);
        job.setLabels(new ArrayList<>(submission.labels()));
        return job;
    }

    /** Normal priority is stored as nothing: the job's JSON stays as it was before priorities existed. */
    private static JobPriority storedPriority(JobSubmission submission) {
        return submission.priority() == JobPriority.NORMAL ? null : submission.priority();
    }

    /** The default queue is stored as nothing, likewise. */
    private static String storedQueue(JobSubmission submission) {
        return submission.queue().equals(JobSubmission.DEFAULT_QUEUE) ? null : submission.queue();
    }
}
