package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobListVersioner;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.SchedulableState;
import org.jobrunr.storage.StorageException;
import org.jobrunr.utils.JobUtils;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Saves changed jobs of the ledger as JobRunr's own {@code JobTable.save(List)} does (the same columns and the same JSON,
 * each job's version raised by one and checked against the row's, so a job changed meanwhile by someone else is not
 * overwritten), but in one UPDATE over arrays instead of one UPDATE per job. PostgreSQL then plans and runs one statement
 * per batch instead of one per job: in a noop run the per-job UPDATEs were a third of the database's time, 0.38 ms per
 * job of which a third was planning each anew (docs/BENCHMARKS.md).
 */
public final class JobRows {

    private static final String UPDATE = "update jobrunr_jobs j set version = u.version, jobAsJson = u.json, state = u.state, "
            + "updatedAt = u.updatedAt, scheduledAt = u.scheduledAt "
            + "from unnest(?::bpchar[], ?::int[], ?::text[], ?::varchar[], ?::timestamp[], ?::timestamp[]) "
            + "as u(id, version, json, state, updatedAt, scheduledAt) "
            + "where j.id = u.id and j.version = u.version - 1 returning j.id";

    private static final String INSERT = "insert into jobrunr_jobs (id, version, jobAsJson, jobSignature, state, createdAt, "
            + "updatedAt, scheduledAt, recurringJobId) select * from unnest(?::bpchar[], ?::int[], ?::text[], ?::varchar[], "
            + "?::varchar[], ?::timestamp[], ?::timestamp[], ?::timestamp[], ?::varchar[]) on conflict (id) do nothing returning id";

    private final JobMapper mapper;

    /** What {@link #updateAlone} did: the jobs it could not save, changed by someone else meanwhile, and the jobs it inserted. */
    public record Written(List<Job> changedMeanwhile, List<Job> inserted) {
    }

    public JobRows(JobMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Saves {@code jobs}, all of them already in the ledger, in the transaction of {@code connection}. Returns the jobs
     * that someone else changed since they were read: those are not saved, and keep the version they had. The others'
     * versions are raised by one, as the ledger now has them.
     */
    public List<Job> update(Connection connection, List<Job> jobs) throws SQLException {
        if (jobs.isEmpty()) {
            return List.of();
        }
        // Rows locked in the order of their ids: two batches over the same jobs wait for each other, never deadlock.
        List<Job> sorted = jobs.stream().sorted(Comparator.comparing(Job::getId)).toList();
        // JobRunr's own versioning: raises each version now, and puts back on close those not committed.
        try (JobListVersioner versions = new JobListVersioner(sorted)) {
            Set<String> saved = execute(connection, sorted);
            List<Job> changedMeanwhile = sorted.stream().filter(job -> !saved.contains(job.getId().toString())).toList();
            versions.rollbackVersions(changedMeanwhile); // commits the versions of the others
            return changedMeanwhile;
        }
    }

    /**
     * Inserts those of {@code jobs} whose ids are not in the ledger yet, in the transaction of {@code connection}, with the
     * rows JobRunr's own insert writes, each job's version raised by one as JobRunr's insert raises it (a new job's to
     * 1: a row read back at version 0 would be taken for a job never saved); returns the jobs it inserted. The others
     * keep their version. One statement whatever the ledger holds: a job that Kafka delivered twice, that another worker
     * inserted meanwhile, or a fanned-out child written again after its parent's rolled-back success, is skipped by
     * {@code on conflict}, where the intake's look for existing ids first took a round trip of its own and could still
     * race with another worker's insert.
     */
    public List<Job> insert(Connection connection, List<Job> jobs) throws SQLException {
        if (jobs.isEmpty()) {
            return List.of();
        }
        // Index entries taken in the order of the ids: two inserts of overlapping jobs wait for each other, never deadlock.
        List<Job> sorted = jobs.stream().sorted(Comparator.comparing(Job::getId)).toList();
        try (JobListVersioner versions = new JobListVersioner(sorted)) {
            int size = sorted.size();
            String[] ids = new String[size];
            Integer[] versionColumn = new Integer[size];
            String[] json = new String[size];
            String[] signatures = new String[size];
            String[] states = new String[size];
            String[] createdAt = new String[size];
            String[] updatedAt = new String[size];
            String[] scheduledAt = new String[size];
            String[] recurringJobIds = new String[size];
            for (int i = 0; i < size; i++) {
                Job job = sorted.get(i);
                ids[i] = job.getId().toString();
                versionColumn[i] = job.getVersion();
                json[i] = mapper.serializeJob(job);
                signatures[i] = JobUtils.getJobSignature(job);
                states[i] = job.getState().name();
                createdAt[i] = utc(job.getCreatedAt());
                updatedAt[i] = utc(job.getUpdatedAt());
                scheduledAt[i] = scheduledAt(job);
                recurringJobIds[i] = job.getRecurringJobId().orElse(null);
            }
            Set<String> inserted;
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                insert.setArray(1, connection.createArrayOf("bpchar", ids));
                insert.setArray(2, connection.createArrayOf("int4", versionColumn));
                insert.setArray(3, connection.createArrayOf("text", json));
                insert.setArray(4, connection.createArrayOf("varchar", signatures));
                insert.setArray(5, connection.createArrayOf("varchar", states));
                insert.setArray(6, connection.createArrayOf("varchar", createdAt));
                insert.setArray(7, connection.createArrayOf("varchar", updatedAt));
                insert.setArray(8, connection.createArrayOf("varchar", scheduledAt));
                insert.setArray(9, connection.createArrayOf("varchar", recurringJobIds));
                inserted = returnedIds(insert);
            }
            List<Job> skipped = sorted.stream().filter(job -> !inserted.contains(job.getId().toString())).toList();
            versions.rollbackVersions(skipped); // commits the versions of the others
            return sorted.stream().filter(job -> inserted.contains(job.getId().toString())).toList();
        }
    }

    /** Runs the update; returns the ids of the rows it changed. */
    private Set<String> execute(Connection connection, List<Job> jobs) throws SQLException {
        int size = jobs.size();
        String[] ids = new String[size];
        Integer[] versions = new Integer[size];
        String[] json = new String[size];
        String[] states = new String[size];
        String[] updatedAt = new String[size];
        String[] scheduledAt = new String[size];
        for (int i = 0; i < size; i++) {
            Job job = jobs.get(i);
            ids[i] = job.getId().toString();
            versions[i] = job.getVersion();
            json[i] = mapper.serializeJob(job);
            states[i] = job.getState().name();
            updatedAt[i] = utc(job.getUpdatedAt());
            scheduledAt[i] = scheduledAt(job);
        }
        try (PreparedStatement update = connection.prepareStatement(UPDATE)) {
            update.setArray(1, connection.createArrayOf("bpchar", ids));
            update.setArray(2, connection.createArrayOf("int4", versions));
            update.setArray(3, connection.createArrayOf("text", json));
            update.setArray(4, connection.createArrayOf("varchar", states));
            update.setArray(5, connection.createArrayOf("varchar", updatedAt));
            update.setArray(6, connection.createArrayOf("varchar", scheduledAt));
            return returnedIds(update);
        }
    }

    /** Runs a statement that returns the ids of the rows it wrote. */
    private static Set<String> returnedIds(PreparedStatement statement) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    /**
     * As {@link #update(Connection, List)}, in a transaction of its own on a connection of {@code dataSource}, and in the
     * same transaction {@link #insert}s the jobs {@code newJobsOf} names for the jobs saved (those that fanned out: their
     * children exist if and only if their success does). {@code first} runs first in the transaction, before anything of
     * {@code jobs} is changed (their versions included), so that if it throws, the transaction is rolled back and the jobs
     * can be saved again as they are. Throws {@link StorageException} if the ledger could not be written (nothing was then).
     */
    public Written updateAlone(DataSource dataSource, List<Job> jobs, Function<List<Job>, List<Job>> newJobsOf, Step first) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                reusePlans(connection);
                first.run(connection);
                List<Job> changedMeanwhile = update(connection, jobs);
                List<Job> saved = jobs.stream().filter(job -> !changedMeanwhile.contains(job)).toList();
                List<Job> inserted = insert(connection, newJobsOf.apply(saved));
                connection.commit();
                return new Written(changedMeanwhile, inserted);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }

    /**
     * Lets PostgreSQL reuse the plans of this transaction's statements. Ledger connections plan every statement anew
     * ({@code plan_cache_mode=force_custom_plan}, see {@code common.Ledger}) for JobRunr's own queries, whose state is a
     * parameter; the claim's and this class's statements name their partial index's state in the text, so one generic
     * plan serves every run, and planning them each time was a sixth of the database's time per noop job
     * ({@code pg_stat_statements}, docs/BENCHMARKS.md). Forced, not {@code auto}: with {@code auto} PostgreSQL kept
     * planning the claim's selects anew, their custom plans looking cheaper. A cached plan is made again when the table's
     * statistics change ({@link LedgerStatistics}). Call it first in a transaction: it ends with the transaction.
     */
    public static void reusePlans(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(REUSE_PLANS);
        }
    }

    /** Work in a transaction of {@link #updateAlone}'s. */
    @FunctionalInterface
    public interface Step {
        void run(Connection connection) throws SQLException;
    }

    /** The statement of {@link #reusePlans}, for a transaction that sets more of its own in the same round trip. */
    public static final String REUSE_PLANS = "set local plan_cache_mode = force_generic_plan";

    private static String scheduledAt(Job job) {
        return job.getLastJobStateOfType(SchedulableState.class).map(state -> utc(state.getScheduledAt())).orElse(null);
    }

    /**
     * The ledger's timestamp columns hold UTC without a zone, to the microsecond (JobRunr binds them with a UTC calendar).
     * Rounded here, half up, as the driver rounds JobRunr's own: PostgreSQL would round the nanoseconds of a text value
     * half to even, a microsecond off JobRunr's row for one instant in a few thousand.
     */
    private static String utc(Instant instant) {
        return LocalDateTime.ofInstant(instant.plusNanos(500).truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC).toString();
    }
}
