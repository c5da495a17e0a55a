package io.conveyor.api;

import io.conveyor.common.Continuation;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.JobParameter;
import org.jobrunr.jobs.context.JobDashboardProgressBar;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.SucceededState;
import org.jobrunr.storage.InMemoryStorageProvider;
import org.jobrunr.storage.StorageException;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LedgerReaderTest {

    private static final JobMapper JOB_MAPPER = new JobMapper(new JacksonJsonMapper());
    private static final UUID SERVER_A = UUID.randomUUID();
    private static final UUID SERVER_B = UUID.randomUUID();

    @Test
    void readsAJobAsTheWorkerWritesItAlthoughItsClassesAreNotHere() {
        UUID id = UUID.randomUUID();
        Job written = aJobThatFailedOnceThenSucceeded(id);
        // The worker's job request and handler are not on the api's classpath: name them as the worker does.
        String json = JOB_MAPPER.serializeJob(written)
                .replace(StandInRequest.class.getName(), "io.conveyor.worker.LedgerJobRequest")
                .replace(StandInHandler.class.getName(), "io.conveyor.worker.JobDispatcher");
        assertThat(json).contains("io.conveyor.worker.LedgerJobRequest");

        JobView view = new LedgerReader(new StoredJson(json)).find(id).orElseThrow();

        assertThat(view.id()).isEqualTo(id);
        assertThat(view.type()).isEqualTo("fail");
        assertThat(view.state()).isEqualTo("SUCCEEDED");
        assertThat(view.attempts()).isEqualTo(2);
        assertThat(view.maxAttempts()).isEqualTo(3);
        assertThat(view.labels()).containsExactly("demo");
        assertThat(view.error()).isEqualTo("boom on the first attempt");
        assertThat(view.history()).extracting(JobView.HistoryEntry::state)
                .containsExactly("ENQUEUED", "PROCESSING", "FAILED", "SCHEDULED", "ENQUEUED", "PROCESSING", "SUCCEEDED");
        assertThat(view.history()).filteredOn(entry -> entry.state().equals("PROCESSING"))
                .extracting(JobView.HistoryEntry::worker, JobView.HistoryEntry::serverId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("worker-a", SERVER_A), org.assertj.core.groups.Tuple.tuple("worker-b", SERVER_B));
        assertThat(view.history().get(3).message()).isEqualTo("Retry 1 of 2");
        assertThat(view.createdAt()).isNotNull();
        assertThat(view.updatedAt()).isAfterOrEqualTo(view.createdAt());
    }

    @Test
    void showsTheSubmissionsOwnTimeoutAndQueueWithOrWithoutTheWorkersClasses() {
        UUID id = UUID.randomUUID();
        JobDetails details = new JobDetails(StandInHandler.class.getName(), null, "run",
                List.of(new JobParameter(new StandInTimedRequest("sleep", "{}", 1500L, "reports"))));
        Job job = new Job(id, 1, details, List.of(new EnqueuedState()), new ConcurrentHashMap<>());
        job.setJobName("sleep");
        String json = JOB_MAPPER.serializeJob(job);

        JobView withClass = new LedgerReader(new StoredJson(json)).find(id).orElseThrow();
        JobView withoutClass = new LedgerReader(new StoredJson(json.replace(StandInTimedRequest.class.getName(), "io.conveyor.worker.LedgerJobRequest")))
                .find(id).orElseThrow();

        for (JobView view : List.of(withClass, withoutClass)) {
            assertThat(view.toJson().path("timeoutMillis").asLong()).isEqualTo(1500);
            assertThat(view.toJson().path("queue").asText()).isEqualTo("reports");
        }
        JobView plain = JobView.of(JOB_MAPPER.deserializeJob(JOB_MAPPER.serializeJob(aJobThatFailedOnceThenSucceeded(UUID.randomUUID()))));
        assertThat(plain.toJson().has("timeoutMillis")).as("none named").isFalse();
        assertThat(plain.toJson().has("queue")).isFalse();
    }

    @Test
    void theJsonFormLeavesOutWhatIsUnknown() {
        UUID id = UUID.randomUUID();
        JobView view = JobView.of(JOB_MAPPER.deserializeJob(JOB_MAPPER.serializeJob(aJobThatFailedOnceThenSucceeded(id))));

        var json = view.toJson();

        assertThat(json.path("id").asText()).isEqualTo(id.toString());
        assertThat(json.path("history").get(0).has("worker")).isFalse();
        assertThat(json.path("history").get(1).path("worker").asText()).isEqualTo("worker-a");
        assertThat(json.path("history").get(1).path("serverId").asText()).isEqualTo(SERVER_A.toString());
        assertThat(json.path("history").get(2).path("message").asText()).isEqualTo("boom on the first attempt");
        assertThat(json.path("error").asText()).isEqualTo("boom on the first attempt");
    }

    @Test
    void showsTheLatestAttemptsProgressBarWhichSurvivesSuccessAndTheStoredJson() {
        UUID id = UUID.randomUUID();
        Job job = aJobThatFailedOnceThenSucceeded(id);
        // As the worker's progress bars were made: keyed by the number of states when each attempt was PROCESSING.
        job.getMetadata().put("jobRunrDashboardProgressBar-2", progress(100, 30));
        job.getMetadata().put("jobRunrDashboardProgressBar-6", progress(400, 400));

        JobView view = JobView.of(JOB_MAPPER.deserializeJob(JOB_MAPPER.serializeJob(job)));

        assertThat(view.progress()).isEqualTo(new JobView.Progress(400, 400, 100));
        assertThat(view.toJson().path("progress").toString()).isEqualTo("{\"done\":400,\"total\":400,\"percent\":100}");
    }

    @Test
    void anAttemptThatReportedNoProgressShowsNoneEvenIfAnEarlierOneDid() {
        Job job = aJobThatFailedOnceThenSucceeded(UUID.randomUUID());
        job.getMetadata().put("jobRunrDashboardProgressBar-2", progress(100, 30));

        JobView view = JobView.of(JOB_MAPPER.deserializeJob(JOB_MAPPER.serializeJob(job)));

        assertThat(view.progress()).isNull();
        assertThat(view.toJson().has("progress")).isFalse();
    }

    private static JobDashboardProgressBar.JobDashboardProgress progress(long total, long done) {
        JobDashboardProgressBar.JobDashboardProgress progress = new JobDashboardProgressBar.JobDashboardProgress(total);
        progress.setProgress(total, done, 0);
        return progress;
    }

    @Test
    void anAcceptedJobHasOnlyItsIdStateAndAnEmptyHistory() {
        UUID id = UUID.randomUUID();

        var json = JobView.accepted(id).toJson();

        assertThat(json.properties()).extracting(java.util.Map.Entry::getKey).containsExactly("id", "state", "history");
        assertThat(json.path("state").asText()).isEqualTo("ACCEPTED");
        assertThat(json.path("history").isEmpty()).isTrue();
    }

    @Test
    void aJobThatFannedOutShowsItsContinuationsStateAndResultFollowingAContinuationThatFannedOutInTurn() {
        InMemoryStorageProvider storage = new InMemoryStorageProvider();
        storage.setJobMapper(JOB_MAPPER);
        Continuation first = new Continuation(UUID.randomUUID(), UUID.randomUUID(), 3);
        Continuation second = new Continuation(UUID.randomUUID(), UUID.randomUUID(), 2);
        Job parent = succeeded(UUID.randomUUID(), "{\"parts\":3}");
        parent.getMetadata().put(Continuation.METADATA_KEY, first.toJson());
        Job middle = succeeded(first.then(), "{\"merged\":false}");
        middle.getMetadata().put(Continuation.METADATA_KEY, second.toJson());
        Job last = waiting(second.then(), second.batch());
        storage.save(List.of(parent, middle, last));
        JobView.Progress partsDone = new JobView.Progress(1, 2, 50);
        LedgerReader reader = new LedgerReader(storage, batch -> batch.equals(second.batch()) ? Optional.of(partsDone) : Optional.empty());

        JobView running = reader.find(parent.getId()).orElseThrow();
        assertThat(running.state()).as("its continuation waits for its children").isEqualTo("PROCESSING");
        assertThat(running.progress()).as("the progress of the batch its last continuation waits for").isEqualTo(partsDone);
        assertThat(reader.find(second.then()).orElseThrow().progress()).as("the waiting completion job's own").isEqualTo(partsDone);
        assertThat(running.result()).isNull();
        assertThat(running.continuation()).isEqualTo(first);
        assertThat(running.history()).extracting(JobView.HistoryEntry::state).containsExactly("ENQUEUED", "PROCESSING", "SUCCEEDED");

        Job lastDone = storage.getJobById(second.then());
        lastDone.enqueue();
        storage.save(lastDone);
        Job succeededLast = storage.getJobById(second.then());
        succeededLast.succeeded();
        succeededLast.getMetadata().put("conveyor.result", "{\"merged\":true}");
        storage.save(succeededLast);
        JobView done = reader.find(parent.getId()).orElseThrow();
        assertThat(done.state()).as("the last continuation's end").isEqualTo("SUCCEEDED");
        assertThat(done.result().toString()).isEqualTo("{\"merged\":true}");
    }

    @Test
    void aJobWhoseContinuationEndedShowsItsEndAndAContinuationDeletedAsFailedWithTheReason() {
        InMemoryStorageProvider storage = new InMemoryStorageProvider();
        storage.setJobMapper(JOB_MAPPER);
        Continuation succeeded = new Continuation(UUID.randomUUID(), UUID.randomUUID(), 2);
        Continuation dropped = new Continuation(UUID.randomUUID(), UUID.randomUUID(), 2);
        Job parentOfSucceeded = succeeded(UUID.randomUUID(), "{\"own\":1}");
        parentOfSucceeded.getMetadata().put(Continuation.METADATA_KEY, succeeded.toJson());
        Job parentOfDropped = succeeded(UUID.randomUUID(), "{\"own\":1}");
        parentOfDropped.getMetadata().put(Continuation.METADATA_KEY, dropped.toJson());
        Job droppedThen = waiting(dropped.then(), dropped.batch());
        droppedThen.delete("batch x: member y ended FAILED, so its completion job does not run");
        storage.save(List.of(parentOfSucceeded, succeeded(succeeded.then(), "{\"sum\":42}"), parentOfDropped, droppedThen));
        LedgerReader reader = new LedgerReader(storage);

        JobView done = reader.find(parentOfSucceeded.getId()).orElseThrow();
        assertThat(done.state()).isEqualTo("SUCCEEDED");
        assertThat(done.result().toString()).isEqualTo("{\"sum\":42}");
        assertThat(done.toJson().path("continuation").path("then").asText()).isEqualTo(succeeded.then().toString());
        JobView failed = reader.find(parentOfDropped.getId()).orElseThrow();
        assertThat(failed.state()).isEqualTo("FAILED");
        assertThat(failed.error()).isEqualTo("batch x: member y ended FAILED, so its completion job does not run");
        assertThat(failed.result()).isNull();
    }

    private static Job succeeded(UUID id, String result) {
        Job job = new Job(id, 0, new JobDetails(StandInHandler.class.getName(), null, "run", List.of(new JobParameter(new StandInRequest("t", "{}")))),
                List.of(new EnqueuedState(), new ProcessingState(SERVER_A, "worker-a"), new SucceededState(Duration.ofMillis(1), Duration.ofMillis(1))),
                new ConcurrentHashMap<>());
        job.setJobName("t");
        job.getMetadata().put("conveyor.result", result);
        return job;
    }

    private static Job waiting(UUID id, UUID batch) {
        Job job = new Job(id, 0, new JobDetails(StandInHandler.class.getName(), null, "run", List.of(new JobParameter(new StandInRequest("t", "{}")))),
                List.of(new ScheduledState(Instant.parse("9999-01-01T00:00:00Z"), "waiting for batch " + batch)), new ConcurrentHashMap<>());
        job.setJobName("t");
        return job;
    }

    @Test
    void anUnknownIdIsEmpty() {
        InMemoryStorageProvider storage = new InMemoryStorageProvider();
        storage.setJobMapper(JOB_MAPPER);

        assertThat(new LedgerReader(storage).find(UUID.randomUUID())).isEmpty();
    }

    @Test
    void aStorageFailureIsLedgerUnavailable() {
        InMemoryStorageProvider failing = new InMemoryStorageProvider() {
            @Override
            public Job getJobById(UUID id) {
                throw new StorageException(new java.sql.SQLTransientConnectionException("conveyor-api - Connection is not available"));
            }
        };

        assertThatThrownBy(() -> new LedgerReader(failing).find(UUID.randomUUID()))
                .isInstanceOf(LedgerUnavailableException.class)
                .hasMessageContaining("Connection is not available");
    }

    private static Job aJobThatFailedOnceThenSucceeded(UUID id) {
        List<JobState> states = new ArrayList<>();
        states.add(new EnqueuedState());
        states.add(new ProcessingState(SERVER_A, "worker-a"));
        states.add(new FailedState("An exception occurred during the performance of the job", new IllegalStateException("boom on the first attempt")));
        states.add(new ScheduledState(Instant.now().plusSeconds(3), "Retry 1 of 2"));
        states.add(new EnqueuedState());
        states.add(new ProcessingState(SERVER_B, "worker-b"));
        states.add(new SucceededState(Duration.ofMillis(5), Duration.ofMillis(20)));
        JobDetails details = new JobDetails(StandInHandler.class.getName(), null, "run",
                List.of(new JobParameter(new StandInRequest("fail", "{\"times\":1}"))));
        Job job = new Job(id, 7, details, states, new ConcurrentHashMap<>());
        job.setJobName("fail");
        job.setAmountOfRetries(2);
        job.setLabels(new ArrayList<>(List.of("demo")));
        return job;
    }

    /** Stands in for the worker's job request record while the job is written. */
    record StandInRequest(String type, String payload) {
    }

    /** Likewise, with the submission's own timeout and queue, which the worker stores as null when not named. */
    record StandInTimedRequest(String type, String payload, Long timeoutMillis, String queue) {
    }

    /** Stands in for the worker's handler class while the job is written. */
    static final class StandInHandler {
    }

    /** A ledger holding one job as JSON, read back the way the SQL storage reads it. */
    private static final class StoredJson extends InMemoryStorageProvider {
        private final String json;

        StoredJson(String json) {
            this.json = json;
        }

        @Override
        public Job getJobById(UUID id) {
            return JOB_MAPPER.deserializeJob(json);
        }
    }
}
