package io.conveyor.worker.retry;

import io.conveyor.worker.intake.LedgerWriter;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.ScheduledState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts jobs submitted for later ({@code runAt}, {@code delayMillis}) when they are due, to the millisecond: JobRunr
 * moves due SCHEDULED jobs only at its master's poll (every 5 s at best). Every worker looks ahead in the ledger every
 * {@link #LOOK_EVERY} for such jobs due within {@link #HORIZON} and sets a timer for each ({@link RetryTimer}); the
 * worker that writes one to the ledger sets its timer at once. When one is due, every worker that holds a timer for
 * it tries the same versioned enqueue, one wins; JobRunr's poll remains the fallback. Whoever wins claims at once and
 * tells the others. A worker that starts, or was away, finds what is due through the look-ahead.
 */
public final class ScheduledJobsWatch implements AutoCloseable {

    static final Duration HORIZON = Duration.ofSeconds(60);
    static final Duration LOOK_EVERY = Duration.ofSeconds(20);
    private static final int MOST_PER_LOOK = 10_000;
    private static final Logger LOGGER = LoggerFactory.getLogger(ScheduledJobsWatch.class);

    private final DataSource dataSource;
    private final JobMapper jobs;
    private final RetryTimer timer;
    private final Runnable onEnqueued;
    private final Clock clock;
    /** The jobs with a timer set, by id, and the time it is set for; a job is dropped once its timer ran. */
    private final Map<UUID, Instant> armed = new ConcurrentHashMap<>();
    private final ScheduledExecutorService looker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-scheduled-jobs").daemon().factory());

    public ScheduledJobsWatch(DataSource dataSource, JobMapper jobs, RetryTimer timer, Runnable onEnqueued, Clock clock) {
        this.dataSource = dataSource;
        this.jobs = jobs;
        this.timer = timer;
        this.onEnqueued = onEnqueued;
        this.clock = clock;
        looker.scheduleWithFixedDelay(this::lookAhead, 0, LOOK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sets timers for the jobs for later among those just written to the ledger, if due within the horizon. */
    public void written(List<Job> written) {
        Instant horizon = clock.instant().plus(HORIZON);
        for (Job job : written) {
            if (job.getJobState() instanceof ScheduledState scheduled && !scheduled.getScheduledAt().isAfter(horizon)) {
                arm(job, scheduled);
            }
        }
    }

    private void lookAhead() {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select jobasjson from jobrunr_jobs where state = 'SCHEDULED'"
                     + " and scheduledat <= ? order by scheduledat limit " + MOST_PER_LOOK)) {
            select.setTimestamp(1, Timestamp.from(clock.instant().plus(HORIZON).plus(LOOK_EVERY)));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Job job = jobs.deserializeJob(rows.getString(1));
                    if (job.getJobState() instanceof ScheduledState scheduled) {
                        arm(job, scheduled);
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOGGER.debug("could not look for jobs due soon; trying again in {} s: {}", LOOK_EVERY.toSeconds(), e.toString());
        }
    }

    /** Only jobs submitted for later: a retry's timer is its own worker's ({@link RetryTimer}), not every worker's. */
    private void arm(Job job, ScheduledState scheduled) {
        if (!LedgerWriter.SCHEDULED_REASON.equals(scheduled.getReason())) {
            return;
        }
        if (scheduled.getScheduledAt().equals(armed.put(job.getId(), scheduled.getScheduledAt()))) {
            return; // set already
        }
        timer.enqueueWhenDue(job, () -> onEnqueued.run());
        looker.schedule(() -> armed.remove(job.getId(), scheduled.getScheduledAt()),
                Math.max(0, Duration.between(clock.instant(), scheduled.getScheduledAt()).toMillis()) + 1_000, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        looker.shutdownNow();
    }
}
