package io.conveyor.worker.claim;

import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Continuation;
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

import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JobRunr's periodic update of running jobs (its steward's heartbeat, every poll interval) and the end of a run it is
 * saving, on a real ledger and a real, started job server. The heartbeat picks each running job (its
 * {@code updateProcessing()}, which skips a job no longer PROCESSING), then saves the picked job objects; JobRunr locks
 * each job only for the save itself. Here, just after the heartbeat picked the job, the job's thread ends the run as
 * JobRunr's performer does: it takes the job off the runs in progress, then changes its state in memory. Once the
 * heartbeat committed, the ledger is read, and only then does the job's thread hand its end to its writer.
 *
 * <p>Before the steward kept its heartbeat off ending runs, the heartbeat saved the picked job SUCCEEDED already, in a
 * transaction of its own: the ledger held a parent's success without the jobs it fanned out, which a worker killed at
 * that moment lost for good. Now the job's thread waits for the heartbeat's save, which records the run still
 * PROCESSING, and the success comes with its children in the writer's transaction.
 */
class HeartbeatEndingRunIT {

    private static final int POLL_SECONDS = 5; // the least JobRunr accepts

    /** Run (once) by the heartbeat as it picks a job of this test; static, so that no job serializes it. */
    private static final AtomicReference<Runnable> AS_HEARTBEAT_PICKS = new AtomicReference<>();
    private final FanOuts fanOuts = new FanOuts();
    private Ledger ledger;
    private ConveyorJobServer server;
    private SucceededJobsWriter writer;

    @BeforeEach
    void start() throws SQLException {
        AS_HEARTBEAT_PICKS.set(null);
        ledger = Ledger.open(TestServices.newDatabase("heartbeat-ending-run"), "heartbeat-ending-run-test", 6, OnTimeStorageProvider::new);
        LedgerSchema.prepare(ledger.dataSource());
        server = new ConveyorJobServer(ledger.storageProvider(), ledger.jsonMapper(), null,
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration().andPollIntervalInSeconds(POLL_SECONDS),
                new Attempts(), 1, 1, Duration.ofSeconds(1));
        writer = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()),
                new AppliedStateFilters(List.of()), () -> true, fanOuts, written -> { });
        server.start();
        await().atMost(Duration.ofSeconds(30)).until(server::isAnnounced);
    }

    @AfterEach
    void stop() {
        server.shutDown();
        writer.close();
        ledger.close();
    }

    @Test
    void aSuccessThatFannedOutIsNeverInTheLedgerWithoutItsChildren() throws Exception {
        Job parent = running();
        Job child = new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")), List.<JobState>of(new EnqueuedState()),
                new ConcurrentHashMap<>());
        fanOuts.hold(parent.getId(), List.of(child), new Continuation(UUID.randomUUID(), UUID.randomUUID(), 1));

        List<StateName> afterHeartbeat = endDuringHeartbeat(parent, Job::succeeded, () -> Arrays.asList(committedState(parent.getId()), committedState(child.getId())),
                succeeded -> {
                    writer.write(succeeded);
                    awaitWritten();
                });

        assertThat(afterHeartbeat).as("the parent and its child in the ledger, after the heartbeat, before the parent's writer ran")
                .containsExactly(StateName.PROCESSING, null);
        assertThat(committedState(parent.getId())).isEqualTo(StateName.SUCCEEDED);
        assertThat(committedState(child.getId())).as("the child, written with the parent's success").isEqualTo(StateName.ENQUEUED);
    }

    @Test
    void aFailedRunIsSavedByItsOwnThreadOnly() throws Exception {
        Job job = running();

        List<StateName> afterHeartbeat = endDuringHeartbeat(job, failing -> failing.failed("boom", new IllegalStateException("boom")),
                () -> List.of(committedState(job.getId())), failed -> ledger.storageProvider().save(failed));

        assertThat(afterHeartbeat).as("the job in the ledger, after the heartbeat, before its thread saved its end").containsExactly(StateName.PROCESSING);
        assertThat(committedState(job.getId())).isEqualTo(StateName.FAILED);
    }

    /**
     * Ends {@code job}'s run on a thread of its own, as its job thread would, as the next heartbeat picks the job; once
     * that heartbeat committed, reads {@code ledgerNow}, then lets the thread {@code record} the end and waits for it.
     */
    private <T> T endDuringHeartbeat(Job job, Consumer<Job> end, Supplier<T> ledgerNow, Consumer<Job> record) throws Exception {
        int versionBefore = ledger.storageProvider().getJobById(job.getId()).getVersion();
        CountDownLatch endedInMemory = new CountDownLatch(1);
        CountDownLatch ledgerRead = new CountDownLatch(1);
        Thread jobThread = Thread.ofPlatform().name("job-thread").unstarted(() -> {
            server.getJobSteward().stopProcessing(job); // JobRunr's performer, as the handler returned
            end.accept(job);
            endedInMemory.countDown();
            try {
                ledgerRead.await();
            } catch (InterruptedException e) {
                return;
            }
            record.accept(job);
        });
        CountDownLatch heartbeatPicked = new CountDownLatch(1);
        AS_HEARTBEAT_PICKS.set(() -> {
            heartbeatPicked.countDown();
            jobThread.start();
            // Either the run ended in memory, or its thread waits for this heartbeat: then the heartbeat goes on.
            await().atMost(Duration.ofSeconds(10)).until(() -> endedInMemory.getCount() == 0 || jobThread.getState() == Thread.State.WAITING);
        });
        assertThat(heartbeatPicked.await(3L * POLL_SECONDS, TimeUnit.SECONDS)).as("a heartbeat came").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.storageProvider().getJobById(job.getId()).getVersion() > versionBefore);
        T read = ledgerNow.get();
        ledgerRead.countDown();
        jobThread.join(Duration.ofSeconds(20));
        assertThat(jobThread.isAlive()).as("the job thread ended").isFalse();
        return read;
    }

    /** A job in the ledger PROCESSING on the server, and among the server's running jobs. */
    private Job running() {
        Job job = new HeartbeatHookedJob(new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(server.getId(), "heartbeat-ending-run")));
        ledger.storageProvider().save(job);
        server.getJobSteward().startProcessing(job, new Thread(() -> { }));
        return job;
    }

    private void awaitWritten() {
        try {
            assertThat(writer.awaitWritten(Duration.ofSeconds(10))).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private StateName committedState(UUID id) {
        return TestDatabase.committedState(ledger.dataSource(), id);
    }

    /**
     * A job that runs {@link #AS_HEARTBEAT_PICKS} when JobRunr's heartbeat picks it ({@code UpdateJobsInProgressTask} calls
     * {@code updateProcessing()} on each job in progress, then saves them all): after the pick, before the save.
     */
    private static final class HeartbeatHookedJob extends Job {

        HeartbeatHookedJob(JobDetails details, List<JobState> history) {
            super(UUID.randomUUID(), 0, details, history, new ConcurrentHashMap<>());
        }

        @Override
        public Job updateProcessing() {
            Job picked = super.updateProcessing();
            Runnable hook = AS_HEARTBEAT_PICKS.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            return picked;
        }
    }
}
