package io.conveyor.api;

import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Ledger;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The job list's indexes on a real PostgreSQL: an API's ledger is open and read while their build waits, and an index
 * that a failed build left invalid is built again.
 */
class JobListIndexesIT {

    /** Only catches a hang: on a loaded 2-core machine an API opens the ledger in seconds. */
    private static final Duration HANG = Duration.ofMinutes(2);

    /**
     * A build waits for the table's lock (here held by another session, as a worker's schema change or a long
     * transaction holds it on a fresh ledger): the API opens the ledger and serves reads meanwhile, and builds the
     * indexes once the lock is let go. (Before, the API built them before it let anyone read the ledger, and stayed
     * not ready as long as the build waited.)
     */
    @Test
    void theLedgerIsReadWhileTheIndexBuildWaitsForTheTable() throws Exception {
        DatabaseSettings database = TestServices.newDatabase("list-indexes-wait");
        Ledger.open(database, "tables", 2).close();
        TestDatabase ledgerDatabase = new TestDatabase(database);
        try (Connection holder = ledgerDatabase.connect(); Statement hold = holder.createStatement()) {
            holder.setAutoCommit(false);
            hold.execute("lock table jobrunr_jobs in share update exclusive mode"); // what a concurrent index build needs

            LateLedger ledger = CompletableFuture.supplyAsync(() -> ApiApplication.openLedger(database), runnable -> Thread.ofVirtual().start(runnable))
                    .get(HANG.toSeconds(), TimeUnit.SECONDS);
            try (ledger) {
                try (Connection read = ledger.dataSource().getConnection()) {
                    assertThat(read.isValid(2)).isTrue();
                }
                assertThat(validIndexes(ledgerDatabase)).isZero(); // the build waits behind the holder's lock

                holder.commit();
                await().atMost(HANG).untilAsserted(() -> assertThat(validIndexes(ledgerDatabase)).isEqualTo(JobListQuery.INDEXES.size()));
            }
        }
    }

    /**
     * A concurrent build that fails (here its wait for a writer's transaction timed out) leaves its index behind, invalid,
     * which "if not exists" would skip for good: the next API drops it and builds it again.
     */
    @Test
    void anIndexThatAFailedBuildLeftInvalidIsBuiltAgain() throws Exception {
        DatabaseSettings database = TestServices.newDatabase("list-indexes-invalid");
        Ledger.open(database, "tables", 2).close();
        TestDatabase ledgerDatabase = new TestDatabase(database);
        JobListQuery.Index first = JobListQuery.INDEXES.getFirst();
        try (Connection writer = ledgerDatabase.connect(); Statement write = writer.createStatement();
             Connection builder = ledgerDatabase.connect(); Statement build = builder.createStatement()) {
            writer.setAutoCommit(false);
            write.execute("lock table jobrunr_jobs in row exclusive mode"); // a writer's open transaction
            build.execute("set lock_timeout = '200ms'");
            assertThatThrownBy(() -> build.execute("create index concurrently " + first.name() + " on " + first.on()))
                    .isInstanceOf(SQLException.class);
            writer.commit();
        }
        assertThat(ledgerDatabase.query("select indisvalid from pg_index where indexrelid = to_regclass('" + first.name() + "')")).isEqualTo("f");

        try (LateLedger ignored = ApiApplication.openLedger(database)) {
            await().atMost(HANG).untilAsserted(() -> assertThat(validIndexes(ledgerDatabase)).isEqualTo(JobListQuery.INDEXES.size()));
        }
    }

    private static long validIndexes(TestDatabase database) throws SQLException {
        StringBuilder names = new StringBuilder();
        for (JobListQuery.Index index : JobListQuery.INDEXES) {
            names.append(names.isEmpty() ? "" : ",").append('\'').append(index.name()).append('\'');
        }
        return Long.parseLong(database.query("select count(*) from pg_index i join pg_class c on c.oid = i.indexrelid"
                + " where i.indisvalid and c.relname in (" + names + ")"));
    }
}
