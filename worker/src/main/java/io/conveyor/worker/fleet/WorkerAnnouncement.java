package io.conveyor.worker.fleet;

import io.conveyor.common.WorkerAnnouncements;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * This worker's entry in the ledger's {@code conveyor_workers} ({@link WorkerAnnouncements}): the job types it runs and
 * the queues it serves, its name, host, pid, threads busy and total, when it started. Written before the worker claims
 * anything, and again every second (an upsert, so a row removed by another worker's rescuer while this one was judged
 * hung comes back); removed when the worker stops, or by the rescuer that finds it dead. Each refresh also reads what
 * the other live workers run, for {@link Fleet#hasOtherThatRuns}. Its types are added to {@code conveyor_job_types},
 * the record of every type ever announced that the API checks submissions against.
 */
public final class WorkerAnnouncement implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(WorkerAnnouncement.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);
    /** A row not refreshed for this long, whose lock is free, belongs to a dead worker. */
    private static final Duration STALE = Duration.ofSeconds(30);

    private final DataSource dataSource;
    private final UUID self;
    private final String name;
    private final List<String> types;
    private final List<String> queues;
    private final int threads;
    private final IntSupplier busy;
    private final Fleet fleet;
    private final Clock clock;
    private final Instant startedAt;
    private final String host = host();
    private boolean failureReported; // refresh thread only
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-announcement").daemon().factory());

    private WorkerAnnouncement(DataSource dataSource, UUID self, String name, Collection<String> types, Collection<String> queues,
                               int threads, IntSupplier busy, Fleet fleet, Clock clock) {
        this.dataSource = dataSource;
        this.self = self;
        this.name = name;
        this.types = List.copyOf(types);
        this.queues = List.copyOf(queues);
        this.threads = threads;
        this.busy = busy;
        this.fleet = fleet;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    /**
     * Announces the worker now (throws if the ledger does not take it: a worker nobody can see must not start), then
     * keeps the announcement current every second.
     *
     * @param threads how many jobs the worker runs at once, on both lanes
     * @param busy    how many it runs now
     */
    public static WorkerAnnouncement announce(DataSource dataSource, UUID self, String name, Collection<String> types,
                                              Collection<String> queues, int threads, IntSupplier busy, Fleet fleet, Clock clock)
            throws SQLException {
        WorkerAnnouncements.prepare(dataSource);
        WorkerAnnouncement announcement = new WorkerAnnouncement(dataSource, self, name, types, queues, threads, busy, fleet, clock);
        announcement.recordTypes();
        announcement.refresh();
        announcement.timer.scheduleWithFixedDelay(announcement::refreshSafely, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return announcement;
    }

    private void recordTypes() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement("insert into " + WorkerAnnouncements.TYPES
                     + " (type, first_announced, last_announced) select type, ?, ? from unnest(?) as type"
                     + " on conflict (type) do update set last_announced = excluded.last_announced")) {
            Timestamp now = Timestamp.from(clock.instant());
            insert.setTimestamp(1, now);
            insert.setTimestamp(2, now);
            insert.setArray(3, connection.createArrayOf("varchar", types.toArray()));
            insert.executeUpdate();
        }
    }

    private void refreshSafely() {
        try {
            refresh();
            failureReported = false;
        } catch (SQLException | RuntimeException e) {
            if (!failureReported) { // once per outage, not every second
                LOGGER.warn("could not refresh this worker's announcement in the ledger (trying every {} s): {}", PERIOD.toSeconds(), e.toString());
                failureReported = true;
            }
        }
    }

    private void refresh() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement upsert = connection.prepareStatement("insert into " + WorkerAnnouncements.WORKERS
                    + " (id, name, host, pid, types, queues, threads, busy, started_at, seen_at, lock_key) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " on conflict (id) do update set busy = excluded.busy, seen_at = excluded.seen_at")) {
                upsert.setString(1, self.toString());
                upsert.setString(2, name);
                upsert.setString(3, host);
                upsert.setLong(4, ProcessHandle.current().pid());
                upsert.setArray(5, connection.createArrayOf("varchar", types.toArray()));
                upsert.setArray(6, connection.createArrayOf("varchar", queues.toArray()));
                upsert.setInt(7, threads);
                upsert.setInt(8, busy.getAsInt());
                upsert.setTimestamp(9, Timestamp.from(startedAt));
                upsert.setTimestamp(10, Timestamp.from(clock.instant()));
                upsert.setLong(11, LivenessLock.key(self));
                upsert.executeUpdate();
            }
            forgetDeadOnes(connection);
            fleet.updateRuns(liveWorkers(connection));
        }
    }

    /**
     * Rows of workers that died unseen (the whole fleet stopped at once, or JobRunr dropped the server before a rescuer
     * looked): their lock is free and they have not refreshed for a while. Readers skip them anyway ({@code LIVE}).
     */
    private void forgetDeadOnes(Connection connection) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("delete from " + WorkerAnnouncements.WORKERS
                + " w where seen_at < ? and not " + WorkerAnnouncements.LIVE)) {
            delete.setTimestamp(1, Timestamp.from(clock.instant().minus(STALE)));
            delete.executeUpdate();
        }
    }

    private static Map<UUID, Fleet.Runs> liveWorkers(Connection connection) throws SQLException {
        Map<UUID, Fleet.Runs> runs = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("select id, types, queues from " + WorkerAnnouncements.WORKERS
                + " w where " + WorkerAnnouncements.LIVE);
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                runs.put(UUID.fromString(rows.getString(1)), new Fleet.Runs(strings(rows.getArray(2)), strings(rows.getArray(3))));
            }
        }
        return runs;
    }

    private static Set<String> strings(Array array) throws SQLException {
        return Set.of((String[]) array.getArray());
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** Removes a worker's row: at its own stop, or by the rescuer that found it gone. */
    static void withdraw(Connection connection, UUID worker) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("delete from " + WorkerAnnouncements.WORKERS + " where id = ?")) {
            delete.setString(1, worker.toString());
            delete.executeUpdate();
        }
    }

    /** Stops refreshing and removes this worker's row (a failure is logged: the rescuers and the liveness check cover it). */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Connection connection = dataSource.getConnection()) {
            withdraw(connection, self);
        } catch (SQLException e) {
            LOGGER.warn("could not remove this worker's announcement from the ledger: {}", e.toString());
        }
    }
}
