package io.conveyor.worker.fleet;

import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.WorkerAnnouncements;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

/**
 * A worker's proof of life that needs no heartbeat: a PostgreSQL session-level advisory lock keyed by its JobRunr
 * server id, held on a connection of its own. When the process dies, even by {@code kill -9}, the kernel closes the
 * connection and PostgreSQL frees the lock at once, so other workers can tell a dead worker within a second or two.
 *
 * <p>The connection can also drop while the worker lives (PostgreSQL restarted, the session terminated, a network
 * blip). A watchdog notices within {@link #CHECK_PERIOD} and takes the lock again on a new connection, well before
 * the others' second look ({@link OrphanRescuer} counts a worker dead only if its lock is free on two probes a second
 * apart), so a living worker's jobs are not re-run.
 */
public final class LivenessLock implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(LivenessLock.class);
    /** How often the watchdog checks the connection; well under the rescuer's probe period. */
    static final Duration CHECK_PERIOD = Duration.ofMillis(200);
    private static final String DEATH_NOTE = "insert into " + WorkerAnnouncements.DEATH_NOTES
            + " (server_id, job_id, cause) values (?, ?, ?) on conflict do nothing";

    private final DatabaseSettings database;
    private final UUID serverId;
    private final long key;
    private final Thread watchdog;
    private volatile Connection connection;
    /** Prepared with each connection, so that writing the last words on a full heap allocates little. */
    private volatile PreparedStatement deathNote;
    private volatile boolean running = true;
    /** Set once the worker's JVM broke ({@link #dying}): from then on the watchdog leaves the connection alone (see {@link #watch}). */
    private volatile boolean dying;
    /** Whether the lock's connection worked at the watchdog's last check: the worker's view of the ledger database. */
    private volatile boolean held = true;
    private boolean failureReported; // watchdog thread only

    private LivenessLock(DatabaseSettings database, UUID serverId, Connection connection) throws SQLException {
        this.database = database;
        this.serverId = serverId;
        this.key = key(serverId);
        this.connection = connection;
        this.deathNote = connection.prepareStatement(DEATH_NOTE);
        this.watchdog = Thread.ofPlatform().name("conveyor-liveness-watchdog").daemon().start(this::watch);
    }

    /** Takes the lock for {@code serverId}; call before the server registers, so it is never seen alive without it. */
    public static LivenessLock acquire(DatabaseSettings database, UUID serverId) throws SQLException {
        return new LivenessLock(database, serverId, lockedConnection(database, key(serverId), true));
    }

    /**
     * A new connection holding the lock.
     *
     * @param wait wait for the lock (first start) rather than fail at once if a session still holds it
     */
    private static Connection lockedConnection(DatabaseSettings database, long key, boolean wait) throws SQLException {
        Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
        try (PreparedStatement lock = connection.prepareStatement(wait ? "select pg_advisory_lock(?)" : "select pg_try_advisory_lock(?)")) {
            lock.setLong(1, key);
            try (ResultSet row = lock.executeQuery()) {
                if (!wait && !(row.next() && row.getBoolean(1))) {
                    throw new SQLException("the liveness lock is still held by the previous session");
                }
            }
            return connection;
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    /** The advisory lock key of a server id. */
    public static long key(UUID serverId) {
        return serverId.getMostSignificantBits() ^ serverId.getLeastSignificantBits();
    }

    /**
     * Writes this worker's last words: job {@code jobId} broke its JVM with {@code cause}. Written on the lock's own
     * session, it is committed before the lock frees, so the rescuer that finds this worker dead always reads it.
     */
    public void leaveDeathNote(UUID jobId, String cause) throws SQLException {
        PreparedStatement note = deathNote;
        synchronized (note) {
            note.setString(1, serverId.toString());
            note.setString(2, jobId.toString());
            note.setString(3, cause.length() > 512 ? cause.substring(0, 512) : cause);
            note.executeUpdate();
        }
    }

    /** The worker's JVM broke and it is about to leave its note: the watchdog no longer touches the connection. */
    public void dying() {
        dying = true;
    }

    /** Whether the lock's connection works now. */
    private boolean isHeld() {
        try {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Whether this worker holds its lock, as of the watchdog's last check ({@link #CHECK_PERIOD} ago at most): false
     * while the ledger database cannot be reached.
     */
    public boolean held() {
        return held;
    }

    /**
     * Checks the connection and takes the lock again on a new one if it broke; not once the worker is dying: a check
     * that fails on its thrashing heap (a timeout, an error half way through) would close the connection, free the lock
     * and let the rescuer find the worker dead before its note is written.
     */
    private void watch() {
        while (running) {
            try {
                Thread.sleep(CHECK_PERIOD);
                if (running && !dying && !isHeld()) {
                    held = false;
                    reacquire();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void reacquire() {
        closeQuietly(connection);
        try {
            connection = lockedConnection(database, key, false);
            deathNote = connection.prepareStatement(DEATH_NOTE);
            held = true;
            LOGGER.warn("the liveness connection was lost; took the liveness lock again on a new connection");
            failureReported = false;
        } catch (SQLException e) {
            if (!failureReported) { // once per outage, not every check
                LOGGER.warn("the liveness connection was lost and the lock cannot be taken again yet (trying every {} ms): {}",
                        CHECK_PERIOD.toMillis(), e.getMessage());
                failureReported = true;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        watchdog.interrupt();
        if (!dying) { // a dying worker's lock is freed by its end, after its note: never before (the rescuer reads notes once it is free)
            closeQuietly(connection);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOGGER.debug("closing the liveness connection: {}", e.toString());
        }
    }
}
