package io.conveyor.common;

import org.jobrunr.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Supplier;

/**
 * JobRunr's table migrations, one Conveyor process at a time. JobRunr creates and migrates its tables when a storage
 * provider is made, and guards that with a lock row in {@code jobrunr_migrations}; but each process chooses which
 * migrations to run before it takes that lock, and does not look again once it has it. Processes that start together
 * on a fresh ledger (workers and APIs) therefore ran migrations that another had just applied: a worker died of
 * "column already exists" (exit code 2), and migrations that succeed twice (an empty one, a view made again) were
 * recorded twice, after which JobRunr refuses the ledger for good ("A migration was applied multiple times"): every
 * later worker and API failed to open it, and an API stayed not ready.
 * <p>
 * So every process makes its storage provider under a PostgreSQL advisory lock of its own, on a connection of its own
 * (the pool's are JobRunr's while it migrates): each chooses its migrations after the one before it applied its own,
 * and finds none left. The lock is session-level, so a process that dies frees it. Under the lock nobody else migrates,
 * so migrations recorded twice by an earlier version are taken back to one row: JobRunr writes a migration's row in the
 * same transaction as its statements, so each row means the migration was applied. And JobRunr's own lock row, left
 * behind by a process killed while it migrated, is taken away once it is older than JobRunr's own 20 s limit: JobRunr
 * refreshes the row every 5 s while it migrates, and refuses to start at all past that limit ("Database migrations have
 * timed out") until someone deletes the row by hand. The migrations that process did apply are recorded (each with its
 * own transaction, as above); the next process applies the rest.
 */
final class LedgerMigrations {

    private static final Logger LOGGER = LoggerFactory.getLogger(LedgerMigrations.class);
    /** An arbitrary constant of Conveyor's ("cvjobrnr"), apart from the workers' schema locks. */
    static final long LOCK = 0x63766a6f62726e72L;
    private static final String DEDUPLICATE = "delete from jobrunr_migrations twice using jobrunr_migrations kept"
            + " where twice.script = kept.script and twice.id > kept.id";
    /** JobRunr's lock row (its id is all zeros) not refreshed for longer than JobRunr waits for it. */
    private static final String STALE_JOBRUNR_LOCK = "delete from jobrunr_migrations where id = '00000000-0000-0000-0000-000000000000'"
            + " and installedon::timestamptz < now() - interval '20 seconds'";

    private LedgerMigrations() {
    }

    /** Runs {@code migrate} (what makes the storage provider) while no other Conveyor process does the same. */
    static <T> T oneAtATime(DatabaseSettings settings, Supplier<T> migrate) {
        try (Connection connection = Ledger.connect(settings, "conveyor-ledger-migrations"); Statement statement = connection.createStatement()) {
            statement.execute("select pg_advisory_lock(" + LOCK + ")");
            repairRecords(statement);
            return migrate.get();
        } catch (SQLException e) {
            throw new StorageException("could not take the ledger's migration lock: " + e.getMessage(), e);
        }
    }

    private static void repairRecords(Statement statement) throws SQLException {
        try (ResultSet exists = statement.executeQuery("select to_regclass('jobrunr_migrations') is not null")) {
            exists.next();
            if (!exists.getBoolean(1)) {
                return;
            }
        }
        int removed = statement.executeUpdate(DEDUPLICATE);
        if (removed > 0) {
            LOGGER.warn("removed {} duplicate rows from jobrunr_migrations (migrations recorded twice by processes that migrated at once)", removed);
        }
        if (statement.executeUpdate(STALE_JOBRUNR_LOCK) > 0) {
            LOGGER.warn("removed JobRunr's migration lock, not refreshed for over 20 s: a process died while it migrated the ledger");
        }
    }
}
