package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.DeletedState;
import org.jobrunr.jobs.states.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Publishes the DELETED event of every job deleted in the ledger, whoever deleted it: the API's cancel (of a job in
 * the ledger, or of one still in Kafka), the dashboard (which runs in the API process and has no producer), the
 * retention of succeeded jobs ({@link LedgerRetention}), a row removed by hand. A trigger on JobRunr's table copies each such job, in the
 * transaction that deleted it, into an outbox table ({@code conveyor_deleted_jobs}); every worker relays the outbox
 * once a second ({@code for update skip locked}, so two workers never send the same row at once) and removes a row
 * only after Kafka acknowledged its event. At least once, like every event; none is lost while a worker runs.
 * The worker that relays a job's deletion is also the one that counts it ({@link JobMetrics#deleted}): deletions are
 * made by the API, the dashboard or the retention, never by a worker's own state filters.
 */
public final class DeletedJobsRelay implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(DeletedJobsRelay.class);
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final int BATCH = 200;
    /** Serializes the schema changes of workers that start together. */
    private static final long LOCK = 0x636f6e7665796f73L;
    private static final String REMOVED = "removed from the ledger";
    private static final List<String> SCHEMA = List.of(
            "create table if not exists conveyor_deleted_jobs (seq bigserial primary key, id char(36) not null, "
                    + "job text not null, removed boolean not null default false)",
            """
            create or replace function conveyor_job_deleted() returns trigger language plpgsql as $$
            begin
                if tg_op = 'DELETE' then
                    insert into conveyor_deleted_jobs (id, job, removed) values (old.id, old.jobAsJson, true);
                    return old;
                end if;
                insert into conveyor_deleted_jobs (id, job) values (new.id, new.jobAsJson);
                return new;
            end $$""",
            "drop trigger if exists conveyor_job_deleted on jobrunr_jobs",
            "create trigger conveyor_job_deleted after update of state on jobrunr_jobs for each row "
                    + "when (new.state = 'DELETED' and old.state <> 'DELETED') execute function conveyor_job_deleted()",
            "drop trigger if exists conveyor_job_inserted_deleted on jobrunr_jobs",
            "create trigger conveyor_job_inserted_deleted after insert on jobrunr_jobs for each row "
                    + "when (new.state = 'DELETED') execute function conveyor_job_deleted()",
            "drop trigger if exists conveyor_job_removed on jobrunr_jobs",
            "create trigger conveyor_job_removed after delete on jobrunr_jobs for each row "
                    + "when (old.state <> 'DELETED') execute function conveyor_job_deleted()");

    private final DataSource dataSource;
    private final JobMapper jobMapper;
    private final JobEventPublisher events;
    private final JobMetrics metrics;
    private final Thread thread;

    private DeletedJobsRelay(DataSource dataSource, JobMapper jobMapper, JobEventPublisher events, JobMetrics metrics) {
        this.dataSource = dataSource;
        this.jobMapper = jobMapper;
        this.events = events;
        this.metrics = metrics;
        this.thread = Thread.ofPlatform().daemon().name("conveyor-deleted-jobs").start(this::run);
    }

    /** Creates the outbox and its triggers where missing, then relays it until closed. */
    public static DeletedJobsRelay start(DataSource dataSource, JobMapper jobMapper, JobEventPublisher events, JobMetrics metrics)
            throws SQLException {
        prepare(dataSource);
        return new DeletedJobsRelay(dataSource, jobMapper, events, metrics);
    }

    private static void prepare(DataSource dataSource) throws SQLException {
        if (new SchemaChange(LOCK, COMPLETE, SCHEMA).applyTo(dataSource)) {
            LOGGER.info("added the outbox of deleted jobs and its triggers to the ledger");
        }
    }

    /** Whether the outbox and its three triggers are there. */
    private static final String COMPLETE = "select to_regclass('conveyor_deleted_jobs') is not null and "
                + "(select count(*) from pg_trigger where tgrelid = 'jobrunr_jobs'::regclass and tgname in "
                + "('conveyor_job_deleted', 'conveyor_job_inserted_deleted', 'conveyor_job_removed')) = 3";

    private void run() {
        RelayRounds.run(this::relayBatch, BATCH, INTERVAL, LOGGER, "could not relay the events of deleted jobs");
    }

    /** Publishes one batch of the outbox and removes it once Kafka has every event; returns how many rows it took. */
    int relayBatch() throws SQLException, InterruptedException, ExecutionException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<Long> sent = new ArrayList<>();
                List<Job> deleted = new ArrayList<>();
                List<Future<?>> acknowledged = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement(
                        "select seq, job, removed from conveyor_deleted_jobs order by seq limit " + BATCH + " for update skip locked");
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        sent.add(rows.getLong(1));
                        Job job;
                        try {
                            job = jobMapper.deserializeJob(rows.getString(2));
                        } catch (RuntimeException e) {
                            // A row no event can be made of would hold up the outbox for good.
                            LOGGER.warn("dropping outbox row {}: its job cannot be read ({})", rows.getLong(1), e.toString());
                            continue;
                        }
                        acknowledged.add(events.publishNow(job, deletedState(job, rows.getBoolean(3))));
                        if (!rows.getBoolean(3)) {
                            deleted.add(job);
                        }
                    }
                }
                for (Future<?> future : acknowledged) {
                    future.get();
                }
                if (!sent.isEmpty()) {
                    try (PreparedStatement delete = connection.prepareStatement("delete from conveyor_deleted_jobs where seq = any(?)")) {
                        delete.setArray(1, connection.createArrayOf("bigint", sent.toArray()));
                        delete.executeUpdate();
                    }
                }
                connection.commit();
                deleted.forEach(metrics::deleted);
                return sent.size();
            } catch (SQLException | InterruptedException | ExecutionException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** The job's DELETED state; for a row removed in another state, one made now. */
    private static JobState deletedState(Job job, boolean removed) {
        return !removed && job.getJobState() instanceof DeletedState deleted ? deleted : new DeletedState(REMOVED);
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
