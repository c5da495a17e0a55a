package io.conveyor.app;

import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Continuation;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Ledger;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.ledger.AppliedStateFilters;
import io.conveyor.worker.ledger.FanOuts;
import io.conveyor.worker.ledger.SucceededJobsWriter;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's batched recording of succeeded jobs, on a real ledger: every queued job is recorded by the time the
 * writer is closed (a graceful stop hands back only what really did not finish), a job someone else changed meanwhile
 * keeps that change while the rest of its batch is recorded, and the state-applied filters (events) see each recorded
 * job once, after its SUCCEEDED state is committed.
 */
class SucceededJobsWriterIT {

    private static final UUID SERVER = UUID.randomUUID();

    private Ledger ledger;
    private final Map<UUID, StateName> committedWhenAnnounced = new ConcurrentHashMap<>();
    private final List<UUID> announcedTwice = new CopyOnWriteArrayList<>();

    @BeforeEach
    void openLedger() {
        DatabaseSettings database = TestServices.newDatabase("succeeded-writer");
        ledger = Ledger.open(database, "succeeded-writer-test", 4);
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
    }

    @Test
    void recordsEveryQueuedJobAndLeavesAJobChangedMeanwhileAsItWas() {
        List<Job> running = IntStream.range(0, 300).mapToObj(i -> new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(SERVER, "writer-test")), new ConcurrentHashMap<>())).toList();
        ledger.storageProvider().save(running);
        Job deletedMeanwhile = ledger.storageProvider().getJobById(running.get(7).getId());
        ledger.storageProvider().save(deletedMeanwhile.delete("deleted from the dashboard"));

        SucceededJobsWriter writer = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()),
                new AppliedStateFilters(List.of(new Announcements())), () -> true, new FanOuts(), jobs -> { });
        running.forEach(job -> writer.write(job.succeeded()));
        writer.close();

        UUID deletedId = running.get(7).getId();
        assertThat(announcedTwice).as("announced twice").isEmpty();
        for (Job job : running) {
            StateName expected = job.getId().equals(deletedId) ? StateName.DELETED : StateName.SUCCEEDED;
            assertThat(ledger.storageProvider().getJobById(job.getId()).getState()).as("job " + job.getId()).isEqualTo(expected);
        }
        assertThat(committedWhenAnnounced).as("announced: every recorded job, once, already SUCCEEDED in the ledger")
                .hasSize(running.size() - 1).doesNotContainKey(deletedId)
                .allSatisfy((id, state) -> assertThat(state).isEqualTo(StateName.SUCCEEDED));
    }

    @Test
    void recordsAJobWhoseRunningStateWasSavedMeanwhileByItsOwnWorker() {
        Job running = new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(SERVER, "writer-test")), new ConcurrentHashMap<>());
        ledger.storageProvider().save(running);
        // JobRunr's periodic update of running jobs saved it (a heartbeat) just as it succeeded on its thread.
        Job heartbeat = ledger.storageProvider().getJobById(running.getId());
        heartbeat.updateProcessing();
        ledger.storageProvider().save(heartbeat);

        SucceededJobsWriter writer = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()),
                new AppliedStateFilters(List.of(new Announcements())), () -> true, new FanOuts(), jobs -> { });
        running.succeeded();
        running.getMetadata().put("conveyor.result", "{\"answer\":42}"); // as JobResults' election puts it
        writer.write(running);
        writer.close();

        Job stored = ledger.storageProvider().getJobById(running.getId());
        assertThat(stored.getState()).isEqualTo(StateName.SUCCEEDED);
        assertThat(stored.getMetadata()).containsEntry("conveyor.result", "{\"answer\":42}");
        assertThat(committedWhenAnnounced).containsEntry(running.getId(), StateName.SUCCEEDED);
    }

    @Test
    void writesTheJobsASucceededJobFannedOutWithItsSuccessAndNoneForAJobChangedMeanwhile() {
        Job parent = runningNoop();
        Job deletedMeanwhile = runningNoop();
        ledger.storageProvider().save(List.of(parent, deletedMeanwhile));
        ledger.storageProvider().save(ledger.storageProvider().getJobById(deletedMeanwhile.getId()).delete("deleted from the dashboard"));
        FanOuts fanOuts = new FanOuts();
        List<Job> children = List.of(enqueuedNoop(), enqueuedNoop());
        List<Job> childrenOfTheDeleted = List.of(enqueuedNoop());
        Continuation continuation = new Continuation(UUID.randomUUID(), UUID.randomUUID(), 2);
        fanOuts.hold(parent.getId(), children, continuation);
        fanOuts.hold(deletedMeanwhile.getId(), childrenOfTheDeleted, continuation);
        List<Job> told = new CopyOnWriteArrayList<>();

        SucceededJobsWriter writer = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()),
                new AppliedStateFilters(List.of(new Announcements())), () -> true, fanOuts, told::addAll);
        writer.write(parent.succeeded());
        writer.write(deletedMeanwhile.succeeded());
        writer.close();

        assertThat(committedState(parent.getId())).isEqualTo(StateName.SUCCEEDED);
        assertThat(committedState(deletedMeanwhile.getId())).isEqualTo(StateName.DELETED);
        children.forEach(child -> assertThat(committedState(child.getId())).as("a child of the recorded job").isEqualTo(StateName.ENQUEUED));
        assertThat(committedState(childrenOfTheDeleted.getFirst().getId())).as("the child of the job deleted meanwhile").isNull();
        assertThat(told).containsExactlyInAnyOrderElementsOf(children);
    }

    @Test
    void writesTheJobsASucceededJobFannedOutWhenTheLedgerHadItsSuccessAlone() {
        Job parent = runningNoop();
        ledger.storageProvider().save(parent);
        // The ledger has this run's success already, without its children (as JobRunr's periodic update of running jobs
        // could save it before the steward kept it off ending runs): the children still come.
        Job heartbeat = ledger.storageProvider().getJobById(parent.getId());
        heartbeat.succeeded();
        ledger.storageProvider().save(heartbeat);
        FanOuts fanOuts = new FanOuts();
        List<Job> children = List.of(enqueuedNoop(), enqueuedNoop());
        fanOuts.hold(parent.getId(), children, new Continuation(UUID.randomUUID(), UUID.randomUUID(), 2));
        List<Job> told = new CopyOnWriteArrayList<>();

        SucceededJobsWriter writer = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()),
                new AppliedStateFilters(List.of(new Announcements())), () -> true, fanOuts, told::addAll);
        writer.write(parent.succeeded());
        writer.close();

        assertThat(committedState(parent.getId())).isEqualTo(StateName.SUCCEEDED);
        children.forEach(child -> assertThat(committedState(child.getId())).as("a child of the recorded job").isEqualTo(StateName.ENQUEUED));
        assertThat(told).containsExactlyInAnyOrderElementsOf(children);
        assertThat(committedWhenAnnounced).containsEntry(parent.getId(), StateName.SUCCEEDED);
        assertThat(announcedTwice).isEmpty();
    }

    private static Job runningNoop() {
        return new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(SERVER, "writer-test")), new ConcurrentHashMap<>());
    }

    private static Job enqueuedNoop() {
        return new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")), List.<JobState>of(new EnqueuedState()),
                new ConcurrentHashMap<>());
    }

    /** A state-applied filter that notes what the ledger says about each job at the moment the filter runs. */
    private final class Announcements implements ApplyStateFilter {
        @Override
        public void onStateApplied(Job job, JobState oldState, JobState newState) {
            // Jobs made by this test never went through filters: only the change the writer makes counts here.
            if (newState.getName() == StateName.SUCCEEDED && committedWhenAnnounced.putIfAbsent(job.getId(), committedState(job.getId())) != null) {
                announcedTwice.add(job.getId());
            }
        }
    }

    private StateName committedState(UUID id) {
        return TestDatabase.committedState(ledger.dataSource(), id);
    }
}
