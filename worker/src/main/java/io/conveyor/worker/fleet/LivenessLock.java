package io.conveyor.worker.fleet;

import io.conveyor.common.DatabaseSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/**
 * A worker's proof of life that needs no heartbeat: a PostgreSQL session-level advisory lock keyed by its JobRunr
 * server id, held on a connection of its own. When the process dies, even by {@code kill -9}, the kernel closes the
 * connection and PostgreSQL frees the lock at once, so other workers can tell a dead worker within a second.
 */
public final class LivenessLock implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(LivenessLock.class);

    private final Connection connection;

    private LivenessLock(Connection connection) {
        this.connection = connection;
    }

    /** Takes the lock for {@code serverId}; call before the server registers, so it is never seen alive without it. */
    public static LivenessLock acquire(DatabaseSettings database, UUID serverId) throws SQLException {
        Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
        try (PreparedStatement lock = connection.prepareStatement("select pg_advisory_lock(?)")) {
            lock.setLong(1, key(serverId));
            lock.execute();
            return new LivenessLock(connection);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    /** The advisory lock key of a server id. */
    public static long key(UUID serverId) {
        return serverId.getMostSignificantBits() ^ serverId.getLeastSignificantBits();
    }

    /** Whether the lock's connection still works; if not, other workers will count this one as dead. */
    public boolean isHeld() {
        try {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOGGER.debug("closing the liveness connection: {}", e.toString());
        }
    }
}
