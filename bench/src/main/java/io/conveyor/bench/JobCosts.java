package io.conveyor.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What a measurement cost each process and the ledger, per job: CPU time of the system's worker JVMs, of every
 * PostgreSQL process (the other system's database is idle meanwhile), and of this JVM (the load generator; for
 * Conveyor also its API and Kafka broker, which run in it), read from the kernel through {@link ProcessHandle}; and
 * the ledger database's commits and row writes ({@code pg_stat_database}, {@code pg_stat_user_tables}), and, where the
 * server loads {@code pg_stat_statements} ({@code shared_preload_libraries}), the statements it executed for the ledger
 * database (every call, {@code BEGIN}, {@code COMMIT} and {@code SET} included). A PostgreSQL backend that exits during
 * the run takes its CPU time with it (the pools keep theirs open).
 */
final class JobCosts {

    /** PostgreSQL publishes a backend's counters up to a second after its transaction: wait that long before reading. */
    private static final Duration STATS_SETTLE = Duration.ofMillis(1_500);

    /** Per job; {@code statements} empty where the server does not load {@code pg_stat_statements}. */
    record PerJob(double workerCpuMs, double postgresCpuMs, double benchCpuMs, double commits, double rowWrites, OptionalDouble statements) {
    }

    private record Snapshot(Map<Long, Long> workerCpuNanos, Map<Long, Long> postgresCpuNanos, long benchCpuNanos, long commits, long rowWrites,
                            OptionalLong statements) {
    }

    private final SystemUnderBench system;
    private final Snapshot before;

    private JobCosts(SystemUnderBench system) {
        this.system = system;
        this.before = take(system);
    }

    /** Starts counting now. */
    static JobCosts start(SystemUnderBench system) {
        return new JobCosts(system);
    }

    /** What the work since {@link #start} cost, divided by {@code jobs}. */
    PerJob perJob(int jobs) throws InterruptedException {
        Thread.sleep(STATS_SETTLE); // letting PostgreSQL's counters catch up, not waiting for an outcome
        Snapshot after = take(system);
        double ms = 1e6 * jobs;
        return new PerJob(
                spent(before.workerCpuNanos(), after.workerCpuNanos()) / ms,
                spent(before.postgresCpuNanos(), after.postgresCpuNanos()) / ms,
                (after.benchCpuNanos() - before.benchCpuNanos()) / ms,
                (after.commits() - before.commits()) / (double) jobs,
                (after.rowWrites() - before.rowWrites()) / (double) jobs,
                before.statements().isPresent() && after.statements().isPresent()
                        ? OptionalDouble.of((after.statements().getAsLong() - before.statements().getAsLong()) / (double) jobs)
                        : OptionalDouble.empty());
    }

    /** CPU spent since {@code before} by the processes alive at the end (a process new since then counts whole). */
    private static long spent(Map<Long, Long> before, Map<Long, Long> after) {
        long total = 0;
        for (Map.Entry<Long, Long> process : after.entrySet()) {
            total += process.getValue() - before.getOrDefault(process.getKey(), 0L);
        }
        return total;
    }

    private static Snapshot take(SystemUnderBench system) {
        long[] ledger = ledgerCounters(system);
        return new Snapshot(cpu(system.workerPids()), cpu(postgresPids()), cpuNanos(ProcessHandle.current()), ledger[0], ledger[1],
                statements(system));
    }

    private static List<Long> postgresPids() {
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().command().map(command -> command.endsWith("/postgres")).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    private static Map<Long, Long> cpu(List<Long> pids) {
        Map<Long, Long> nanos = new HashMap<>();
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(process -> nanos.put(pid, cpuNanos(process))));
        return nanos;
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** Commits and row writes (inserted, updated, deleted) of the system's ledger database so far. */
    private static long[] ledgerCounters(SystemUnderBench system) {
        try (Connection connection = system.ledger().ledger().dataSource().getConnection(); Statement statement = connection.createStatement()) {
            long commits;
            try (ResultSet row = statement.executeQuery("select xact_commit from pg_stat_database where datname = current_database()")) {
                row.next();
                commits = row.getLong(1);
            }
            try (ResultSet row = statement.executeQuery("select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) from pg_stat_user_tables")) {
                row.next();
                return new long[]{commits, row.getLong(1)};
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the ledger's statistics: " + e.getMessage(), e);
        }
    }

    /**
     * The statements executed for the ledger's database so far, if the server loads {@code pg_stat_statements}: its view
     * is made in that database on first use (the statistics themselves are the server's). Its own reads count too: two
     * per snapshot, nothing next to a run's thousands.
     */
    private static OptionalLong statements(SystemUnderBench system) {
        try (Connection connection = system.ledger().ledger().dataSource().getConnection(); Statement statement = connection.createStatement()) {
            try (ResultSet loaded = statement.executeQuery("select current_setting('shared_preload_libraries') like '%pg_stat_statements%'")) {
                loaded.next();
                if (!loaded.getBoolean(1)) {
                    return OptionalLong.empty();
                }
            }
            statement.execute("create extension if not exists pg_stat_statements");
            try (ResultSet row = statement.executeQuery("select coalesce(sum(calls), 0) from pg_stat_statements "
                    + "where dbid = (select oid from pg_database where datname = current_database())")) {
                row.next();
                return OptionalLong.of(row.getLong(1));
            }
        } catch (SQLException e) {
            return OptionalLong.empty(); // e.g. a role that may not create the extension: the figure is left out
        }
    }
}
