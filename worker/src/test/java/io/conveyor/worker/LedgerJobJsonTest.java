package io.conveyor.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.conveyor.common.BatchCompletion;
import io.conveyor.common.Continuation;
import io.conveyor.common.JobPriority;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.jobjson.ConveyorJobJson;
import io.conveyor.handler.Backoff;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.ledger.BatchCompletionRelay;
import org.jobrunr.JobRunrException;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.context.JobDashboardLogger;
import org.jobrunr.jobs.context.JobDashboardLogger.JobDashboardLogLines;
import org.jobrunr.jobs.context.JobDashboardProgressBar;
import org.jobrunr.jobs.context.JobDashboardProgressBar.JobDashboardProgress;
import org.jobrunr.jobs.states.DeletedState;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.SucceededState;
import org.jobrunr.utils.mapper.JsonMapper;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The ledger's job codec against JobRunr's own Jackson mapper, on jobs in every state sequence Conveyor's jobs go
 * through: the codec writes the very JSON JobRunr's mapper writes, and reads JobRunr's JSON into the job JobRunr's
 * mapper makes of it. The codec here has a fallback that fails the test when called, so each of these jobs is known to
 * take the fast path.
 */
class LedgerJobJsonTest {

    private static final JacksonJsonMapper JACKSON = new JacksonJsonMapper();
    private static final ObjectMapper TREES = new ObjectMapper();
    private static final ConveyorJobJson CODEC = new ConveyorJobJson(new NoFallback(), List.of(new LedgerJobRequestJson()));

    private static final UUID SERVER = UUID.fromString("0b6f4c2e-3d1a-4a8e-9c55-2f7e1d9b8a01");
    private static final UUID OTHER_SERVER = UUID.fromString("7d2e9f10-5b3c-4e6d-8a1f-0c9b8e7d6a52");
    /** Instants to the nanosecond, to the millisecond and on the second: Instant's text has 9, 3 and no fraction digits. */
    private static final Instant SUBMITTED = Instant.parse("2026-12-03T06:52:09.098509528Z");
    private static final Instant CLAIMED = Instant.parse("2026-12-03T06:52:09.666Z");
    private static final Instant BEAT = Instant.parse("2026-12-03T06:52:24Z");
    private static final Instant FAILED_AT = Instant.parse("2026-12-03T06:52:30.000000001Z");
    private static final Instant RETRY_AT = Instant.parse("2026-12-03T06:52:31.120000Z");
    private static final Instant DONE = Instant.parse("2026-12-03T06:52:32.999999999Z");

    static Stream<Arguments> conveyorJobs() {
        Job noop = intake(plain("noop"), JobKind.WAITS);
        Job sort = intake(new JobSubmission(UUID.randomUUID(), "sort", payload("{\"input\":\"in/ü é \\\"quoted\\\"\\n\",\"n\":12}"), 4,
                List.of("nightly", "ümlaut \"label\"", "a\tb"), SUBMITTED, new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30)),
                JobPriority.HIGH, null, Duration.ofMinutes(5), "reports"), JobKind.COMPUTE);
        Job low = intake(submission("hash-files", JobPriority.LOW, null), JobKind.COMPUTE);
        UUID batch = UUID.randomUUID();
        Job member = intake(plain("noop").inBatch(batch), JobKind.WAITS);
        Job completion = intake(plain("batch-summary").completing(new BatchCompletion(batch, 1_000, true)), JobKind.WAITS);
        Job later = intake(submission("noop", JobPriority.NORMAL, SUBMITTED.plus(Duration.ofDays(30))), JobKind.WAITS);

        ProcessingState claimed = new ProcessingState(SERVER, "worker-1", CLAIMED);
        ProcessingState heartbeat = new ProcessingState(SERVER, "worker-1", CLAIMED, BEAT);
        SucceededState succeeded = new SucceededState(Duration.between(SUBMITTED, CLAIMED), Duration.between(CLAIMED, DONE), DONE);
        FailedState failed = new FailedState("handler failed: \"boom\"", new IllegalStateException("bad input ✗", new IOException("disk\nfull")));
        FailedState lost = new FailedState("worker-1 lost", new JobRunrException("worker-1 lost", true));
        ScheduledState retry = new ScheduledState(RETRY_AT, "Retry 1 of 3 after 1000 ms", FAILED_AT);
        EnqueuedState requeued = new EnqueuedState(RETRY_AT);
        ProcessingState elsewhere = new ProcessingState(OTHER_SERVER, "worker-2", RETRY_AT.plusNanos(7));

        return Stream.of(
                arguments("noop enqueued", noop),
                arguments("noop processing", history(noop, 1, Map.of(), claimed)),
                arguments("noop succeeded", history(noop, 2, Map.of(), claimed, succeeded)),
                arguments("noop succeeded as JobRunr leaves it: its run's dashboard log, empty", history(noop, 2,
                        Map.of(logKey(2), new JobDashboardLogLines()), claimed, succeeded)),
                arguments("processing after a heartbeat, with its run's empty dashboard log", history(noop, 2,
                        Map.of(logKey(2), new JobDashboardLogLines()), heartbeat)),
                arguments("succeeded with a result", history(noop, 2, Map.of(JobHandler.RESULT_METADATA_KEY, "{\"lines\":42,\"note\":\"é\"}"), claimed, succeeded)),
                arguments("succeeded after fanning out", history(noop, 2, Map.of(Continuation.METADATA_KEY,
                        new Continuation(UUID.randomUUID(), UUID.randomUUID(), 3).toJson()), claimed, succeeded)),
                arguments("compute job with every option, enqueued", sort),
                arguments("processing with progress, after a heartbeat", history(sort, 3, Map.of(progressKey(2), progress(1_000, 250, 0)), heartbeat)),
                arguments("succeeded with progress and a result", history(sort, 4, Map.of(progressKey(2), progress(1_000, 1_000, 3),
                        JobHandler.RESULT_METADATA_KEY, "{\"sorted\":1000}", "count", 7, "flag", true), claimed, succeeded)),
                arguments("empty progress", history(sort, 1, Map.of(progressKey(2), progress(0, 0, 0)), claimed)),
                arguments("failed, retried elsewhere, succeeded", history(sort, 6, Map.of(progressKey(6), progress(10, 10, 0),
                        logKey(2), new JobDashboardLogLines(), logKey(6), new JobDashboardLogLines()),
                        claimed, failed, retry, requeued, elsewhere, succeeded)),
                arguments("failed for good", history(low, 2, Map.of(), claimed, lost)),
                arguments("deleted while enqueued", history(low, 1, Map.of(), new DeletedState("cancelled by the client", DONE))),
                arguments("deleted while processing", history(member, 2, Map.of(), claimed, new DeletedState(null, DONE))),
                arguments("a batch member succeeded", history(member, 2, Map.of(), claimed, succeeded)),
                arguments("a batch's completion job waiting", completion),
                arguments("a completion job enqueued when its batch ended", history(completion, 1, Map.of(), new EnqueuedState(DONE))),
                arguments("submitted for later", later),
                arguments("a recurring job's run", recurringRun()),
                arguments("an invalid record", invalidRecord()),
                arguments("durations below a microsecond and zero", history(noop, 2, Map.of(), claimed,
                        new SucceededState(Duration.ofNanos(999), Duration.ZERO, DONE))),
                arguments("a duration over a day", history(noop, 2, Map.of(), claimed,
                        new SucceededState(Duration.ofDays(3).plusNanos(1), Duration.ofMillis(1), DONE))),
                arguments("a PROCESSING state of no server", history(noop, 1, Map.of(), new ProcessingState(null, null, CLAIMED))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conveyorJobs")
    void theCodecWritesWhatJobRunrsMapperWrites(String name, Job job) throws IOException {
        String jackson = JACKSON.serialize(job);
        String codec = CODEC.serialize(job);

        assertThat(TREES.readTree(codec)).isEqualTo(TREES.readTree(jackson));
        assertThat(codec).as("field order and number text too").isEqualTo(jackson);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        CODEC.serialize(stream, job);
        assertThat(stream.toString(StandardCharsets.UTF_8)).isEqualTo(jackson);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conveyorJobs")
    void jobRunrsMapperReadsWhatTheCodecWroteIntoTheSameJob(String name, Job job) {
        Job read = JACKSON.deserialize(CODEC.serialize(job), Job.class);

        assertSameJob(read, job);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conveyorJobs")
    void theCodecReadsJobRunrsJsonIntoTheJobJobRunrsMapperMakesOfIt(String name, Job job) {
        String json = JACKSON.serialize(job);

        Job byCodec = CODEC.deserialize(json, Job.class);
        Job byJackson = JACKSON.deserialize(json, Job.class);

        assertSameJob(byCodec, byJackson);
        assertSameJob(byCodec, job);
        assertThat(byCodec.hasStateChange()).isEqualTo(byJackson.hasStateChange());
        assertThat(CODEC.serialize(byCodec)).as("read and written again").isEqualTo(JACKSON.serialize(byJackson));
    }

    /**
     * A latency is negative when the claiming worker's clock is behind the intake's. JobRunr's mapper reads a negative
     * duration back as another one (it takes the fraction's digits without their sign); the codec reads it the same way.
     */
    @Test
    void aNegativeDurationIsReadAsJobRunrsMapperReadsIt() {
        Job job = history(intake(plain("noop"), JobKind.WAITS), 2, Map.of(), new ProcessingState(SERVER, "w", CLAIMED),
                new SucceededState(Duration.ofSeconds(-2, 5), Duration.ofNanos(-3), DONE));
        String json = JACKSON.serialize(job);

        assertThat(CODEC.serialize(job)).isEqualTo(json);
        assertSameJob(CODEC.deserialize(json, Job.class), JACKSON.deserialize(json, Job.class));
    }

    @Test
    void theLedgersMapperFindsTheJobRequestsCodec() {
        Job job = history(intake(plain("noop"), JobKind.WAITS), 2, Map.of(), new ProcessingState(SERVER, "w", CLAIMED));
        ConveyorJobJson installed = ConveyorJobJson.withInstalledParameters(new NoFallback());

        assertThat(installed.serialize(job)).isEqualTo(JACKSON.serialize(job));
        assertSameJob(installed.deserialize(JACKSON.serialize(job), Job.class), job);
    }

    @Test
    void aRequestWithEveryComponentSetIsWrittenAndReadAsJobRunrsMapperDoes() {
        // Every component by the canonical constructor: a component added to the record breaks this line until the
        // codec and this test know it.
        LedgerJobRequest request = new LedgerJobRequest("t", "{}", 1L, Long.MAX_VALUE, JobKind.WAITS, JobPriority.LOW, 0L, "q", "b", "c",
                Integer.MAX_VALUE, false);
        assertThat(LedgerJobRequest.class.getRecordComponents()).hasSize(12);
        Job job = new Job(UUID.randomUUID(), new JobDetails(request), new EnqueuedState(SUBMITTED));

        assertThat(CODEC.serialize(job)).isEqualTo(JACKSON.serialize(job));
        assertThat(((LedgerJobRequest) CODEC.deserialize(JACKSON.serialize(job), Job.class).getJobDetails().getJobParameters().getFirst().getObject()))
                .isEqualTo(request);
    }

    /**
     * The same job field by field, as far as it can be seen: id, version, signature, name, retries, labels, recurring
     * job id, details and parameter, every state with each of its fields (instants to the nanosecond) and the metadata;
     * and as JobRunr's mapper writes it.
     */
    static void assertSameJob(Job actual, Job expected) {
        assertThat(actual).usingRecursiveComparison()
                .withStrictTypeChecking()
                .ignoringFields("locker", "stateIndexBeforeStateChange", "jobHistory.exception")
                .isEqualTo(expected);
        assertThat(actual.getVersion()).isEqualTo(expected.getVersion());
        assertThat(actual.getJobStates()).extracting(JobState::getCreatedAt).containsExactlyElementsOf(expected.getJobStates().stream().map(JobState::getCreatedAt).toList());
        // As trees: two maps of the same entries need not list them in the same order.
        assertThat(tree(JACKSON.serialize(actual))).isEqualTo(tree(JACKSON.serialize(expected)));
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return TREES.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static JobSubmission plain(String type) {
        return new JobSubmission(UUID.randomUUID(), type, payload("{}"), 3, List.of(), SUBMITTED);
    }

    private static JobSubmission submission(String type, JobPriority priority, Instant runAt) {
        return new JobSubmission(UUID.randomUUID(), type, payload("{}"), 1, List.of("x"), SUBMITTED, null, priority, runAt, null,
                JobSubmission.DEFAULT_QUEUE);
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode payload(String json) {
        try {
            return (com.fasterxml.jackson.databind.node.ObjectNode) TREES.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The job intake writes, its first state at {@link #SUBMITTED}. */
    private static Job intake(JobSubmission submission, JobKind lane) {
        Job made = LedgerWriter.toJob(submission, lane);
        JobState first = made.getJobState();
        JobState initial = first instanceof ScheduledState scheduled
                ? new ScheduledState(scheduled.getScheduledAt(), scheduled.getReason(), SUBMITTED) : new EnqueuedState(SUBMITTED);
        return withHistory(made, 0, Map.of(), List.of(initial));
    }

    /** {@code job} with these states after its first one, at {@code version}. */
    private static Job history(Job job, int version, Map<String, Object> metadata, JobState... later) {
        List<JobState> states = new ArrayList<>(job.getJobStates());
        states.addAll(List.of(later));
        return withHistory(job, version, metadata, states);
    }

    private static Job withHistory(Job job, int version, Map<String, Object> metadata, List<JobState> states) {
        Job copy = new Job(job.getId(), version, job.getJobDetails(), states, new ConcurrentHashMap<>(metadata));
        copy.setJobName(job.getJobName());
        copy.setAmountOfRetries(job.getAmountOfRetries());
        copy.setLabels(job.getLabels());
        job.getRecurringJobId().ifPresent(copy::setRecurringJobId);
        return copy;
    }

    private static Job recurringRun() {
        Job made = LedgerWriter.toJob(plain("noop"), JobKind.WAITS);
        Job run = new Job(made.getId(), 0, made.getJobDetails(), List.of(new ScheduledState(BEAT,
                LedgerWriter.RECURRING_REASON_PREFIX + "every-minute'", BEAT), new EnqueuedState(BEAT.plusMillis(3))), new ConcurrentHashMap<>());
        run.setJobName("noop");
        run.setAmountOfRetries(2);
        run.setRecurringJobId("every-minute");
        return run;
    }

    /** As intake records a Kafka record it cannot read: FAILED from the start, never to be retried. */
    private static Job invalidRecord() {
        FailedState failed = new FailedState("invalid job record", "io.conveyor.common.InvalidJobException", "type: missing; record jobs-0@12",
                null, null, "io.conveyor.common.InvalidJobException: type: missing", true, SUBMITTED);
        Job job = new Job(UUID.randomUUID(), new JobDetails(new LedgerJobRequest("(invalid)", "{}")), failed);
        job.setJobName("(invalid)");
        job.setAmountOfRetries(0);
        return job;
    }

    private static String progressKey(int stateNumber) {
        return JobDashboardProgressBar.JOBRUNR_PROGRESSBAR_KEY + "-" + stateNumber;
    }

    /** The key under which JobRunr keeps the dashboard log of the run that started with state {@code stateNumber}. */
    private static String logKey(int stateNumber) {
        return JobDashboardLogger.JOBRUNR_LOG_KEY + "-" + stateNumber;
    }

    private static JobDashboardProgress progress(long total, long succeeded, long failed) {
        JobDashboardProgress progress = new JobDashboardProgress(total);
        progress.setProgress(total, succeeded, failed);
        return progress;
    }

    /** A fallback that must not be needed. */
    static final class NoFallback implements JsonMapper {

        @Override
        public String serialize(Object object) {
            throw new AssertionError("the codec fell back to JobRunr's mapper to write " + object);
        }

        @Override
        public void serialize(java.io.OutputStream outputStream, Object object) {
            throw new AssertionError("the codec fell back to JobRunr's mapper to write " + object);
        }

        @Override
        public <T> T deserialize(String json, Class<T> clazz) {
            throw new AssertionError("the codec fell back to JobRunr's mapper to read " + json);
        }
    }
}
