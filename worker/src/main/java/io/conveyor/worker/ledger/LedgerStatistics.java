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
 * Keeps PostgreSQL's statistics of the jobs table in step with its size while it grows fast. The planner picks the
 * claim's index and the intake's lookup from those statistics, and autovacuum refreshes them at most once a minute and
 * only after a tenth of the table changed. So a fresh ledger that grew from nothing to 20,000 jobs in its first minute
 * was planned that whole minute as if it were empty: each claim walked every waiting job looking for a high-priority one
 * (2.6–3.8 ms a claim instead of 0.05 ms), and the intake's duplicate check read the whole table (docs/BENCHMARKS.md).
 * Every {@link #PERIOD}, each worker compares the table's live rows with the count its statistics hold and, when there
 * are more than twice as many (or none were ever gathered), one of the workers analyzes it: a sample of 30,000 rows,
 * tens of milliseconds, whatever the table's size.
 */
public final class LedgerStatistics implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(LedgerStatistics.class);
    static final Duration PERIOD = Duration.ofSeconds(2);
    /** Below this many rows any plan is fast: no analyze. */
    static final long SMALL_TABLE = 1_000;
    /** One analyze at a time across the fleet (an arbitrary constant of Conveyor's: "cvstats"). */
    private static final long LOCK = 0x6376737461747300L;
    private static final String SIZES = "select c.reltuples, s.n_live_tup from pg_class c join pg_stat_user_tables s on s.relid = c.oid "
            + "where c.oid = 'jobrunr_jobs'::regclass";

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
            try (ResultSet sizes = statement.executeQuery(SIZES)) {
                if (!sizes.next()) {
                    return;
                }
                analyzedRows = sizes.getDouble(1);
                liveRows = sizes.getLong(2);
            }
            if (!stale(analyzedRows, liveRows)) {
                return;
            }
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
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
