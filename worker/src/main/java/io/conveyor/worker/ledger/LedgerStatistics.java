package io.conveyor.worker.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps PostgreSQL's statistics of the jobs table in step with its size while it grows fast, and its dead rows from
 * piling up. The planner picks the
 * claim's index and the intake's lookup from those statistics, and autovacuum refreshes them at most once a minute and
 * only after a tenth of the table changed. So a fresh ledger that grew from nothing to 20,000 jobs in its first minute
 * was planned that whole minute as if it were empty: each claim walked every waiting job looking for a high-priority one
 * (2.6–3.8 ms a claim instead of 0.05 ms), and the intake's duplicate check read the whole table (docs/BENCHMARKS.md).
 * Every {@link #PERIOD}, each worker compares the table's live rows with the count its statistics hold and, when there
 * are more than twice as many (or none were ever gathered), one of the workers analyzes it: a sample of 30,000 rows,
 * tens of milliseconds, whatever the table's size.
 * <p>
 * Every job leaves two dead row versions behind (its ENQUEUED and PROCESSING rows), and retention leaves its deleted
 * jobs. Only a vacuum makes their space and index entries reusable; until then the claim's and the dashboard's index
 * scans step over them and the table and its indexes grow with the ledger's history. Autovacuum does it where it runs,
 * but a server may have it switched off (this project's CI machine has) or tuned for large tables (by default it waits
 * for a fifth of the table to be dead). So when the dead rows are more than {@link #VACUUM_MIN_DEAD} and a fifth of the
 * live ones, and nobody vacuumed the table in the last {@link #VACUUM_GAP}, one worker vacuums it (skipping it if
 * another vacuum or a schema change holds the table: never waiting behind one).
 */
public final class LedgerStatistics implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(LedgerStatistics.class);
    static final Duration PERIOD = Duration.ofSeconds(2);
    /** Below this many rows any plan is fast: no analyze. */
    static final long SMALL_TABLE = 1_000;
    /** One analyze at a time across the fleet (an arbitrary constant of Conveyor's: "cvstats"). */
    private static final long LOCK = 0x6376737461747300L;
    /** Fewer dead rows than this cost nothing worth a vacuum. */
    static final long VACUUM_MIN_DEAD = 10_000;
    /** The least time between two vacuums of the jobs table, Conveyor's or autovacuum's. */
    static final Duration VACUUM_GAP = Duration.ofSeconds(20);
    private static final String SIZES = "select c.reltuples, s.n_live_tup, s.n_dead_tup, "
            + "extract(epoch from now() - greatest(s.last_vacuum, s.last_autovacuum)) from pg_class c "
            + "join pg_stat_user_tables s on s.relid = c.oid where c.oid = 'jobrunr_jobs'::regclass";

    private final DataSource dataSource;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-ledger-statistics").daemon().factory());

    public LedgerStatistics(DataSource dataSource) {
        this.dataSource = dataSource;
        timer.scheduleWithFixedDelay(this::checkSafely, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether statistics that counted {@code analyzedRows} rows (negative: never gathered) are stale for a table of {@code liveRows}. */
    static boolean stale(double analyzedRows, long liveRows) {
        return liveRows >= SMALL_TABLE && liveRows > 2 * Math.max(analyzedRows, 0);
    }

    /**
     * Whether a table of {@code liveRows} with {@code deadRows} dead ones, vacuumed {@code secondsSinceVacuum} ago (null:
     * never since the server's statistics began), is worth a vacuum now.
     */
    static boolean worthVacuum(long liveRows, long deadRows, Double secondsSinceVacuum) {
        boolean manyDead = deadRows >= VACUUM_MIN_DEAD && deadRows * 5 > liveRows;
        return manyDead && (secondsSinceVacuum == null || secondsSinceVacuum >= VACUUM_GAP.toSeconds());
    }

    private void checkSafely() {
        try {
            check();
        } catch (SQLException | RuntimeException e) {
            LOGGER.debug("could not check the ledger's statistics: {}", e.toString()); // an outage: others report it
        }
    }

    private void check() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            double analyzedRows;
            long liveRows;
            long deadRows;
            Double secondsSinceVacuum;
            try (ResultSet sizes = statement.executeQuery(SIZES)) {
                if (!sizes.next()) {
                    return;
                }
                analyzedRows = sizes.getDouble(1);
                liveRows = sizes.getLong(2);
                deadRows = sizes.getLong(3);
                double seconds = sizes.getDouble(4);
                secondsSinceVacuum = sizes.wasNull() ? null : seconds;
            }
            if (worthVacuum(liveRows, deadRows, secondsSinceVacuum)) {
                vacuum(statement, liveRows, deadRows);
            } else if (stale(analyzedRows, liveRows)) {
                analyze(connection, statement, liveRows, analyzedRows);
            }
        }
    }

    /** Vacuums the jobs table unless another worker does (the fleet's lock) or the table is held (skip_locked). */
    private void vacuum(Statement statement, long liveRows, long deadRows) throws SQLException {
        boolean ours;
        try (ResultSet lock = statement.executeQuery("select pg_try_advisory_lock(" + LOCK + ")")) {
            ours = lock.next() && lock.getBoolean(1);
        }
        if (!ours) {
            return;
        }
        try {
            long started = System.nanoTime();
            statement.execute("vacuum (skip_locked) jobrunr_jobs"); // outside a transaction, as vacuum must be: autocommit
            LOGGER.debug("vacuumed the jobs table ({} live rows, {} dead) in {} ms", liveRows, deadRows,
                    (System.nanoTime() - started) / 1_000_000);
        } finally {
            statement.execute("select pg_advisory_unlock(" + LOCK + ")");
        }
    }

    private void analyze(Connection connection, Statement statement, long liveRows, double analyzedRows) throws SQLException {
        connection.setAutoCommit(false);
        try {
            boolean ours;
            try (ResultSet lock = statement.executeQuery("select pg_try_advisory_xact_lock(" + LOCK + ")")) {
                ours = lock.next() && lock.getBoolean(1);
            }
            if (ours) {
                long started = System.nanoTime();
                statement.execute("analyze jobrunr_jobs");
                LOGGER.debug("analyzed the jobs table ({} live rows, statistics had {}) in {} ms", liveRows, (long) analyzedRows,
                        (System.nanoTime() - started) / 1_000_000);
            }
            connection.commit();
        } finally {
            connection.rollback(); // nothing left after a commit; the lock's transaction ends if analyze failed
            connection.setAutoCommit(true);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
