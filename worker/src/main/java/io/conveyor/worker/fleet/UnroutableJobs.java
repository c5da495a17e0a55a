package io.conveyor.worker.fleet;

import io.conveyor.common.WorkerAnnouncements;
import io.conveyor.worker.ledger.LedgerTransitions;
import org.jobrunr.JobRunrException;
import org.jobrunr.jobs.states.StateName;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code CONVEYOR_UNROUTABLE_AFTER}: fails, for good, the ENQUEUED jobs that have waited that long while no live worker
 * runs their type on their queue (a type whose workers never came, a queue nobody serves), with the reason as the
 * failure's message. Every worker sweeps every few seconds; JobRunr's optimistic locking lets one fail each job, and
 * a job that a worker claimed meanwhile is left alone. Off by default: such a job waits for a worker that can run it.
 */
public final class UnroutableJobs implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(UnroutableJobs.class);
    private static final Duration PERIOD = Duration.ofSeconds(2);
    private static final int PAGE = 500;
    private static final String LIVE = "select 1 from " + WorkerAnnouncements.WORKERS + " w where " + WorkerAnnouncements.LIVE;

    private final DataSource dataSource;
    private final Supplier<LedgerTransitions> transitions;
    private final Duration after;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-unroutable-jobs").daemon().factory());

    public UnroutableJobs(DataSource dataSource, Supplier<LedgerTransitions> transitions, Duration after, Clock clock) {
        this.dataSource = dataSource;
        this.transitions = transitions;
        this.after = after;
        this.clock = clock;
        timer.scheduleWithFixedDelay(this::sweepSafely, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (SQLException | RuntimeException e) {
            LOGGER.debug("could not look for unroutable jobs: {}", e.toString());
        }
    }

    private void sweep() throws SQLException {
        Instant waitedSince = clock.instant().minus(after);
        for (Map.Entry<UUID, String> job : unroutable(waitedSince).entrySet()) {
            String reason = "no live worker could run it for " + after.toSeconds() + " s (" + UnroutableJobs.class.getSimpleName()
                    + ", CONVEYOR_UNROUTABLE_AFTER): " + job.getValue();
            boolean failed = transitions.get().change(job.getKey(),
                    current -> current.getState() == StateName.ENQUEUED && current.getUpdatedAt().isBefore(waitedSince),
                    current -> {
                        current.failed(reason, new JobRunrException(reason, true));
                        return current;
                    }).isPresent();
            if (failed) {
                LOGGER.info("job {} failed: {}", job.getKey(), reason);
            }
        }
    }

    /** The ids of ENQUEUED jobs waiting since before {@code waitedSince} that no live worker can run, with why. */
    private Map<UUID, String> unroutable(Instant waitedSince) throws SQLException {
        Map<UUID, String> jobs = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select j.id, j.conveyor_type, j.conveyor_queue,"
                     + " exists (" + LIVE + " and j.conveyor_type = any(w.types)), exists (" + LIVE + " and j.conveyor_queue = any(w.queues))"
                     + " from jobrunr_jobs j where j.state = 'ENQUEUED' and j.updatedAt < ?"
                     + " and not exists (" + LIVE + " and j.conveyor_type = any(w.types) and j.conveyor_queue = any(w.queues))"
                     + " order by j.updatedAt limit " + PAGE)) {
            select.setTimestamp(1, Timestamp.from(waitedSince));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String type = rows.getString(2);
                    String queue = rows.getString(3);
                    String why = !rows.getBoolean(4) ? "no live worker runs type '" + type + "'"
                            : rows.getBoolean(5) ? "no live worker runs type '" + type + "' on queue '" + queue + "'"
                            : "no live worker serves queue '" + queue + "'";
                    jobs.put(UUID.fromString(rows.getString(1)), why);
                }
            }
        }
        return jobs;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
