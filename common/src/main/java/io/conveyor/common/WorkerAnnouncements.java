package io.conveyor.common;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Where each worker JVM announces what it runs, in two tables of Conveyor's own beside JobRunr's in the ledger: the
 * workers and the job types they run and the queues they serve, kept current while they live
 * ({@code conveyor_workers}), and every job type any worker ever announced ({@code conveyor_job_types}), for the
 * API's check of a submitted type. Workers write them; the API reads them; both create them if missing, so neither
 * has to start first.
 *
 * <p>A row of {@code conveyor_workers} counts only while its worker's liveness lock is held ({@link #LIVE}): the
 * lock is freed the moment the worker's process dies, so a reader never takes a dead worker for a live one, even
 * before another worker's rescuer has removed its row.
 */
public final class WorkerAnnouncements {

    public static final String WORKERS = "conveyor_workers";
    public static final String TYPES = "conveyor_job_types";
    /**
     * A worker's last words: the job that broke its JVM, written on its liveness session just before it halts, so
     * the rescuer that moves its jobs counts that one as killing its worker (toward quarantine), not as a bystander.
     */
    public static final String DEATH_NOTES = "conveyor_worker_deaths";

    /**
     * True for a row {@code w} of {@link #WORKERS} whose worker holds its liveness lock (a session-level advisory lock
     * on its {@code lock_key}) now. PostgreSQL shows a bigint advisory key as its high half in {@code classid} and its
     * low half in {@code objid}, with {@code objsubid} 1. Reading {@code pg_locks} takes no lock.
     */
    public static final String LIVE = "exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.granted and l.objsubid = 1"
            + " and l.database = (select oid from pg_database where datname = current_database())"
            + " and ((l.classid::bigint << 32) | l.objid::bigint) = w.lock_key)";

    private static final List<String> STATEMENTS = List.of(
            "create table if not exists " + WORKERS + " (id varchar(36) primary key, name varchar(256) not null, host varchar(256) not null,"
                    + " pid bigint not null, types varchar(128)[] not null, queues varchar(128)[] not null, threads int not null,"
                    + " busy int not null, started_at timestamptz not null, seen_at timestamptz not null, lock_key bigint not null)",
            "create table if not exists " + TYPES + " (type varchar(128) primary key, first_announced timestamptz not null,"
                    + " last_announced timestamptz not null)",
            "create table if not exists " + DEATH_NOTES + " (server_id varchar(36) not null, job_id varchar(36) not null,"
                    + " cause varchar(512) not null, written_at timestamptz not null default now(), primary key (server_id, job_id))");

    private WorkerAnnouncements() {
    }

    /** Creates the tables if missing (concurrent creators are fine: each statement is idempotent). */
    public static void prepare(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : STATEMENTS) {
                try {
                    statement.execute(sql);
                } catch (SQLException e) {
                    // Two processes creating the same table at once: one gets a unique violation on the catalog.
                    if (!"23505".equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        }
    }
}
