package io.conveyor.common;

import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.TestServices;
import org.jobrunr.storage.sql.common.SqlStorageProviderFactory;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JobRunr's migrations of a fresh ledger, by Conveyor processes that open it at the same moment (workers and APIs
 * starting together), on a real PostgreSQL: each opens it, and each migration is recorded once.
 */
class LedgerMigrationsIT {

    /** Where JobRunr's lock of its migrations table is written: its "script" column says {@value}. */
    private static final String JOBRUNR_LOCK_ROW = "TABLE LOCKER";
    /** Longer than the first process takes to migrate a fresh ledger. */
    private static final Duration LATE = Duration.ofSeconds(3);
    /** A thread for each process that opens the ledger (the common pool may have one thread on a 2-core machine). */
    private static final Executor PROCESSES = runnable -> Thread.ofVirtual().start(runnable);

    /**
     * The race of ChaosIT's start: a process chose its migrations (all of them, the ledger being empty) while another
     * applied them, and took JobRunr's lock only after that one had let it go; it then ran them again (before the fix:
     * "relation already exists", and migrations that succeed twice recorded twice). Here the late process is made late
     * on purpose: its write of JobRunr's lock row waits {@link #LATE}.
     */
    @Test
    void aProcessThatTakesJobRunrsLockAfterAnotherMigratedOpensTheLedger() throws Exception {
        DatabaseSettings database = TestServices.newDatabase("migrations-race");
        CyclicBarrier together = new CyclicBarrier(2);
        CompletableFuture<Ledger> first = CompletableFuture.supplyAsync(opening(together,
                () -> Ledger.open(database, "first", 2)), PROCESSES);
        CompletableFuture<Ledger> late = CompletableFuture.supplyAsync(opening(together,
                () -> Ledger.open(database, "late", 2, dataSource -> SqlStorageProviderFactory.using(lateToLock(dataSource)))), PROCESSES);
        try (Ledger one = first.get(1, TimeUnit.MINUTES); Ledger two = late.get(1, TimeUnit.MINUTES)) {
            assertThat(one.storageProvider()).isNotNull();
            assertThat(two.storageProvider()).isNotNull();
        }
        assertThat(scriptsRecordedMoreThanOnce(database)).isEmpty();
    }

    /**
     * A ledger that processes of an earlier version migrated at once, with a migration recorded twice: JobRunr refused
     * it for good ("A migration was applied multiple times"); now it opens, with one record of each.
     */
    @Test
    void aLedgerWithAMigrationRecordedTwiceOpens() throws Exception {
        DatabaseSettings database = TestServices.newDatabase("migrations-twice");
        Ledger.open(database, "first", 2).close();
        TestDatabase ledger = new TestDatabase(database);
        ledger.execute("insert into jobrunr_migrations select gen_random_uuid()::text, script, installedon from jobrunr_migrations"
                + " where script like 'v011%'");
        assertThat(scriptsRecordedMoreThanOnce(database)).isNotEmpty();

        try (Ledger reopened = Ledger.open(database, "again", 2)) {
            assertThat(reopened.storageProvider()).isNotNull();
        }
        assertThat(scriptsRecordedMoreThanOnce(database)).isEmpty();
    }

    /**
     * A process killed while it migrated leaves JobRunr's lock row behind, no longer refreshed: JobRunr refused to start
     * past 20 s ("Database migrations have timed out") until the row was deleted by hand; now the ledger opens.
     */
    @Test
    void aLedgerWhoseMigratingProcessDiedOpens() throws Exception {
        DatabaseSettings database = TestServices.newDatabase("migrations-dead-lock");
        Ledger.open(database, "first", 2).close();
        TestDatabase ledger = new TestDatabase(database);
        ledger.execute("insert into jobrunr_migrations values ('00000000-0000-0000-0000-000000000000', '" + JOBRUNR_LOCK_ROW + "', '"
                + java.time.Instant.now().minus(Duration.ofMinutes(1)).truncatedTo(java.time.temporal.ChronoUnit.MICROS) + "')");

        try (Ledger reopened = Ledger.open(database, "again", 2)) {
            assertThat(reopened.storageProvider()).isNotNull();
        }
        assertThat(ledger.query("select count(*) from jobrunr_migrations where script = '" + JOBRUNR_LOCK_ROW + "'")).isEqualTo("0");
    }

    private static Supplier<Ledger> opening(CyclicBarrier together, Supplier<Ledger> open) {
        return () -> {
            try {
                together.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return open.get();
        };
    }

    private static String scriptsRecordedMoreThanOnce(DatabaseSettings database) throws Exception {
        return new TestDatabase(database).query("select coalesce(string_agg(script, ','), '') from"
                + " (select script from jobrunr_migrations group by script having count(*) > 1) twice");
    }

    /** {@code dataSource}, whose connections wait {@link #LATE} before they write JobRunr's lock row. */
    private static DataSource lateToLock(DataSource dataSource) {
        return proxy(DataSource.class, dataSource, (method, args, result) -> result instanceof Connection connection
                ? proxy(Connection.class, connection, (m, a, r) -> r instanceof PreparedStatement statement ? lateToLock(statement) : r)
                : result);
    }

    private static PreparedStatement lateToLock(PreparedStatement statement) {
        boolean[] lockRow = new boolean[1];
        return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(), new Class<?>[]{PreparedStatement.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("setString") && JOBRUNR_LOCK_ROW.equals(args[1])) {
                        lockRow[0] = true;
                    }
                    if (method.getName().startsWith("execute") && lockRow[0]) {
                        Thread.sleep(LATE);
                    }
                    return invoke(statement, method, args);
                });
    }

    private interface ResultMapper {
        Object map(java.lang.reflect.Method method, Object[] args, Object result);
    }

    private static <T> T proxy(Class<T> type, T target, ResultMapper results) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type},
                (proxy, method, args) -> results.map(method, args, invoke(target, method, args))));
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
