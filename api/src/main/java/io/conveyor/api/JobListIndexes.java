package io.conveyor.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

/**
 * Builds the job list's indexes ({@link JobListQuery#INDEXES}) where the ledger lacks them, on a thread of its own once
 * the ledger is open. They are an optimisation: without them the list is slow, not wrong, so neither the API's
 * readiness nor its reads wait for them. And a build can take long: {@code create index concurrently} waits for the
 * table's schema changes (a worker's at its first start) and for every transaction of the database older than itself.
 * <p>
 * One API builds at a time: a session advisory lock, tried and never waited for (a session waiting for it would be one
 * of the transactions the builder's build waits for). Holding it, an index of the name that is not valid is what a failed
 * build left behind (a concurrent build that fails keeps its index, invalid, and {@code if not exists} would skip it for
 * good): it is dropped and built again. Each attempt waits at most {@link #LOCK_TIMEOUT} for any one lock; an attempt that
 * fails, or finds another API building, is made again {@link #RETRY} later, until every index is there. The build has a
 * connection of its own, so reads keep the whole pool.
 */
final class JobListIndexes implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(JobListIndexes.class);
    /** An arbitrary constant of Conveyor's ("cvlistix"), apart from the workers' and the migrations' locks. */
    private static final long LOCK = 0x63766c6973746978L;
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
    static final Duration RETRY = Duration.ofSeconds(30);

    /** A connection of the build's own. */
    interface Connections {
        Connection open() throws SQLException;
    }

    private final Connections connections;
    private final Thread thread;
    private volatile Statement running;
    private volatile boolean closed;

    private JobListIndexes(Connections connections) {
        this.connections = connections;
        this.thread = Thread.ofVirtual().name("conveyor-api-list-indexes").unstarted(this::buildUntilDone);
    }

    /** Starts building the indexes that are missing, in the background. */
    static JobListIndexes buildInBackground(Connections connections) {
        JobListIndexes indexes = new JobListIndexes(connections);
        indexes.thread.start();
        return indexes;
    }

    private void buildUntilDone() {
        try {
            while (!closed && !buildOnce()) {
                Thread.sleep(RETRY);
            }
        } catch (InterruptedException e) {
            // the API stops
        }
    }

    /** One attempt; true once every index is there and valid. */
    private boolean buildOnce() {
        try (Connection connection = connections.open(); Statement statement = connection.createStatement()) {
            running = statement;
            statement.execute("set lock_timeout = '" + LOCK_TIMEOUT.toMillis() + "ms'");
            if (!tryLock(statement)) {
                LOGGER.debug("another API builds the job list's indexes; looking again in {} s", RETRY.toSeconds());
                return false;
            }
            for (JobListQuery.Index index : JobListQuery.INDEXES) {
                build(statement, index);
            }
            return true; // the lock goes with the connection
        } catch (SQLException e) {
            if (!closed) {
                LOGGER.warn("could not build the job list's indexes ({}); the list is slower until they are there, trying again in {} s",
                        e.getMessage(), RETRY.toSeconds());
            }
            return false;
        } finally {
            running = null;
        }
    }

    private static boolean tryLock(Statement statement) throws SQLException {
        try (ResultSet locked = statement.executeQuery("select pg_try_advisory_lock(" + LOCK + ")")) {
            return locked.next() && locked.getBoolean(1);
        }
    }

    private static void build(Statement statement, JobListQuery.Index index) throws SQLException {
        Optional<Boolean> valid = valid(statement, index.name());
        if (valid.orElse(false)) {
            return;
        }
        if (valid.isPresent()) {
            LOGGER.info("dropping the job list index {} that an interrupted build left invalid, to build it again", index.name());
            statement.execute("drop index concurrently if exists " + index.name());
        }
        long started = System.nanoTime();
        // "concurrently" cannot run in a transaction: the statement's connection is in autocommit
        statement.execute("create index concurrently if not exists " + index.name() + " on " + index.on());
        LOGGER.info("built the job list index {} in {} ms", index.name(), (System.nanoTime() - started) / 1_000_000);
    }

    /** Whether the index is valid; empty if there is none of that name. */
    private static Optional<Boolean> valid(Statement statement, String name) throws SQLException {
        try (ResultSet row = statement.executeQuery("select indisvalid from pg_index where indexrelid = to_regclass('" + name + "')")) {
            return row.next() ? Optional.of(row.getBoolean(1)) : Optional.empty();
        }
    }

    /** Stops the build; a build under way is cancelled (and dropped and made again by the next API start). */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        Statement statement = running;
        if (statement != null) {
            try {
                statement.cancel();
            } catch (SQLException e) {
                LOGGER.debug("could not cancel the job list index build: {}", e.getMessage());
            }
        }
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
