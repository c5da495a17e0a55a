package io.conveyor.worker.run;

import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.process.WorkerProcess;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.jobrunr.jobs.Job;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandlerRegistryTest {

    @Test
    void findsTheBuiltInTypes() {
        HandlerRegistry registry = HandlerRegistry.withBuiltInsAndServiceLoader(WorkerProcess.BUILT_IN_HANDLERS);
        assertThat(registry.types()).contains("noop", "sleep", "fail", "primes", "hash-files", "word-count", "sort", "search");
        assertThat(registry.find("java.lang.Runtime")).isEmpty();
    }

    @Test
    void refusesTwoHandlersForOneType() {
        assertThatThrownBy(() -> new HandlerRegistry(List.of(handler("x"), handler("x"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'x'");
    }

    @Test
    void aSubmissionBecomesAnEnqueuedJobRunrJobWithTheSameIdNamedByItsType() {
        UUID id = UUID.randomUUID();
        JobSubmission submission = new JobSubmission(id, "sleep", JobSubmissionJson.MAPPER.createObjectNode().put("millis", 5),
                3, List.of("team-a"), Instant.parse("2026-11-27T10:00:00Z"));
        Job job = LedgerWriter.toJob(submission, JobKind.WAITS);
        assertThat(job.getId()).isEqualTo(id);
        assertThat(job.getJobName()).isEqualTo("sleep");
        assertThat(job.getAmountOfRetries()).isEqualTo(2);
        assertThat(job.getLabels()).containsExactly("team-a");
        assertThat(job.getState().name()).isEqualTo("ENQUEUED");
        LedgerJobRequest request = (LedgerJobRequest) job.getJobDetails().getJobParameters().getFirst().getObject();
        assertThat(request).isEqualTo(new LedgerJobRequest("sleep", "{\"millis\":5}", null, null, JobKind.WAITS));
    }

    private static JobHandler handler(String type) {
        return new JobHandler() {
            public String type() { return type; }
            public JsonNode handle(JobContext context) { return null; }
        };
    }
}
