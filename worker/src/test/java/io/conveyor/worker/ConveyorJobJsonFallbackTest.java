package io.conveyor.worker;

import io.conveyor.common.RecurringSchedule;
import io.conveyor.common.jobjson.ConveyorJobJson;
import io.conveyor.handler.JobKind;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.RecurringJob;
import org.jobrunr.jobs.context.JobDashboardLogger;
import org.jobrunr.jobs.context.JobDashboardLogger.JobDashboardLogLine;
import org.jobrunr.jobs.context.JobDashboardLogger.JobDashboardLogLines;
import org.jobrunr.jobs.states.CarbonAwareAwaitingState;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.utils.mapper.JsonMapper;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.conveyor.worker.LedgerJobJsonTest.assertSameJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** What the ledger's job codec leaves to JobRunr's mapper, and that the result is then JobRunr's mapper's own. */
class ConveyorJobJsonFallbackTest {

    private static final JacksonJsonMapper JACKSON = new JacksonJsonMapper();
    private static final Instant AT = Instant.parse("2026-12-03T07:00:00.123456789Z");

    private final CountingFallback fallback = new CountingFallback();
    private final ConveyorJobJson codec = new ConveyorJobJson(fallback, List.of(new LedgerJobRequestJson()));

    @Test
    void anythingButAJobIsJobRunrsMappersToWriteAndRead() {
        RecurringJob recurring = new RecurringJob("nightly", RecurringSchedule.details("{\"type\":\"noop\"}"), "0 9 * * *", "UTC",
                RecurringJob.CreatedBy.API, AT);

        String json = codec.serialize(recurring);
        RecurringJob read = codec.deserialize(json, RecurringJob.class);

        assertThat(json).isEqualTo(JACKSON.serialize(recurring));
        assertThat(read.getId()).isEqualTo("nightly");
        assertThat(fallback.writes).isEqualTo(1);
        assertThat(fallback.reads).isEqualTo(1);
    }

    @Test
    void aJobWithAParameterOfAnotherClassIsJobRunrsMappers() {
        Job triggered = new Job(UUID.randomUUID(), RecurringSchedule.details("{\"type\":\"noop\"}"), new EnqueuedState(AT));

        assertLeftToJobRunrsMapper(triggered);
    }

    @Test
    void aJobWithAStateOfAnotherClassIsJobRunrsMappers() {
        Job job = new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.of(new CarbonAwareAwaitingState(AT, AT, AT.plusSeconds(3600), "greener later")), new java.util.concurrent.ConcurrentHashMap<>());

        assertLeftToJobRunrsMapper(job);
    }

    @Test
    void metadataOfOtherTypesIsJobRunrsMappers() {
        Job job = noop();
        job.getMetadata().put("big", 5_000_000_000L);
        job.getMetadata().put("ratio", 0.5);

        String json = codec.serialize(job);
        Job read = codec.deserialize(json, Job.class);

        assertThat(json).isEqualTo(JACKSON.serialize(job));
        assertThat(read.getMetadata()).containsEntry("big", 5_000_000_000L).containsEntry("ratio", 0.5);
        assertThat(fallback.writes).isEqualTo(1);
        assertThat(fallback.reads).isEqualTo(1);
    }

    /** Conveyor's handlers write nothing to JobRunr's dashboard log: a log with lines is left to JobRunr's mapper. */
    @Test
    void aDashboardLogWithLinesIsJobRunrsMappers() {
        Job job = noop();
        JobDashboardLogLines log = new JobDashboardLogLines();
        log.add(new JobDashboardLogLine(JobDashboardLogger.Level.INFO, AT, "a line"));
        job.getMetadata().put(JobDashboardLogger.JOBRUNR_LOG_KEY + "-2", log);

        assertLeftToJobRunrsMapper(job);
    }

    /** The codec wrote and read {@code job} through JobRunr's mapper, once each, and the result is that mapper's own. */
    private void assertLeftToJobRunrsMapper(Job job) {
        String json = codec.serialize(job);
        Job read = codec.deserialize(json, Job.class);

        assertThat(json).isEqualTo(JACKSON.serialize(job));
        assertSameJob(read, JACKSON.deserialize(json, Job.class));
        assertThat(fallback.writes).isEqualTo(1);
        assertThat(fallback.reads).isEqualTo(1);
    }

    @Test
    void jsonThatJobRunrsMapperWouldReadDifferentlyFromItsWritingIsLeftToIt() {
        String written = JACKSON.serialize(noop());
        List<String> unusual = List.of(
                // @class after the state's own fields: Jackson finds it anywhere
                written.replace("{\"@class\":\"org.jobrunr.jobs.states.EnqueuedState\",\"state\":\"ENQUEUED\",",
                        "{\"state\":\"ENQUEUED\",\"@class\":\"org.jobrunr.jobs.states.EnqueuedState\","),
                // a label twice, which Job.setLabels would make once
                written.replace("\"labels\":[\"x\"]", "\"labels\":[\"x\",\"x\"]"),
                // a signature other than the details'
                written.replace("\"jobSignature\":\"io.conveyor.worker.WaitingJobDispatcher", "\"jobSignature\":\"edited.WaitingJobDispatcher"),
                // a number where a string was written: Jackson coerces it
                written.replace("\"jobName\":\"noop\"", "\"jobName\":42"));
        for (String json : unusual) {
            assertThat(json).isNotEqualTo(written);
            assertSameJob(codec.deserialize(json, Job.class), JACKSON.deserialize(json, Job.class));
        }
        assertThat(fallback.reads).isEqualTo(unusual.size());
    }

    @Test
    void jsonThatJobRunrsMapperRefusesIsRefusedWithItsException() {
        String written = JACKSON.serialize(noop());
        for (String json : List.of(written.replace("\"jobName\"", "\"jobTitle\""), written.substring(0, written.length() / 2), "not json")) {
            Throwable byCodec = catchThrowable(() -> codec.deserialize(json, Job.class));
            Throwable byJackson = catchThrowable(() -> JACKSON.deserialize(json, Job.class));
            assertThat(byJackson).isNotNull();
            assertThat(byCodec).hasSameClassAs(byJackson).hasMessage(byJackson.getMessage());
        }
    }

    private static Job noop() {
        Job job = new Job(UUID.randomUUID(), new JobDetails(new LedgerJobRequest("noop", "{}", null, null, JobKind.WAITS)), new EnqueuedState(AT));
        job.setJobName("noop");
        job.setLabels(List.of("x"));
        return job;
    }

    /** JobRunr's mapper, counting what it is given. */
    private static final class CountingFallback implements JsonMapper {

        int writes;
        int reads;

        @Override
        public String serialize(Object object) {
            writes++;
            return JACKSON.serialize(object);
        }

        @Override
        public void serialize(OutputStream outputStream, Object object) {
            writes++;
            JACKSON.serialize(outputStream, object);
        }

        @Override
        public <T> T deserialize(String json, Class<T> clazz) {
            reads++;
            return JACKSON.deserialize(json, clazz);
        }
    }
}
