package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The retention of finished jobs, which keeps the ledger's size bounded under any load: each round moves jobs that
 * SUCCEEDED more than {@code deleteSucceededAfter} ago to DELETED, and removes jobs DELETED more than
 * {@code deleteDeletedAfter} ago from the ledger for good, in batches of {@link #BATCH} rows, one batch of each in turn,
 * until neither finds a full batch. Taking turns is the point: JobRunr's own retention, which this replaces
 * ({@link OnTimeStorageProvider}), moved succeeded jobs for as long as its time box allowed and skipped the permanent
 * delete whenever that took the whole box, so under steady load DELETED jobs were never removed.
 *
 * <p>A move is JobRunr's own change of the job (its DELETED state with a reason, the version raised), written with
 * {@link JobRows#update} over the rows this transaction locked: {@code for update skip locked}, so a worker or the
 * dashboard changing one of them meanwhile is never overwritten, and the rows another retention round holds are left
 * to it. Each moved job's DELETED event is published by {@link DeletedJobsRelay} (the ledger's trigger puts it in the
 * outbox in the same transaction); the removal of a job that was DELETED already publishes nothing. The moved jobs are
 * added to JobRunr's all-time succeeded counter in the same transaction, as JobRunr's retention does, so that the
 * dashboard's succeeded count still counts them. One worker at a time does the work: each batch runs under a
 * transaction-scoped advisory lock, and a worker that does not get it leaves the round to the one that has it.
 */
public final class LedgerRetention implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(LedgerRetention.class);
    /** Rows per statement: bounds each transaction's locks, its outbox rows and its share of the WAL. */
    static final int BATCH = 1_000;
    /** Between rounds; JobRunr's master ran its retention at each poll, every 5 s by default. */
    public static final Duration ROUND_INTERVAL = Duration.ofSeconds(5);
    /** One retention at a time across the fleet (an arbitrary constant of Conveyor's: "cvretain"). */
    private static final long LOCK = 0x637672657461696eL;
    /** JobRunr's all-time count of succeeded jobs that are no longer SUCCEEDED in the table (its stats view adds it). */
    private static final String SUCCEEDED_COUNTER = "succeeded-jobs-counter-cluster";

    private static final String SUCCEEDED_BEFORE = "select id, jobAsJson from jobrunr_jobs where state = 'SUCCEEDED' and updatedAt < ?::timestamp "
            + "order by updatedAt limit " + BATCH + " for update skip locked";
    private static final String COUNT_SUCCEEDED = "update jobrunr_metadata set value = "
            + "cast(cast(cast(value as char(10)) as decimal(10, 0)) + ? as char(10)) where id = '" + SUCCEEDED_COUNTER + "'";
    private static final String REMOVE_DELETED_BEFORE = "delete from jobrunr_jobs where id in (select id from jobrunr_jobs "
            + "where state = 'DELETED' and updatedAt < ?::timestamp order by updatedAt limit " + BATCH + " for update skip locked)";

    private final DataSource dataSource;
    private final JobMapper jobMapper;
    private final JobRows rows;
    private final Duration deleteSucceededAfter;
    private final Duration deleteDeletedAfter;
    private final Clock clock;
    private final Thread thread;

    private LedgerRetention(DataSource dataSource, JobMapper jobMapper, Duration deleteSucceededAfter, Duration deleteDeletedAfter, Clock clock) {
        this.dataSource = dataSource;
        this.jobMapper = jobMapper;
        this.rows = new JobRows(jobMapper);
        this.deleteSucceededAfter = deleteSucceededAfter;
        this.deleteDeletedAfter = deleteDeletedAfter;
        this.clock = clock;
        this.thread = Thread.ofPlatform().daemon().name("conveyor-retention").start(this::run);
    }

    /** Runs rounds every {@link #ROUND_INTERVAL} until closed. */
    public static LedgerRetention start(DataSource dataSource, JobMapper jobMapper, Duration deleteSucceededAfter, Duration deleteDeletedAfter,
                                        Clock clock) {
        return new LedgerRetention(dataSource, jobMapper, deleteSucceededAfter, deleteDeletedAfter, clock);
    }

    /** What one round did. */
    record Round(int moved, int removed) {
    }

    private void run() {
        boolean failing = false;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                long started = System.nanoTime();
                Round round = round();
                if (round.moved() + round.removed() > 0) {
                    LOGGER.debug("retention: {} succeeded jobs moved to DELETED, {} deleted jobs removed, in {} ms", round.moved(), round.removed(),
                            (System.nanoTime() - started) / 1_000_000);
                }
                failing = false;
            } catch (SQLException | RuntimeException e) {
                if (!failing) { // an outage: logged once until a round succeeds again
                    LOGGER.warn("retention of finished jobs failed, trying again every {} s: {}", ROUND_INTERVAL.toSeconds(), e.toString());
                    failing = true;
                }
            }
            try {
                Thread.sleep(ROUND_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One round: a batch of moves and a batch of removals in turn, until neither is full or another worker holds the
     * retention's lock. The cut-offs are taken once per round, so a round under load ends.
     */
    private Round round() throws SQLException {
        Instant now = clock.instant();
        String succeededBefore = utc(now.minus(deleteSucceededAfter));
        String deletedBefore = utc(now.minus(deleteDeletedAfter));
        int moved = 0;
        int removed = 0;
        while (!Thread.currentThread().isInterrupted()) {
            int movedNow = inBatchTransaction(connection -> moveSucceeded(connection, succeededBefore));
            int removedNow = movedNow < 0 ? -1 : inBatchTransaction(connection -> removeDeleted(connection, deletedBefore));
            if (movedNow < 0 || removedNow < 0) {
                break; // another worker does the rounds now
            }
            moved += movedNow;
            removed += removedNow;
            if (movedNow < BATCH && removedNow < BATCH) {
                break;
            }
        }
        return new Round(moved, removed);
    }

    /** A batch's work on a connection in a transaction. */
    private interface Batch {
        int run(Connection connection) throws SQLException;
    }

    /** Runs {@code batch} in a transaction of its own under the retention's lock; -1 if another worker holds the lock. */
    private int inBatchTransaction(Batch batch) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (!lock(connection)) {
                    connection.rollback();
                    return -1;
                }
                int done = batch.run(connection);
                connection.commit();
                return done;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private static boolean lock(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet lock = statement.executeQuery("select pg_try_advisory_xact_lock(" + LOCK + ")")) {
            return lock.next() && lock.getBoolean(1);
        }
    }

    /** Moves a batch of old SUCCEEDED jobs to DELETED; returns how many rows it took (moved, or removed as unreadable). */
    private int moveSucceeded(Connection connection, String succeededBefore) throws SQLException {
        List<Job> jobs = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(SUCCEEDED_BEFORE)) {
            select.setString(1, succeededBefore);
            try (ResultSet found = select.executeQuery()) {
                while (found.next()) {
                    try {
                        Job job = jobMapper.deserializeJob(found.getString(2));
                        job.delete(reason());
                        jobs.add(job);
                    } catch (RuntimeException e) {
                        // Else it would come first in every batch for good; its removal publishes what the relay can make of it.
                        LOGGER.warn("retention: removing job {}, succeeded but unreadable ({})", found.getString(1).trim(), e.toString());
                        unreadable.add(found.getString(1));
                    }
                }
            }
        }
        if (!unreadable.isEmpty()) {
            try (PreparedStatement delete = connection.prepareStatement("delete from jobrunr_jobs where id = any(?)")) {
                delete.setArray(1, connection.createArrayOf("bpchar", unreadable.toArray()));
                delete.executeUpdate();
            }
        }
        if (jobs.isEmpty()) {
            return unreadable.size();
        }
        // The rows are locked by this transaction, so none changed since it read them; one that is refused anyway (its
        // JSON's version not the row's) stays SUCCEEDED and is tried again at the next round.
        List<Job> refused = rows.update(connection, jobs);
        int moved = jobs.size() - refused.size();
        if (!refused.isEmpty()) {
            LOGGER.warn("retention: {} succeeded jobs not moved, their rows' versions differ from their JSON's, e.g. {}", refused.size(),
                    refused.getFirst().getId());
        }
        try (PreparedStatement count = connection.prepareStatement(COUNT_SUCCEEDED)) {
            count.setInt(1, moved);
            count.executeUpdate();
        }
        return moved + unreadable.size();
    }

    private int removeDeleted(Connection connection, String deletedBefore) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(REMOVE_DELETED_BEFORE)) {
            delete.setString(1, deletedBefore);
            return delete.executeUpdate();
        }
    }

    /** The reason of the DELETED state, as the dashboard and the DELETED event show it. */
    private String reason() {
        return "retention: succeeded more than " + deleteSucceededAfter.toSeconds() + " s ago";
    }

    /** The ledger's timestamps are UTC without a zone ({@link JobRows}). */
    private static String utc(Instant instant) {
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
