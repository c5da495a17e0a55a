package io.conveyor.worker.claim;

import io.conveyor.worker.JobLanes;
import io.conveyor.handler.JobKind;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.JobFilterUtils;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.sql.common.JobTable;
import org.jobrunr.storage.sql.postgres.PostgresDialect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Claims enqueued jobs for this worker, as many of each lane as that lane has room for, in one transaction: a
 * {@code SELECT ... FOR UPDATE SKIP LOCKED} per lane (by the job's signature, which says its lane), then JobRunr's own
 * PROCESSING transition, election filters and optimistic-locked save ({@link JobTable}), as JobRunr's claim does; the
 * applied filters (events) run after the commit. JobRunr's claim cannot tell the lanes apart: it takes the oldest
 * jobs whatever they are, so a worker whose per-core pool is full would still take compute jobs for its waiting lane.
 */
public final class LaneClaim {

    private static final Logger LOGGER = LoggerFactory.getLogger(LaneClaim.class);
    /**
     * Enqueued jobs by lane and age: the claim reads only its own lane's jobs, oldest first, however many of the other
     * lane wait ahead of them. Partial, so it holds only what waits.
     */
    static final String INDEX = "create index if not exists conveyor_enqueued_by_lane_idx on jobrunr_jobs (jobSignature, updatedAt) "
            + "where state = 'ENQUEUED'";
    private static final String SELECT = "select jobAsJson from jobrunr_jobs where state = 'ENQUEUED' and jobSignature = ? "
            + "order by updatedAt limit ? for update skip locked";

    private final DataSource dataSource;
    private final JobMapper jobMapper;
    private final ConveyorJobServer server;
    private final PostgresDialect dialect = new PostgresDialect();

    public LaneClaim(DataSource dataSource, JobMapper jobMapper, ConveyorJobServer server) {
        this.dataSource = dataSource;
        this.jobMapper = jobMapper;
        this.server = server;
    }

    /**
     * Creates the claim's index if the ledger lacks it (once per worker start; cheap when it exists). Two workers
     * starting together may both try: the loser's "already exists" is fine.
     */
    public void prepareLedger() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(INDEX);
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) { // unique violation, duplicate table
                throw e;
            }
            LOGGER.debug("another worker created the claim index meanwhile: {}", e.getMessage());
        }
    }

    /** Claims what the lanes have room for and hands it to the server; returns how many jobs started. */
    int claim() {
        if (!server.isRunning()) {
            return 0;
        }
        int computeRoom = server.room(JobKind.COMPUTE);
        int waitingRoom = server.room(JobKind.WAITS);
        if (computeRoom <= 0 && waitingRoom <= 0) {
            return 0;
        }
        List<Job> claimed;
        try {
            claimed = claimInOneTransaction(computeRoom, waitingRoom);
        } catch (SQLException e) {
            throw new StorageException(e);
        }
        claimed.forEach(server::processJob);
        return claimed.size();
    }

    private List<Job> claimInOneTransaction(int computeRoom, int waitingRoom) throws SQLException {
        JobFilterUtils filters = new JobFilterUtils(server.getJobFilters());
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<Job> jobs = new ArrayList<>(Math.max(computeRoom, 0) + Math.max(waitingRoom, 0));
                select(connection, JobKind.COMPUTE, computeRoom, jobs);
                select(connection, JobKind.WAITS, waitingRoom, jobs);
                if (jobs.isEmpty()) {
                    connection.commit();
                    return jobs;
                }
                jobs.forEach(job -> job.startProcessingOn(server));
                filters.runOnStateElectionFilter(jobs);
                List<Job> saved = save(connection, jobs);
                connection.commit();
                filters.runOnStateAppliedFilters(saved);
                return saved.stream().filter(job -> job.hasState(StateName.PROCESSING)).toList();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private void select(Connection connection, JobKind lane, int room, List<Job> into) throws SQLException {
        if (room <= 0) {
            return;
        }
        try (PreparedStatement select = connection.prepareStatement(SELECT)) {
            select.setString(1, JobLanes.signature(lane));
            select.setInt(2, room);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    into.add(jobMapper.deserializeJob(rows.getString(1)));
                }
            }
        }
    }

    /** JobRunr's own batch save (version check and all); a job changed meanwhile by someone else is left out. */
    private List<Job> save(Connection connection, List<Job> jobs) throws SQLException {
        try {
            return new JobTable(connection, dialect, "", jobMapper).save(jobs);
        } catch (ConcurrentJobModificationException e) {
            Set<UUID> changed = e.getConcurrentUpdatedJobs().stream().map(Job::getId).collect(Collectors.toSet());
            LOGGER.debug("{} claimed jobs changed meanwhile; left to whoever changed them", changed.size());
            return jobs.stream().filter(job -> !changed.contains(job.getId())).toList();
        }
    }
}
