package io.conveyor.bench;

import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Ledger;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.StateName;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Reads a JobRunr ledger (either system's: both are JobRunr's tables) for the benchmark: how many jobs reached a state,
 * when the last one did, and a job's history; and empties it between measurements.
 */
final class LedgerProbe implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final Ledger ledger;

    private LedgerProbe(Ledger ledger) {
        this.ledger = ledger;
    }

    /**
     * Opens the ledger once its tables exist (JobRunr creates them on first start; opening here would race that), and
     * turns autovacuum off for the jobs table: see {@link #clear()}.
     */
    static LedgerProbe open(DatabaseSettings database, String poolName, int connections) {
        LedgerProbe probe = new LedgerProbe(Ledger.open(database, poolName, connections));
        probe.execute("alter table jobrunr_jobs set (autovacuum_enabled = false)");
        return probe;
    }

    /** Opens the ledger as a deployment has it: autovacuum on (the soak measures what retention and vacuum keep). */
    static LedgerProbe openAsDeployed(DatabaseSettings database, String poolName, int connections) {
        return new LedgerProbe(Ledger.open(database, poolName, connections));
    }

    Ledger ledger() {
        return ledger;
    }

    long count(StateName state) {
        return queryLong("select count(*) from jobrunr_jobs where state = ?", state.name());
    }

    /**
     * Jobs that ever succeeded: those SUCCEEDED now, plus JobRunr's all-time counter of those that retention moved on
     * (both read in one statement, and retention changes both in one transaction).
     */
    long succeededEver() {
        return queryLong("select (select count(*) from jobrunr_jobs where state = 'SUCCEEDED') + coalesce((select cast(trim(value) as bigint) "
                + "from jobrunr_metadata where id = ?), 0)", "succeeded-jobs-counter-cluster");
    }

    /** The jobs table's rows by state, in no order. */
    Map<String, Long> rowsByState() {
        Map<String, Long> rows = new HashMap<>();
        try (Connection connection = ledger.dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet counts = statement.executeQuery("select state, count(*) from jobrunr_jobs group by state")) {
            while (counts.next()) {
                rows.put(counts.getString(1), counts.getLong(2));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the ledger: " + e.getMessage(), e);
        }
    }

    /** The jobs table's size on disk with its indexes and TOAST, in bytes. */
    long tableBytes() {
        return queryLong("select pg_total_relation_size(?::regclass)", "jobrunr_jobs");
    }

    /** The server's {@code autovacuum} setting ({@code on} or {@code off}). */
    String autovacuum() {
        try (Connection connection = ledger.dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet setting = statement.executeQuery("show autovacuum")) {
            setting.next();
            return setting.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the ledger: " + e.getMessage(), e);
        }
    }

    /** Rows waiting in the deletions' outbox, whose events the workers have not relayed yet (the workers create it). */
    long outboxRows() {
        return queryLong("select count(*) from conveyor_deleted_jobs");
    }

    /** When the last job reached {@code state} (its {@code updatedAt}), or null if none did. */
    Instant lastReached(StateName state) {
        try (Connection connection = ledger.dataSource().getConnection();
             PreparedStatement select = connection.prepareStatement("select max(updatedAt) from jobrunr_jobs where state = ?")) {
            select.setString(1, state.name());
            try (ResultSet row = select.executeQuery()) {
                row.next();
                Timestamp last = row.getTimestamp(1);
                return last == null ? null : last.toInstant();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the ledger: " + e.getMessage(), e);
        }
    }

    Job job(UUID id) {
        return ledger.storageProvider().getJobById(id);
    }

    /**
     * Waits until {@code expected} jobs have SUCCEEDED; fails at once if any job FAILED, and after {@code timeout}.
     */
    void awaitSucceeded(long expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long succeeded;
        while ((succeeded = count(StateName.SUCCEEDED)) < expected) {
            long failed = count(StateName.FAILED);
            if (failed > 0) {
                throw new IllegalStateException(failed + " jobs FAILED; the benchmark expects every job to succeed");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("only " + succeeded + " of " + expected + " jobs SUCCEEDED within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(POLL); // polling the ledger: nothing notifies the benchmark
        }
    }

    /**
     * Deletes every job, so that each measurement starts from an empty table without statistics, in both systems alike.
     * Statistics are what autovacuum would leave behind: an ANALYZE taken when the table held only SUCCEEDED jobs
     * (the end of a run) survives the truncation and makes PostgreSQL estimate one ENQUEUED row, and then plan JobRunr's
     * claim as "fetch every ENQUEUED job, sort them all by updatedAt, lock two": each claim then reads the whole queue,
     * and a run takes several times longer depending on when autovacuum happened to pass. Hence no autovacuum here.
     */
    void clear() {
        execute("truncate jobrunr_jobs");
    }

    private void execute(String sql) {
        try (Connection connection = ledger.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("could not run '" + sql + "' on the ledger: " + e.getMessage(), e);
        }
    }

    private long queryLong(String sql, String... parameters) {
        try (Connection connection = ledger.dataSource().getConnection(); PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setString(i + 1, parameters[i]);
            }
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the ledger: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        ledger.close();
    }
}
