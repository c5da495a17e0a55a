package io.conveyor.worker.recurring;

import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.RecurringSchedule;
import io.conveyor.worker.intake.LedgerWriter;
import org.jobrunr.jobs.RecurringJob;
import org.jobrunr.storage.RecurringJobsResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * Makes the job of each fire time of each recurring job, at that time. JobRunr's master would make them at its poll
 * (every 5 s at best, and ahead of time), so the workers' storage hides recurring jobs from it. Every worker asks the
 * ledger every {@link #LOOK_EVERY} whether the recurring jobs changed (one sum over their table; read again only if so)
 * and sets a timer for each fire time within {@link #AHEAD}; when it rings,
 * the worker reads the recurring job again (a deleted or changed one makes nothing) and inserts its job ENQUEUED under
 * an id derived from the name and fire time ({@link RecurringSchedule#jobId}): every worker tries, the ledger keeps
 * one. A fire time up to {@link #CATCH_UP} ago is still made, late (a recurring job put just before it, a timer that
 * failed while the ledger was away); older ones are skipped, as JobRunr skips runs missed while no server ran.
 */
public final class RecurringJobsTimer implements AutoCloseable {

    /** Also how late the first fire of a recurring job put just before it can be. */
    static final Duration LOOK_EVERY = Duration.ofMillis(200);
    static final Duration AHEAD = Duration.ofSeconds(3);
    static final Duration CATCH_UP = Duration.ofSeconds(3);
    private static final Logger LOGGER = LoggerFactory.getLogger(RecurringJobsTimer.class);

    private final Supplier<RecurringJobsResult> recurringJobs;
    private final LongPredicate changedSince;
    /** The recurring jobs as last read. */
    private volatile RecurringJobsResult known = new RecurringJobsResult();
    private final LedgerWriter ledger;
    private final Runnable onEnqueued;
    private final Clock clock;
    /** The fire times with a timer set, as name@time; dropped once past the catch-up window. */
    private final Set<String> armed = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-recurring-jobs").daemon().factory());

    /**
     * @param recurringJobs the recurring jobs as the ledger holds them now
     * @param changedSince  whether they changed since the read whose {@link RecurringJobsResult#getLastModifiedHash()} is given
     * @param onEnqueued    called after this worker made a job (to claim it and tell the others)
     */
    public RecurringJobsTimer(Supplier<RecurringJobsResult> recurringJobs, LongPredicate changedSince, LedgerWriter ledger, Runnable onEnqueued,
                              Clock clock) {
        this.recurringJobs = recurringJobs;
        this.changedSince = changedSince;
        this.ledger = ledger;
        this.onEnqueued = onEnqueued;
        this.clock = clock;
        timer.scheduleWithFixedDelay(this::look, 0, LOOK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void look() {
        try {
            if (changedSince.test(known.getLastModifiedHash())) {
                known = recurringJobs.get();
            }
            Instant now = clock.instant();
            for (RecurringJob recurring : known) {
                Instant from = max(now.minus(CATCH_UP), recurring.getCreatedAt());
                for (Instant fireTime : RecurringSchedule.fireTimes(recurring, from, now.plus(AHEAD))) {
                    arm(recurring, fireTime, now);
                }
            }
        } catch (RuntimeException e) {
            LOGGER.debug("could not read the recurring jobs; trying again in {} ms: {}", LOOK_EVERY.toMillis(), e.toString());
        }
    }

    private void arm(RecurringJob recurring, Instant fireTime, Instant now) {
        String key = recurring.getId() + "@" + fireTime;
        if (!armed.add(key)) {
            return;
        }
        long delay = Math.max(0, Duration.between(now, fireTime).toMillis());
        timer.schedule(() -> fire(recurring, fireTime, key), delay, TimeUnit.MILLISECONDS);
        timer.schedule(() -> armed.remove(key), delay + CATCH_UP.plus(AHEAD).toMillis(), TimeUnit.MILLISECONDS);
    }

    private void fire(RecurringJob armedFor, Instant fireTime, String key) {
        try {
            Optional<RecurringJob> current = recurringJobs.get().stream().filter(r -> r.getId().equals(armedFor.getId())).findFirst();
            if (current.isEmpty() || !sameDefinition(current.get(), armedFor)) {
                return; // deleted or replaced since: the replacement's own timers make its jobs
            }
            String name = armedFor.getId();
            JobSubmission submission = JobSubmissionJson.fromClient(JobSubmissionJson.MAPPER.readTree(RecurringSchedule.jobJson(armedFor)),
                    RecurringSchedule.jobId(name, fireTime), fireTime);
            if (ledger.insertFired(submission, name, fireTime)) {
                LOGGER.debug("recurring job {}: made job {} for {}", name, submission.id(), fireTime);
                onEnqueued.run();
            }
        } catch (Exception e) {
            armed.remove(key); // the next look sets it again while the fire time is within the catch-up window
            LOGGER.warn("recurring job {}: could not make the job for {} ({}); trying again within {} s",
                    armedFor.getId(), fireTime, e.toString(), CATCH_UP.toSeconds());
        }
    }

    private static boolean sameDefinition(RecurringJob a, RecurringJob b) {
        return Objects.equals(a.getScheduleExpression(), b.getScheduleExpression()) && Objects.equals(a.getZoneId(), b.getZoneId())
                && Objects.equals(a.getCreatedAt(), b.getCreatedAt()) && RecurringSchedule.jobJson(a).equals(RecurringSchedule.jobJson(b));
    }

    private static Instant max(Instant a, Instant b) {
        return b != null && b.isAfter(a) ? b : a;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
