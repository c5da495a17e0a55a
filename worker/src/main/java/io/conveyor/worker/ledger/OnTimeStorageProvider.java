package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.RecurringJobsResult;
import org.jobrunr.storage.navigation.AmountRequest;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;

import javax.sql.DataSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * JobRunr's PostgreSQL storage, except that JobRunr's master finds only scheduled jobs that are overdue.
 *
 * <p>JobRunr's master enqueues, at each poll, every SCHEDULED job due before the <em>next</em> poll
 * ({@code ProcessScheduledJobsTask}: now + poll interval), so a job due in 4 s starts now, and a master that starts
 * enqueues everything due within a whole poll interval at once. Conveyor's workers start scheduled jobs themselves,
 * to the millisecond ({@code retry.RetryTimer}, {@code retry.ScheduledJobsWatch}), and tell the other workers; jobs
 * the master enqueued early started before their back-off or {@code runAt} ended, and were claimed only at the next
 * poll because nobody announced them. Here the master takes only jobs overdue by {@link #GRACE}: the ones whose timer
 * was lost with its worker, which it remains the fallback for. Nor does it see recurring jobs: the workers make their
 * jobs on time.
 *
 * <p>Nor does JobRunr's master keep the retention of finished jobs: {@link LedgerRetention} does, in bounded batches.
 * JobRunr's one maintenance task moves old SUCCEEDED jobs to DELETED page after page within a time box of 95 % of the
 * poll interval, and its permanent delete of old DELETED jobs, the next task of the same run, is skipped whenever the
 * box is used up: under steady load it never ran, and the ledger grew without bound. Both steps racing would also make
 * JobRunr's step fail on the jobs Conveyor's moved first (DELETED in the ledger as in its hands: a conflict its
 * resolver does not accept, counted towards stopping the server). So JobRunr's step finds no succeeded jobs to move and
 * deletes none for good here; its settings still show the retention in force on the dashboard.
 */
public final class OnTimeStorageProvider extends PostgresStorageProvider {

    /** How late a scheduled job must be before JobRunr's master enqueues it: a living worker's timer is on time. */
    static final Duration GRACE = Duration.ofSeconds(2);

    private final Clock clock;

    public OnTimeStorageProvider(DataSource dataSource) {
        this(dataSource, Clock.systemUTC());
    }

    OnTimeStorageProvider(DataSource dataSource, Clock clock) {
        super(dataSource);
        this.clock = clock;
    }

    /**
     * None: JobRunr's master would make a recurring job's jobs at its poll, ahead of time; the workers make each on
     * time instead ({@code recurring.RecurringJobsTimer}, reading {@link #recurringJobDefinitions()}).
     */
    @Override
    public RecurringJobsResult getRecurringJobs() {
        return new RecurringJobsResult();
    }

    /** Never: the master keeps the empty list it started with. */
    @Override
    public boolean recurringJobsUpdated(Long recurringJobsUpdatedHash) {
        return false;
    }

    /** The recurring jobs as the ledger holds them, which the dashboard shows. */
    public RecurringJobsResult recurringJobDefinitions() {
        return super.getRecurringJobs();
    }

    /** Whether they changed since the read whose {@link RecurringJobsResult#getLastModifiedHash()} is given: one sum. */
    public boolean recurringJobDefinitionsChangedSince(long lastModifiedHash) {
        return super.recurringJobsUpdated(lastModifiedHash);
    }

    /** None SUCCEEDED (JobRunr's retention asks for those only): {@link LedgerRetention} moves them. */
    @Override
    public List<Job> getJobList(StateName state, Instant updatedBefore, AmountRequest amountRequest) {
        return state == StateName.SUCCEEDED ? List.of() : super.getJobList(state, updatedBefore, amountRequest);
    }

    /** None for DELETED (JobRunr's retention deletes those only, in one unbounded statement): {@link LedgerRetention} does. */
    @Override
    public int deleteJobsPermanently(StateName state, Instant updatedBefore) {
        return state == StateName.DELETED ? 0 : super.deleteJobsPermanently(state, updatedBefore);
    }

    @Override
    public List<Job> getScheduledJobs(Instant scheduledBefore, AmountRequest amountRequest) {
        Instant overdue = clock.instant().minus(GRACE);
        return super.getScheduledJobs(scheduledBefore.isBefore(overdue) ? scheduledBefore : overdue, amountRequest);
    }
}
