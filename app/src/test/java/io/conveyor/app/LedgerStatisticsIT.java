package io.conveyor.app;

import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Ledger;
import io.conveyor.worker.ledger.LedgerStatistics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A jobs table that grows fast gets fresh planner statistics within seconds, and one that piles up dead rows a vacuum,
 * not at autovacuum's next look (switched off here, so only {@link LedgerStatistics} can do either).
 */
class LedgerStatisticsIT {

    private Ledger ledger;

    @BeforeEach
    void openLedger() {
        ledger = Ledger.open(TestServices.newDatabase("ledger-statistics"), "ledger-statistics-test", 2);
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
    }

    @Test
    void analyzesTheJobsTableOnceItHoldsFarMoreRowsThanItsStatisticsSay() throws SQLException {
        execute("alter table jobrunr_jobs set (autovacuum_enabled = false)");
        execute("analyze jobrunr_jobs");
        assertThat(analyzedRows()).as("the empty table's statistics").isLessThan(1);

        try (LedgerStatistics ignored = new LedgerStatistics(ledger.dataSource())) {
            execute("insert into jobrunr_jobs (id, version, jobAsJson, jobSignature, state, createdAt, updatedAt) "
                    + "select gen_random_uuid()::text, 1, '{}', 'bench.noop()', 'SUCCEEDED', now(), now() from generate_series(1, 6000)");
            await().atMost(Duration.ofSeconds(60)).until(() -> analyzedRows() >= 6000);
        }
    }

    @Test
    void vacuumsTheJobsTableOnceItsDeadRowsPileUp() throws SQLException {
        execute("alter table jobrunr_jobs set (autovacuum_enabled = false)");
        execute("insert into jobrunr_jobs (id, version, jobAsJson, jobSignature, state, createdAt, updatedAt) "
                + "select gen_random_uuid()::text, 1, '{}', 'bench.noop()', 'ENQUEUED', now(), now() from generate_series(1, 6000)");
        // Every job's way: ENQUEUED, PROCESSING, SUCCEEDED, two dead row versions each (12,000).
        execute("update jobrunr_jobs set state = 'PROCESSING', version = 2");
        execute("update jobrunr_jobs set state = 'SUCCEEDED', version = 3");
        assertThat(vacuums()).as("vacuums before").isZero();

        try (LedgerStatistics ignored = new LedgerStatistics(ledger.dataSource())) {
            // The server reports a backend's counters on its own schedule (within a minute): bounded generously.
            await().atMost(Duration.ofMinutes(3)).until(() -> vacuums() > 0);
        }
    }

    private long vacuums() throws SQLException {
        try (Connection connection = ledger.dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select vacuum_count from pg_stat_user_tables where relid = 'jobrunr_jobs'::regclass")) {
            row.next();
            return row.getLong(1);
        }
    }

    private double analyzedRows() throws SQLException {
        try (Connection connection = ledger.dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select reltuples from pg_class where oid = 'jobrunr_jobs'::regclass")) {
            row.next();
            return row.getDouble(1);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = ledger.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
