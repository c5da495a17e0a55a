package io.conveyor.worker.fleet;

import io.conveyor.worker.ledger.LedgerTransitions;
import io.conveyor.common.WorkerAnnouncements;
import io.conveyor.common.failure.JobHistory;
import io.conveyor.common.failure.WorkerKilledException;
import io.conveyor.common.failure.WorkerLostException;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.BackgroundJobServerStatus;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.jobrunr.storage.Paging.AmountBasedList.ascOnUpdatedAt;

/**
 * Finds worker processes that died or hung and gives their running jobs to the living, every second, on every
 * worker (optimistic locking lets only one rescue each job). A worker is dead when its {@link LivenessLock} is free
 * at two probes in a row (its connection closed: PostgreSQL notices a killed process at once; a living worker whose
 * connection dropped takes the lock again before the second probe), and hung when its JobRunr heartbeat is older
 * than the hang timeout. JobRunr alone would wait four poll intervals (20 s or more) to fail such jobs as orphans.
 *
 * <p>No worker can heartbeat while the ledger database is down, so after an outage every heartbeat is old: a worker
 * is judged hung only once this rescuer has seen the ledger for a whole hang timeout without a break, which gives the
 * living workers that long to heartbeat again.
 */
public final class OrphanRescuer implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(OrphanRescuer.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final int PAGE = 1_000;

    private final UUID self;
    private final StorageProvider storage;
    private final DataSource dataSource;
    private final Supplier<LedgerTransitions> transitions;
    private final Fleet fleet;
    private final Duration hangTimeout;
    private final int quarantineKills;
    private final Runnable onJobsRescued;
    private final Clock clock;
    /** The workers whose lock was free at the previous probe (rescuer thread only). */
    private Set<UUID> lockFreeBefore = Set.of();
    /** Since when every check could read the ledger (rescuer thread only). */
    private Instant ledgerSeenSince;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-orphan-rescuer").daemon().factory());

    public OrphanRescuer(UUID self, StorageProvider storage, DataSource dataSource, Supplier<LedgerTransitions> transitions,
                         Fleet fleet, Duration hangTimeout, int quarantineKills, Runnable onJobsRescued, Clock clock) {
        this.self = self;
        this.storage = storage;
        this.dataSource = dataSource;
        this.transitions = transitions;
        this.fleet = fleet;
        this.hangTimeout = hangTimeout;
        this.quarantineKills = quarantineKills;
        this.onJobsRescued = onJobsRescued;
        this.clock = clock;
        this.ledgerSeenSince = clock.instant();
        timer.scheduleWithFixedDelay(this::checkSafely, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkSafely() {
        try {
            check();
        } catch (Exception e) {
            if (ledgerSeenSince != null) { // once per outage, not every second
                LOGGER.warn("could not check for dead workers (trying every {} s): {}", PERIOD.toSeconds(), e.toString());
            }
            ledgerSeenSince = null;
        }
    }

    private void check() throws SQLException {
        Set<UUID> alive = new HashSet<>();
        Set<BackgroundJobServerStatus> gone = new HashSet<>();
        Set<UUID> lockFreeNow = new HashSet<>();
        Instant hungBefore = clock.instant().minus(hangTimeout);
        List<BackgroundJobServerStatus> servers = storage.getBackgroundJobServers();
        if (ledgerSeenSince == null) {
            ledgerSeenSince = clock.instant();
        }
        boolean canJudgeHangs = !ledgerSeenSince.isAfter(hungBefore);
        for (BackgroundJobServerStatus server : servers) {
            if (server.getId().equals(self)) {
                alive.add(self);
                continue;
            }
            boolean lockFree = isDead(server.getId());
            if (lockFree) {
                lockFreeNow.add(server.getId());
            }
            // A free lock once may be a living worker between losing its connection and taking the lock again.
            boolean hung = canJudgeHangs && server.getLastHeartbeat().isBefore(hungBefore);
            if ((lockFree && lockFreeBefore.contains(server.getId())) || hung) {
                gone.add(server);
            } else {
                alive.add(server.getId());
            }
        }
        lockFreeBefore = lockFreeNow;
        fleet.update(alive);
        if (gone.isEmpty()) {
            return;
        }
        int rescued = 0;
        for (BackgroundJobServerStatus server : gone) {
            boolean died = lockFreeNow.contains(server.getId()); // else it hung
            LOGGER.info("worker {} ({}) is gone: {}", server.getName(), server.getId(), died ? "its connection closed" : "no heartbeat since " + server.getLastHeartbeat());
            rescued += rescueJobsOf(server, died);
            forget(server.getId());
        }
        if (rescued > 0) {
            onJobsRescued.run();
        }
    }

    private int rescueJobsOf(BackgroundJobServerStatus server, boolean died) throws SQLException {
        String reason = died
                ? "worker process " + server.getName() + " died while running this job"
                : "worker process " + server.getName() + " stopped responding (no heartbeat for " + hangTimeout.toSeconds() + " s)";
        Map<UUID, String> brokeIt = died ? deathNotes(server.getId()) : Map.of();
        List<Job> running = storage.getJobList(StateName.PROCESSING, ascOnUpdatedAt(PAGE));
        int rescued = 0;
        for (Job job : running) {
            if (ranOn(job, server.getId())) {
                String[] outcome = {reason};
                boolean saved = transitions.get().change(job.getId(), current -> ranOn(current, server.getId()), current -> {
                    String cause = brokeIt.get(current.getId());
                    if (cause == null) {
                        current.failed(reason, new WorkerLostException(reason));
                    } else { // the dying worker's last words name this job
                        outcome[0] = WorkerKilledException.reason(JobHistory.of(current).kills() + 1, quarantineKills, cause);
                        current.failed(outcome[0], new WorkerKilledException(outcome[0]));
                    }
                    return current;
                }).isPresent();
                if (saved) {
                    rescued++;
                    LOGGER.info("job {} ({}) rescued: {}", job.getId(), job.getJobName(), outcome[0]);
                } else {
                    LOGGER.info("job {} ({}) was not rescued: it changed meanwhile", job.getId(), job.getJobName());
                }
            }
        }
        return rescued;
    }

    /** What a dead worker's last words say: the job that broke its JVM, and how ({@code FatalJobErrors}). */
    private Map<UUID, String> deathNotes(UUID serverId) throws SQLException {
        Map<UUID, String> notes = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select job_id, cause from " + WorkerAnnouncements.DEATH_NOTES + " where server_id = ?")) {
            select.setString(1, serverId.toString());
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    notes.put(UUID.fromString(rows.getString(1)), rows.getString(2));
                }
            }
        }
        return notes;
    }

    private static boolean ranOn(Job job, UUID serverId) {
        return job.getState() == StateName.PROCESSING && job.<ProcessingState>getJobState().getServerId().equals(serverId);
    }

    /** Free lock = no live session holds it = the worker's connection is gone. */
    private boolean isDead(UUID serverId) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement tryLock = connection.prepareStatement("select pg_try_advisory_xact_lock(?)")) {
            tryLock.setLong(1, LivenessLock.key(serverId));
            try (ResultSet row = tryLock.executeQuery()) {
                return row.next() && row.getBoolean(1);
            }
        }
    }

    /**
     * Removes a gone server from JobRunr's server table, as JobRunr does itself once the heartbeat times out, so that
     * a new master is elected now rather than after four poll intervals; and its announcement, so that the fleet no
     * longer lists it (a hung worker that comes back announces itself again).
     */
    private void forget(UUID serverId) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement("delete from jobrunr_backgroundjobservers where id = ?")) {
            delete.setString(1, serverId.toString());
            delete.executeUpdate();
            WorkerAnnouncement.withdraw(connection, serverId);
            // its last words have been read; and notes a worker judged hung wrote before it died are of no use a day on
            try (PreparedStatement notes = connection.prepareStatement("delete from " + WorkerAnnouncements.DEATH_NOTES
                    + " where server_id = ? or written_at < now() - interval '1 day'")) {
                notes.setString(1, serverId.toString());
                notes.executeUpdate();
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
