package io.conveyor.worker.claim;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.Ledger;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.JobDispatcher;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.WaitingJobDispatcher;
import io.conveyor.worker.ledger.AppliedStateFilters;
import io.conveyor.worker.ledger.FanOuts;
import io.conveyor.worker.ledger.JobResults;
import io.conveyor.worker.ledger.LedgerSchema;
import io.conveyor.worker.ledger.OnTimeStorageProvider;
import io.conveyor.worker.ledger.SucceededJobsWriter;
import io.conveyor.worker.run.Attempts;
import io.conveyor.worker.run.FatalJobErrors;
import io.conveyor.worker.run.HandlerRegistry;
import io.conveyor.worker.run.JobTimeouts;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The claim that rides in the succeeded jobs' writer's transaction ({@link Turnover}), on a real ledger and a real,
 * started job server with one place on its waiting lane, whose jobs wait at a gate the test opens. The claim thread's
 * poll is ten minutes away, so a freed place is claimed for only by the writer or by a signal to the claim thread.
 *
 * <p>To have a job's run ended before the writer reaches its success (a writer that takes a success before its run
 * ended leaves the place to the run's own signal), the writer is first held up by a batch of one other job whose row
 * the test keeps locked.
 */
class TurnoverIT {

    private static final Duration CLAIM_POLL = Duration.ofMinutes(10);
    private static final String GATE = "gate";

    private final Semaphore gate = new Semaphore(0);
    private final AtomicInteger claimSignals = new AtomicInteger();
    private Ledger ledger;
    private TestDatabase database;
    private ConveyorJobServer server;
    private SucceededJobsWriter writer;
    private LaneClaim claim;
    private ClaimTrigger trigger;
    private JobTimeouts timeouts;

    @BeforeEach
    void start() throws SQLException {
        var settings = TestServices.newDatabase("turnover");
        database = new TestDatabase(settings);
        ledger = Ledger.open(settings, "turnover-test", 8, OnTimeStorageProvider::new);
        LedgerSchema.prepare(ledger.dataSource());
        Attempts attempts = new Attempts();
        timeouts = new JobTimeouts(Duration.ofSeconds(5), (job, timeout) -> { });
        JobDispatcher dispatcher = new JobDispatcher(new HandlerRegistry(List.of(new GateHandler())), null, null, new JobResults(), attempts,
                new FatalJobErrors(), timeouts, (job, type, attempt, done, total) -> { });
        server = new ConveyorJobServer(ledger.storageProvider(), ledger.jsonMapper(), new GateActivator(new WaitingJobDispatcher(dispatcher)),
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration().andPollIntervalInSeconds(60),
                attempts, 1, 1, Duration.ofSeconds(1));
        AppliedStateFilters filters = new AppliedStateFilters(List.of());
        writer = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()), filters,
                () -> true, new FanOuts(), written -> { });
        server.useSucceededJobsWriter(writer);
        claim = new LaneClaim(ledger.dataSource(), new JobMapper(ledger.jsonMapper()), server, filters, List.of(GATE),
                List.of(JobSubmission.DEFAULT_QUEUE), Map.of(), Duration.ofMinutes(5), Clock.systemUTC());
        trigger = new ClaimTrigger(claim, CLAIM_POLL);
        Runnable claimSoon = () -> {
            claimSignals.incrementAndGet();
            trigger.claimSoon();
        };
        server.onWorkerFree(claimSoon);
        server.useTurnover(new Turnover(claim, claimSoon));
        server.start();
        await().atMost(Duration.ofSeconds(30)).until(server::isAnnounced);
    }

    @AfterEach
    void stop() {
        gate.release(100);
        trigger.close();
        server.shutDown();
        writer.close();
        timeouts.close();
        ledger.close();
    }

    @Test
    void oneTransactionRecordsASuccessAndClaimsTheJobForThePlaceItFreed() throws Exception {
        UUID first = enqueue();
        UUID next = enqueue();
        startFirst(first);
        try (Connection holdingTheWriter = holdTheWriter()) {
            endTheRunningJob();
            holdingTheWriter.commit();
        }

        awaitState(first, StateName.SUCCEEDED);
        awaitState(next, StateName.PROCESSING);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.running(JobKind.WAITS) == 1);
        assertThat(lastWriter(next)).as("the transaction that made the next job PROCESSING is the one that made the first SUCCEEDED")
                .isEqualTo(lastWriter(first));
        assertThat(claimSignals).as("signals to the claim thread").hasValue(0);
    }

    @Test
    void aFreedPlaceIsLeftToTheClaimThreadWhenAnotherClaimHasTheTurn() throws Exception {
        UUID first = enqueue();
        UUID next = enqueue();
        startFirst(first);
        assertThat(claim.tryTurn()).as("the test takes the claim's turn").isTrue();
        try {
            endTheRunningJob();
            awaitState(first, StateName.SUCCEEDED);
            await().atMost(Duration.ofSeconds(10)).until(() -> claimSignals.get() == 1);
            assertThat(TestDatabase.committedState(ledger.dataSource(), next)).as("not claimed by the writer").isEqualTo(StateName.ENQUEUED);
        } finally {
            claim.endTurn();
        }

        awaitState(next, StateName.PROCESSING);
        assertThat(lastWriter(next)).isNotEqualTo(lastWriter(first));
    }

    @Test
    void aFreedPlaceIsLeftToTheClaimThreadWhenTheWritersTransactionFails() throws Exception {
        UUID first = enqueue();
        UUID next = enqueue();
        startFirst(first);
        try (Connection holdingTheWriter = holdTheWriter()) {
            endTheRunningJob();
            try (Connection holdingTheSuccess = lockRow(first)) {
                holdingTheWriter.commit();
                // The writer's next transaction claimed the next job, then waits to record the first's success: it fails.
                int writer = awaitBackendBlockedBy(holdingTheSuccess);
                assertThat(TestDatabase.committedState(ledger.dataSource(), next)).isEqualTo(StateName.ENQUEUED);
                assertThat(database.query("select pg_terminate_backend(" + writer + ")")).isEqualTo("t");
                awaitState(next, StateName.PROCESSING);
                assertThat(claimSignals).as("signals to the claim thread").hasValue(1);
                holdingTheSuccess.rollback();
            }
        }

        awaitState(first, StateName.SUCCEEDED);
        assertThat(lastWriter(next)).isNotEqualTo(lastWriter(first));
    }

    /** Claims {@code first} on the claim thread (the lane's one place) and waits until it runs, at the gate. */
    private void startFirst(UUID first) {
        trigger.claimSoon();
        awaitState(first, StateName.PROCESSING);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.running(JobKind.WAITS) == 1 && gate.hasQueuedThreads());
    }

    /** Lets the job at the gate end, and waits until its place is free (its success queued for the writer). */
    private void endTheRunningJob() {
        gate.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.running(JobKind.WAITS) == 0);
    }

    /**
     * Holds the writer up until the returned transaction ends: queues the success of another job, PROCESSING in the
     * ledger, whose row that transaction locks.
     */
    private Connection holdTheWriter() throws SQLException {
        Job other = new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(server.getId(), "turnover-test")), new ConcurrentHashMap<>());
        ledger.storageProvider().save(other);
        Connection holding = lockRow(other.getId());
        writer.write(other.succeeded());
        awaitBackendBlockedBy(holding);
        return holding;
    }

    /** Locks the job's row in a transaction of the test's, on a connection of its own. */
    private Connection lockRow(UUID id) throws SQLException {
        Connection connection = database.connect();
        connection.setAutoCommit(false);
        try (PreparedStatement lock = connection.prepareStatement("select id from jobrunr_jobs where id = ? for update")) {
            lock.setString(1, id.toString());
            lock.executeQuery().close();
        }
        return connection;
    }

    /** The pid of the backend (the writer's) that waits for a lock {@code holding} holds. */
    private int awaitBackendBlockedBy(Connection holding) throws SQLException {
        String holder;
        try (Statement statement = holding.createStatement(); ResultSet row = statement.executeQuery("select pg_backend_pid()")) {
            row.next();
            holder = row.getString(1);
        }
        return await().atMost(Duration.ofSeconds(10)).until(() -> Integer.parseInt(database.query(
                "select coalesce(max(pid), 0) from pg_stat_activity where " + holder + " = any(pg_blocking_pids(pid))")), pid -> pid > 0);
    }

    private UUID enqueue() throws InterruptedException {
        Job job = new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest(GATE, "{}", null, null, JobKind.WAITS)),
                List.<JobState>of(new EnqueuedState()), new ConcurrentHashMap<>());
        job.setJobName(GATE);
        ledger.storageProvider().save(job);
        Thread.sleep(5); // each its own enqueue time: claimed oldest first
        return job.getId();
    }

    private void awaitState(UUID id, StateName state) {
        await().atMost(Duration.ofSeconds(20)).until(() -> TestDatabase.committedState(ledger.dataSource(), id) == state);
    }

    /** The transaction that wrote the job's row last ({@code xmin}). */
    private String lastWriter(UUID id) throws SQLException {
        try (Connection connection = database.connect();
             PreparedStatement select = connection.prepareStatement("select xmin::text from jobrunr_jobs where id = ?")) {
            select.setString(1, id.toString());
            try (ResultSet row = select.executeQuery()) {
                assertThat(row.next()).isTrue();
                return row.getString(1);
            }
        }
    }

    /** A waiting-lane job type whose runs wait at the test's gate. */
    private final class GateHandler implements JobHandler {

        @Override
        public String type() {
            return GATE;
        }

        @Override
        public JobKind kind() {
            return JobKind.WAITS;
        }

        @Override
        public JsonNode handle(JobContext context) throws InterruptedException {
            gate.acquire();
            return null;
        }
    }

    private record GateActivator(WaitingJobDispatcher waiting) implements JobActivator {

        @Override
        public <T> T activateJob(Class<T> type) {
            return type.isInstance(waiting) ? type.cast(waiting) : null;
        }
    }
}
