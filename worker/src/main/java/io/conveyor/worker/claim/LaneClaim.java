package io.conveyor.worker.claim;

import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.ledger.AppliedStateFilters;
import io.conveyor.worker.ledger.JobRows;
import io.conveyor.handler.JobKind;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Claims enqueued jobs for this worker, as many of each lane as that lane has room for, in one transaction: the lane's
 * jobs in {@link ClaimOrder} (only types it runs on queues it serves; priorities, aging, fleet-wide type limits; by the job's signature, which says its lane,
 * each {@code SELECT ... FOR UPDATE SKIP LOCKED}), then JobRunr's own
 * PROCESSING transition and election filters, and an optimistic-locked save of them all in one statement ({@link JobRows}), as JobRunr's claim does but for the one statement; the
 * applied filters (events) run after the commit. JobRunr's claim cannot tell the lanes apart: it takes the oldest
 * jobs whatever they are, so a worker whose per-core pool is full would still take compute jobs for its waiting lane.
 *
 * <p>A claim runs in a transaction of its own ({@link #claim}, the claim thread's) or in the succeeded jobs' writer's
 * ({@link Turnover}). Either way one claim at a time holds the claim's turn from the lanes' room to the hand-over of
 * what it claimed: the room is the lanes' free places less the jobs handed to them, so two claims that computed it
 * before either handed its jobs over would both fill the same places.
 */
public final class LaneClaim {

    private static final Logger LOGGER = LoggerFactory.getLogger(LaneClaim.class);
    private static final String COMPUTE_SIGNATURE = LedgerJobRequest.signature(JobKind.COMPUTE);
    private static final String WAITING_SIGNATURE = LedgerJobRequest.signature(JobKind.WAITS);
    private final DataSource dataSource;
    private final JobMapper jobMapper;
    private final ConveyorJobServer server;
    private final ClaimOrder order;
    private final JobRows rows;
    private final AppliedStateFilters appliedFilters;
    private final ReentrantLock turn = new ReentrantLock();
    private volatile boolean closed;

    /**
     * @param types       the job types this worker has handlers for: it claims no other
     * @param queues      the queues this worker serves ({@code CONVEYOR_QUEUES}): it claims from no other
     * @param typeLimits  the most jobs of a type that may run at once across the fleet ({@code CONVEYOR_TYPE_LIMITS})
     * @param agingPeriod how long a job waits before it goes ahead of younger ones below high priority
     */
    public LaneClaim(DataSource dataSource, JobMapper jobMapper, ConveyorJobServer server, AppliedStateFilters appliedFilters,
                     Collection<String> types, Collection<String> queues, Map<String, Integer> typeLimits, Duration agingPeriod, Clock clock) {
        this.appliedFilters = appliedFilters;
        this.dataSource = dataSource;
        this.jobMapper = jobMapper;
        this.server = server;
        this.rows = new JobRows(jobMapper);
        this.order = new ClaimOrder(types, queues, typeLimits, agingPeriod, clock);
    }

    /** Claims what the lanes have room for, in a transaction of its own, and hands it to the server; returns how many jobs started. */
    int claim() {
        turn.lock();
        try {
            if (closed || !server.isRunning() || !hasRoom()) {
                return 0;
            }
            return handOver(claimInOneTransaction());
        } finally {
            turn.unlock();
        }
    }

    /**
     * Takes the claim's turn if no other claim holds it, for a claim in someone else's transaction: then {@link #claimIn},
     * and {@link #handOver} once that transaction committed or {@link #endTurn} if it did not. False, holding nothing, if
     * another claim runs now, or claims stopped.
     */
    boolean tryTurn() {
        if (!turn.tryLock()) {
            return false;
        }
        if (closed || !server.isRunning()) {
            turn.unlock();
            return false;
        }
        return true;
    }

    /**
     * Holding the turn: selects what the lanes have room for now and saves it PROCESSING in the transaction of
     * {@code connection}; returns the jobs saved, to be handed over once it committed.
     */
    List<Job> claimIn(Connection connection) throws SQLException {
        int computeRoom = server.room(JobKind.COMPUTE);
        int waitingRoom = server.room(JobKind.WAITS);
        if (computeRoom <= 0 && waitingRoom <= 0) {
            return List.of();
        }
        List<Job> jobs = select(connection, computeRoom, waitingRoom);
        if (jobs.isEmpty()) {
            return jobs;
        }
        jobs.forEach(job -> job.startProcessingOn(server));
        jobs.forEach(this::elect);
        return save(connection, jobs);
    }

    /**
     * Holding the turn, after the commit of the claim's transaction: runs the applied filters (events) of the saved jobs
     * and hands those still PROCESSING to their lanes. Returns how many jobs it handed over.
     */
    int handOver(List<Job> saved) {
        appliedFilters.run(saved);
        List<Job> processing = saved.stream().filter(job -> job.hasState(StateName.PROCESSING)).toList();
        processing.forEach(server::processJob);
        return processing.size();
    }

    private boolean hasRoom() {
        return server.room(JobKind.COMPUTE) > 0 || server.room(JobKind.WAITS) > 0;
    }

    /** Ends the turn {@link #tryTurn} took: once the claim's jobs were handed over, or its transaction did not commit. */
    void endTurn() {
        turn.unlock();
    }

    /** Stops claiming; waits (up to {@code atMost}) for a claim under way to hand its jobs over or fail. */
    void close(Duration atMost) {
        closed = true;
        try {
            if (turn.tryLock(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                turn.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Job> claimInOneTransaction() {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                begin(connection);
                List<Job> saved = claimIn(connection);
                connection.commit();
                return saved;
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
     * Runs the worker's state election on a job made PROCESSING, as JobRunr's {@code JobFilterUtils} would, but without
     * building the job's filter list anew by reflection for every job (6 to 44 µs a job on the busy benchmark machine,
     * against well under 1 µs for the call itself): the worker's one election filter is its server's
     * {@link ConveyorJobServer#election()}, as for the performer's end of a run. A filter that throws is logged and the
     * claim goes on, as with JobRunr.
     */
    private void elect(Job job) {
        try {
            server.election().onStateElection(job, job.getJobState());
        } catch (RuntimeException e) {
            LOGGER.error("Error evaluating the state election of job {}", job.getId(), e);
        }
    }

    /**
     * Sets up the claim's transaction in one round trip: plans reused ({@link JobRows#reusePlans}), and a commit that
     * does not wait for the ledger's write-ahead log to reach the disk. That wait (an fsync: a one-row commit took 2.4 ms
     * on the benchmark's machine, 0.2 ms without it) was the largest single part of a claim in the waiting-jobs benchmark
     * (5.1 of 18 ms, on a busy machine), and every freed place of a lane waits for a claim to get its next job. The
     * claim is the one write whose loss costs nothing but a re-run: PostgreSQL flushes its log in order, so the next
     * durable commit of any session (at the latest the job's own success or failure) makes the claim durable too, and
     * only a crash of the ledger's server in between loses it; the job is then ENQUEUED again and runs once more, as the
     * job of a worker that died does (at least once). Intake, successes and failures keep their durable commits.
     */
    static void begin(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(JobRows.REUSE_PLANS + "; set local synchronous_commit = off");
        }
    }

    private List<Job> select(Connection connection, int computeRoom, int waitingRoom) throws SQLException {
        List<ClaimOrder.Lane> lanes = new ArrayList<>(2);
        if (computeRoom > 0) {
            lanes.add(new ClaimOrder.Lane(COMPUTE_SIGNATURE, computeRoom));
        }
        if (waitingRoom > 0) {
            lanes.add(new ClaimOrder.Lane(WAITING_SIGNATURE, waitingRoom));
        }
        List<Job> jobs = new ArrayList<>(Math.max(computeRoom, 0) + Math.max(waitingRoom, 0));
        order.select(connection, lanes).forEach(json -> jobs.add(jobMapper.deserializeJob(json)));
        return jobs;
    }

    /** Saves the claimed jobs in one statement (version check and all); a job changed meanwhile by someone else is left out. */
    private List<Job> save(Connection connection, List<Job> jobs) throws SQLException {
        List<Job> changedMeanwhile = rows.update(connection, jobs);
        if (!changedMeanwhile.isEmpty()) {
            LOGGER.debug("{} claimed jobs changed meanwhile; left to whoever changed them", changedMeanwhile.size());
        }
        List<Job> saved = new ArrayList<>(jobs);
        saved.removeAll(changedMeanwhile); // the same objects
        return saved;
    }

}
