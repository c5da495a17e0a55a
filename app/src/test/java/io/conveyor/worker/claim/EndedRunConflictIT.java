package io.conveyor.worker.claim;

import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Ledger;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.ledger.AppliedStateFilters;
import io.conveyor.worker.ledger.FanOuts;
import io.conveyor.worker.ledger.LedgerSchema;
import io.conveyor.worker.ledger.OnTimeStorageProvider;
import io.conveyor.worker.ledger.SucceededJobsWriter;
import io.conveyor.worker.run.Attempts;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JobRunr's periodic update of running jobs (its steward's heartbeat, every poll interval) losing to the end of a run it
 * is saving, on a real ledger and a real, started job server: the heartbeat picks the job while it runs, and before its
 * UPDATE is sent the job succeeds and the worker's {@link SucceededJobsWriter} records that (here at the very moment the
 * heartbeat prepares its statement, on the heartbeat's own thread: a job's own thread can no longer end its run while
 * the heartbeat saves it, see {@link HeartbeatEndingRunIT}, but another thread of the worker can still end a run in
 * memory once its end is recorded). JobRunr's default resolver took each such loss for a problematic exception, and
 * after six heartbeats in a row that lost, JobRunr stopped the job server. Here the success stands and the server
 * keeps running.
 */
class EndedRunConflictIT {

    /** JobRunr stops its server once more than five runs of a task failed (each run that did not fail forgives one). */
    private static final int LOST_HEARTBEATS = 7;
    private static final int POLL_SECONDS = 5; // the least JobRunr accepts: the test takes about LOST_HEARTBEATS polls

    private final AtomicReference<Runnable> atNextHeartbeatUpdate = new AtomicReference<>();
    private Ledger ledger;
    private ConveyorJobServer server;
    private SucceededJobsWriter writer;

    @BeforeEach
    void start() throws SQLException {
        ledger = Ledger.open(TestServices.newDatabase("ended-run-conflict"), "ended-run-conflict-test", 6,
                dataSource -> new OnTimeStorageProvider(runningHookBeforeHeartbeatUpdates(dataSource)));
        LedgerSchema.prepare(ledger.dataSource());
        server = new ConveyorJobServer(ledger.storageProvider(), ledger.jsonMapper(), null,
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration().andPollIntervalInSeconds(POLL_SECONDS),
                new Attempts(), 1, 1, Duration.ofSeconds(1));
        writer = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()),
                new AppliedStateFilters(List.of()), () -> true, new FanOuts(), written -> { });
        server.start();
    }

    @AfterEach
    void stop() {
        server.shutDown();
        writer.close();
        ledger.close();
    }

    @Test
    void aHeartbeatThatLosesToTheRunsRecordedSuccessNeitherCountsNorUndoesIt() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(server::isAnnounced);
        Job alongside = running(); // a job that runs throughout: each heartbeat that saves it has ended
        List<Job> ended = new ArrayList<>();
        for (int i = 0; i < LOST_HEARTBEATS && !server.isStoppedUnasked(); i++) {
            Job job = running();
            CountDownLatch recorded = new CountDownLatch(1);
            atNextHeartbeatUpdate.set(() -> {
                endAndRecordSuccess(job);
                recorded.countDown();
            });
            if (!recorded.await(3L * POLL_SECONDS, TimeUnit.SECONDS)) {
                break; // no heartbeat came: the server stopped (asserted below)
            }
            ended.add(job);
        }
        int version = ledger.storageProvider().getJobById(alongside.getId()).getVersion();
        // Heartbeats run one after the other: once the next one saved the job alongside, the last one has ended.
        await().atMost(Duration.ofSeconds(3L * POLL_SECONDS))
                .until(() -> server.isStoppedUnasked() || ledger.storageProvider().getJobById(alongside.getId()).getVersion() > version);

        assertThat(server.isStoppedUnasked()).as("JobRunr stopped the job server").isFalse();
        assertThat(server.isRunning()).isTrue();
        assertThat(ended).hasSize(LOST_HEARTBEATS);
        for (Job job : ended) {
            assertThat(ledger.storageProvider().getJobById(job.getId()).getState()).as("job " + job.getId()).isEqualTo(StateName.SUCCEEDED);
        }
    }

    /** A job in the ledger PROCESSING on the server, and among the server's running jobs. */
    private Job running() {
        Job job = new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(server.getId(), "ended-run-conflict")), new ConcurrentHashMap<>());
        ledger.storageProvider().save(job);
        server.getJobSteward().startProcessing(job, new Thread(() -> { }));
        return job;
    }

    /** What the job's performer does as the job's thread ends with a success ({@link BatchingJobPerformer}), then waits for the writer. */
    private void endAndRecordSuccess(Job job) {
        server.getJobSteward().stopProcessing(job);
        writer.write(job.succeeded());
        try {
            assertThat(writer.awaitWritten(Duration.ofSeconds(10))).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The ledger's connections for JobRunr's storage, which run the hook set in {@link #atNextHeartbeatUpdate} (once) when
     * JobRunr's zookeeper prepares its UPDATE of jobs: after its save raised the jobs' versions, before it binds them.
     */
    private DataSource runningHookBeforeHeartbeatUpdates(DataSource dataSource) {
        return proxy(DataSource.class, (source, method, args) -> {
            Object result = invoke(dataSource, method, args);
            return result instanceof Connection opened ? proxy(Connection.class, (connection, m, a) -> {
                if (m.getName().equals("prepareStatement") && a[0].toString().startsWith("update jobrunr_jobs SET version")
                        && Thread.currentThread().getName().startsWith("backgroundjob-zookeeper-pool")) {
                    Runnable hook = atNextHeartbeatUpdate.getAndSet(null);
                    if (hook != null) {
                        hook.run();
                    }
                }
                return invoke(opened, m, a);
            }) : result;
        });
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, handler));
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
