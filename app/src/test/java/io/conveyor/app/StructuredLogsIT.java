package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code CONVEYOR_LOG_FORMAT=json} on a real worker JVM: every line it logs is one JSON object; the lines logged while a
 * job runs carry its id, type and attempt; an expected failure (unknown type, bad payload, a path outside the data
 * root) is one WARN line without a stack trace, and JobRunr's own ERROR for it is gone. (The text format's job prefix
 * is checked on the same configuration by {@code LoggingTest}.)
 */
class StructuredLogsIT {

    private static final Duration JOBS_END = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LOG = Path.of("target", "it-logs", "structured-logs", "json-worker.log");

    private static ConveyorUnderTest conveyor;
    private static WorkerJvm worker;

    @BeforeAll
    static void start() throws IOException {
        Files.deleteIfExists(LOG);
        conveyor = ConveyorUnderTest.start("structured-logs");
        worker = WorkerJvm.start("structured-logs", "json-worker", conveyor.workerEnv(Map.of("CONVEYOR_LOG_FORMAT", "json")));
        conveyor.awaitRegistered(worker);
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (conveyor != null) {
            conveyor.close();
        }
    }

    @Test
    void jsonLinesCarryTheJobAndExpectedFailuresAreOneWarnLine() {
        Map<UUID, String> expectedFailures = Map.of(
                conveyor.client.submit("{\"type\":\"primes\",\"payload\":{\"from\":\"x\",\"to\":10}}"), "payload field 'from'",
                conveyor.client.submit("{\"type\":\"search\",\"payload\":{\"dir\":\"../\",\"literal\":\"x\"}}"), "leads outside the data root");
        UUID retried = conveyor.client.submit("{\"type\":\"fail\",\"payload\":{\"n\":1},\"backoff\":{\"baseMillis\":100,\"maxMillis\":200}}");
        expectedFailures.keySet().forEach(id -> conveyor.awaitState(id, "FAILED", JOBS_END));
        conveyor.awaitState(retried, "SUCCEEDED", JOBS_END);

        // The failure line is written once the ledger recorded the failure, so it may follow the API's FAILED by a moment.
        await().atMost(JOBS_END).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(linesOf(retried)).anySatisfy(line -> assertThat(line.path("formattedMessage").asText()).contains("attempt 1 failed")));
        List<JsonNode> lines = jsonLines();

        assertThat(lines).as("JSON lines of the worker").hasSizeGreaterThan(5);
        assertThat(lines).as("lines at ERROR").noneMatch(line -> line.path("level").asText().equals("ERROR"));
        assertThat(lines).allSatisfy(line -> assertThat(line.has("timestamp") && line.has("level") && line.has("loggerName") && line.has("formattedMessage"))
                .as("a JSON log line: %s", line).isTrue());
        expectedFailures.forEach((id, reason) -> {
            List<JsonNode> aboutIt = lines.stream().filter(line -> !line.path("level").asText().equals("INFO")
                    && (line.path("formattedMessage").asText().contains(id.toString()) || line.path("mdc").path("jobId").asText().equals(id.toString())))
                    .toList();
            assertThat(aboutIt).as("WARN and ERROR lines about job %s", id).hasSize(1).first().satisfies(line -> {
                assertThat(line.path("level").asText()).isEqualTo("WARN");
                assertThat(line.path("formattedMessage").asText()).contains(reason).doesNotContain("\n\tat ");
                assertThat(line.path("throwable").isMissingNode() || line.path("throwable").isNull()).as("no stack trace").isTrue();
                assertThat(line.path("mdc").path("jobId").asText()).isEqualTo(id.toString());
                assertThat(line.path("mdc").path("jobAttempt").asText()).isEqualTo("1");
            });
        });
        JsonNode retriedFailure = linesOf(retried).stream().filter(line -> line.path("formattedMessage").asText().contains("attempt 1 failed"))
                .findFirst().orElseThrow();
        assertThat(retriedFailure.path("level").asText()).isEqualTo("WARN");
        assertThat(retriedFailure.path("mdc").path("jobType").asText()).isEqualTo("fail");
        assertThat(retriedFailure.path("mdc").path("jobAttempt").asText()).isEqualTo("1");
        assertThat(retriedFailure.path("formattedMessage").asText()).as("an unexpected failure keeps its stack trace").contains("FailHandler.handle");
    }

    private static List<JsonNode> linesOf(UUID id) {
        return jsonLines().stream().filter(line -> line.path("mdc").path("jobId").asText().equals(id.toString())).toList();
    }

    /** Every line the worker's logging wrote, parsed; the JVM's own warnings on stderr (not logging) are skipped. */
    private static List<JsonNode> jsonLines() {
        try {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(LOG)) {
                if (line.startsWith("WARNING: ") || line.isBlank()) {
                    continue;
                }
                lines.add(JSON.readTree(line));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
