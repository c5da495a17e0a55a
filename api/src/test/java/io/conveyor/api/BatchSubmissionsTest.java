package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobSubmission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.conveyor.api.HttpTestClient.assertProblem;
import static io.conveyor.api.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /batches} on a real server with an in-memory submitter: what is sent, and what is refused with nothing sent. */
class BatchSubmissionsTest {

    private static final Instant NOW = Instant.parse("2026-03-04T05:06:07.089Z");
    private static final int MEMBERS_LIMIT = 4;
    private static final int MAX_JOB_BYTES = 16 * 1024;
    private static final long MAX_BATCH_BYTES = 64 * 1024;
    private static final ApiSettings SETTINGS = new ApiSettings(0, 0, MAX_JOB_BYTES, ApiSettings.BATCH_LIMIT_DEFAULT,
            Duration.ofSeconds(1), "unit-test-id-secret", ApiSettings.defaultMaxPendingBytes(), MEMBERS_LIMIT, MAX_BATCH_BYTES);

    private final RecordingSubmitter submitter = new RecordingSubmitter();
    private final ApiServerTest.LedgerStandIn storage = new ApiServerTest.LedgerStandIn();
    private ApiServer server;
    private HttpTestClient http;

    @BeforeEach
    void start() {
        server = ApiServer.start(SETTINGS, new JobIds(SETTINGS.idSecret(), Clock.fixed(NOW, ZoneOffset.UTC)), submitter, new LedgerReader(storage),
                Clock.fixed(NOW, ZoneOffset.UTC),
                new OperationsEndpoints(new ApiMetrics(new io.conveyor.common.Metrics(), storage, java.util.OptionalLong::empty),
                        new ApiHealth(java.util.Map.of("kafka", () -> true, "ledger", () -> true))),
                new BearerAuth(ApiAuthSettings.NONE));
        http = new HttpTestClient(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theMembersAndTheCompletionJobAreSentTogetherMarkedWithTheBatch() {
        HttpResponse<String> response = http.postJson("/batches",
                "{\"jobs\":[{\"type\":\"noop\"},{\"type\":\"sleep\",\"payload\":{\"millis\":5}}],\"then\":{\"type\":\"batch-summary\"},\"thenWhen\":\"ended\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode accepted = json(response);
        UUID batch = UUID.fromString(accepted.path("id").asText());
        assertThat(response.headers().firstValue("Location")).contains("/batches/" + batch);
        List<JobSubmission> sent = submitter.submitted();
        assertThat(sent).hasSize(3);
        assertThat(sent.subList(0, 2)).extracting(job -> job.id().toString())
                .containsExactly(accepted.path("jobs").get(0).asText(), accepted.path("jobs").get(1).asText());
        assertThat(sent.subList(0, 2)).extracting(JobSubmission::batch).containsOnly(batch);
        assertThat(sent.subList(0, 2)).extracting(JobSubmission::completes).containsOnlyNulls();
        JobSubmission then = sent.getLast();
        assertThat(then.id().toString()).isEqualTo(accepted.path("then").asText());
        assertThat(then.type()).isEqualTo("batch-summary");
        assertThat(then.batch()).isNull();
        assertThat(then.completes().batch()).isEqualTo(batch);
        assertThat(then.completes().total()).isEqualTo(2);
        assertThat(then.completes().onEnded()).isTrue();
    }

    @Test
    void theCompletionJobIsSentAloneOnlyAfterKafkaAcknowledgedEveryMember() {
        assertThat(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"},{\"type\":\"noop\"}],\"then\":{\"type\":\"noop\"}}").statusCode())
                .isEqualTo(202);

        List<List<JobSubmission>> calls = submitter.calls();
        assertThat(calls.getLast()).singleElement().satisfies(then -> assertThat(then.completes()).isNotNull());
        assertThat(calls.subList(0, calls.size() - 1)).flatMap(call -> call).hasSize(2).extracting(JobSubmission::completes).containsOnlyNulls();
    }

    @Test
    void kafkaFailingForTheMembersIs503AndTheCompletionJobIsNeverSent() {
        submitter.failWith(new KafkaUnavailableException("Kafka did not acknowledge the job within 1000 ms", null));

        assertProblem(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"}],\"then\":{\"type\":\"noop\"}}"), 503);

        assertThat(submitter.submitted()).isEmpty();
    }

    @Test
    void aBodyOverTheBatchLimitIs413AndSubmitsNothing() {
        String payload = "{\"s\":\"" + "x".repeat(MAX_JOB_BYTES / 2) + "\"}";
        String members = IntStream.range(0, MEMBERS_LIMIT).mapToObj(i -> "{\"type\":\"noop\",\"payload\":" + payload + "}").collect(Collectors.joining(","));

        JsonNode problem = assertProblem(http.postJson("/batches", "{\"then\":{\"type\":\"noop\",\"payload\":" + payload + "},\"jobs\":[" + members + "," + members + "]}"), 413);

        assertThat(problem.path("detail").asText()).contains(ApiSettings.BATCH_MAX_BODY_BYTES);
        assertThat(submitter.submitted()).isEmpty();
    }

    @Test
    void aMemberOverTheLimitOfOneJobIs413NamingItsIndexAndSubmitsNothing() {
        String big = "{\"type\":\"noop\",\"payload\":{\"s\":\"" + "x".repeat(MAX_JOB_BYTES) + "\"}}";

        JsonNode problem = assertProblem(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"}," + big + "],\"then\":{\"type\":\"noop\"}}"), 413);

        assertThat(problem.path("detail").asText()).contains("job at index 1").contains(ApiSettings.MAX_BODY_BYTES);
        assertThat(submitter.submitted()).isEmpty();
    }

    @Test
    void thenWhenIsSucceededUnlessSaid() {
        assertThat(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"}],\"then\":{\"type\":\"noop\"}}").statusCode()).isEqualTo(202);
        assertThat(submitter.submitted().getLast().completes().onEnded()).isFalse();
    }

    @Test
    void anEmptyBatchIs422AndSubmitsNothing() {
        JsonNode problem = assertProblem(http.postJson("/batches", "{\"jobs\":[],\"then\":{\"type\":\"noop\"}}"), 422);

        assertThat(problem.path("field").asText()).isEqualTo("jobs");
        assertThat(submitter.submitted()).isEmpty();
    }

    @Test
    void aBatchOverTheMembersLimitIs413AndSubmitsNothing() {
        String members = IntStream.range(0, MEMBERS_LIMIT + 1).mapToObj(i -> "{\"type\":\"noop\"}").collect(Collectors.joining(","));

        JsonNode problem = assertProblem(http.postJson("/batches", "{\"jobs\":[" + members + "],\"then\":{\"type\":\"noop\"}}"), 413);

        assertThat(problem.path("detail").asText()).contains(ApiSettings.BATCH_MEMBERS_LIMIT);
        assertThat(submitter.submitted()).isEmpty();
    }

    @Test
    void aBadMemberIs422NamingItsIndexAndSubmitsNothing() {
        JsonNode problem = assertProblem(http.postJson("/batches",
                "{\"jobs\":[{\"type\":\"noop\"},{\"type\":\"noop\",\"maxAttempts\":0},{\"type\":\"noop\"}],\"then\":{\"type\":\"noop\"}}"), 422);

        assertThat(problem.path("index").asInt()).isEqualTo(1);
        assertThat(problem.path("field").asText()).isEqualTo("[1].maxAttempts");
        assertThat(submitter.submitted()).isEmpty();
    }

    @Test
    void aBadOrMissingCompletionJobIs422NamingThenAndSubmitsNothing() {
        JsonNode invalid = assertProblem(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"}],\"then\":{\"type\":\"no such type\"}}"), 422);
        assertThat(invalid.path("field").asText()).isEqualTo("then.type");
        assertThat(invalid.has("index")).isFalse();

        assertThat(assertProblem(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"}]}"), 422).path("field").asText()).isEqualTo("then");
        assertThat(assertProblem(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"}],\"then\":{\"type\":\"noop\"},\"thenWhen\":\"soon\"}"), 422)
                .path("field").asText()).isEqualTo("thenWhen");
        assertThat(assertProblem(http.postJson("/batches", "{\"jobs\":[{\"type\":\"noop\"}],\"then\":{\"type\":\"noop\"},\"than\":1}"), 422)
                .path("field").asText()).isEqualTo("than");
        assertThat(assertProblem(http.postJson("/batches", "[{\"type\":\"noop\"}]"), 422).path("detail").asText()).contains("JSON object");
        assertThat(submitter.submitted()).isEmpty();
    }
}
