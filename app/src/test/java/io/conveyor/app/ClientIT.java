package io.conveyor.app;

import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.client.ApiClient;
import io.conveyor.client.ApiException;
import io.conveyor.client.api.JobsApi;
import io.conveyor.client.api.OperationsApi;
import io.conveyor.client.model.BatchAccepted;
import io.conveyor.client.model.BatchJobRequest;
import io.conveyor.client.model.Job;
import io.conveyor.client.model.JobRequest;
import io.conveyor.client.model.Readiness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Conveyor through a Java client that nobody here wrote: openapi-generator makes it from the API's OpenAPI document at
 * build time (app/pom.xml). Jobs submitted through it run on a real worker JVM and are read back through it; its
 * errors are the documented problems.
 */
class ClientIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("client").withWorker("client-worker", Map.of());

    private static JobsApi jobs;
    private static OperationsApi operations;

    @BeforeAll
    static void generatedClient() {
        ApiClient client = new ApiClient();
        client.updateBaseUri(conveyor.client().apiBase());
        jobs = new JobsApi(client);
        operations = new OperationsApi(client);
    }

    @Test
    void aJobSubmittedThroughTheGeneratedClientRunsAndIsReadBackThroughIt() throws Exception {
        // With a 200 (a keyed repeat: the job) beside the 202, the generator types the answer as the 200's Job; a
        // first submit's 202 body fills its id, state and type.
        Job accepted = jobs.submitJob(new JobRequest().type("primes").payload(Map.of("from", 0, "to", 1000)).labels(List.of("generated")), null);
        assertThat(accepted.getState()).isEqualTo(Job.StateEnum.ACCEPTED);
        UUID id = accepted.getId();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(jobs.getJob(id).getState()).isEqualTo(Job.StateEnum.SUCCEEDED));
        Job job = jobs.getJob(id);
        assertThat(job.getType()).isEqualTo("primes");
        assertThat(job.getLabels()).containsExactly("generated");
        assertThat(job.getHistory()).extracting(entry -> entry.getState()).contains("ENQUEUED", "PROCESSING", "SUCCEEDED");
        assertThat(job.getResult().toString()).contains("168");
    }

    @Test
    void aBatchAndTheOperationsRoutesWorkThroughIt() throws Exception {
        BatchAccepted batch = jobs.submitJobs(List.of(new BatchJobRequest().type("noop"), new BatchJobRequest().type("noop").maxAttempts(1)));
        assertThat(batch.getIds()).hasSize(2);
        batch.getIds().forEach(id -> conveyor.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60)));

        Readiness ready = operations.healthReady();
        assertThat(ready.getStatus()).isEqualTo(Readiness.StatusEnum.UP);
        assertThat(operations.metrics()).contains("conveyor_jobs_submitted_total");
    }

    @Test
    void errorsAreTheDocumentedProblems() {
        assertThatThrownBy(() -> jobs.submitJob(new JobRequest().type("noop").maxAttempts(0), null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getResponseBody()).contains("maxAttempts");
                });
        assertThatThrownBy(() -> jobs.getJob(UUID.randomUUID()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    }
}
