package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.history;
import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Timeouts on real worker JVMs under the production supervisor. JobRunr's poll (and its heartbeat of running jobs) is
 * 30 minutes away, so an attempt that ends within the test's bounds was ended by Conveyor's timeout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TimeoutsIT {

    private static final Duration POLL = Duration.ofMinutes(30);
    private static final Duration ENDS = Duration.ofSeconds(90);

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("timeouts").withFleet(2, Map.of(
            WorkerSettings.POLL_INTERVAL_SECONDS, Long.toString(POLL.toSeconds()),
            WorkerSettings.HANG_TIMEOUT_SECONDS, Long.toString(2 * POLL.toSeconds()),
            WorkerSettings.STOP_GRACE_SECONDS, "10")).awaitingFleet();

    @Test
    @Order(1)
    void anAttemptPastItsTimeoutIsInterruptedFailsAsTimedOutAndIsRetriedOnAnotherWorker() {
        UUID sleeper = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":600000},\"timeoutMillis\":1500,"
                + "\"maxAttempts\":2,\"backoff\":{\"baseMillis\":10,\"maxMillis\":10}}");
        // A compute job: the interrupt reaches its tasks on the compute pool too.
        UUID computing = conveyor.client().submit("{\"type\":\"primes\",\"payload\":{\"from\":1000000000000,\"to\":1001000000000},"
                + "\"timeoutMillis\":1500,\"maxAttempts\":1}");
        UUID inTime = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":10},\"timeoutMillis\":60000}");

        JsonNode job = conveyor.awaitState(sleeper, "FAILED", ENDS);
        assertThat(job.get("attempts").asInt()).isEqualTo(2);
        assertThat(job.get("error").asText()).isEqualTo("timed out after 1500 ms");
        List<String> ran = workersThatRan(job);
        assertThat(ran.getLast()).as("the worker of the retry, after %s", ran).isNotEqualTo(ran.getFirst());

        JsonNode computed = conveyor.awaitState(computing, "FAILED", ENDS);
        assertThat(computed.get("error").asText()).isEqualTo("timed out after 1500 ms");
        assertThat(count(computed, "PROCESSING")).isEqualTo(1);
        conveyor.awaitState(inTime, "SUCCEEDED", ENDS);
    }

    @Test
    @Order(2)
    void theCliSubmitsWithATimeoutAndExitsOneWhenTheJobTimedOut() {
        String api = "--api=http://127.0.0.1:" + conveyor.get().api.port();
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine commandLine = new picocli.CommandLine(new ConveyorCommand());
        commandLine.setOut(new java.io.PrintWriter(out, true));
        int exit = commandLine.execute("submit", "sleep", "--payload", "{\"millis\":600000}", "--timeout", "1s", "--max-attempts", "1",
                "--wait", api);
        assertThat(exit).as(out.toString()).isEqualTo(1);
        assertThat(out.toString()).contains("FAILED").contains("error: timed out after 1000 ms");
        assertThat(commandLine.execute("submit", "noop", "--timeout", "soon", api)).as("a duration it cannot read").isEqualTo(2);
    }

    @Test
    @Order(3)
    void aJobThatIgnoresTheInterruptHasItsAttemptRecordedAndItsWorkerReplacedWithNothingLost() throws IOException {
        List<Long> before = conveyor.fleet().supervisor().pids();
        // Jobs on both workers: some end within the stopping worker's grace, some do not and are handed back; none is lost.
        List<UUID> others = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            others.add(conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":" + (i % 2 == 0 ? 7000 : 25000) + "}}"));
        }
        UUID stuck = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":600000,\"ignoreInterrupts\":true},"
                + "\"timeoutMillis\":1000,\"maxAttempts\":1}");

        JsonNode job = conveyor.awaitState(stuck, "FAILED", ENDS);
        assertThat(job.get("attempts").asInt()).isEqualTo(1);
        assertThat(job.get("error").asText()).startsWith("timed out after 1000 ms and did not stop when interrupted");
        String worker = workersThatRan(job).getFirst();
        long replacedPid = before.stream().filter(pid -> worker.endsWith("-" + pid)).findFirst().orElseThrow();

        // Its JVM exits with the stuck-job code and the supervisor starts a fresh one in its place.
        await().atMost(ENDS).untilAsserted(() -> assertThat(conveyor.fleet().supervisor().pids())
                .hasSize(2).doesNotContain(replacedPid));
        conveyor.awaitRegistered(conveyor.fleet(), 2);
        for (UUID other : others) {
            JsonNode ended = conveyor.awaitState(other, "SUCCEEDED", ENDS);
            assertThat(count(ended, "SUCCEEDED")).isEqualTo(1);
        }
        assertThat(history(conveyor.client().job(stuck))).last().satisfies(entry -> assertThat(entry.get("state").asText()).isEqualTo("FAILED"));
        Path logs = Path.of("target", "it-logs", "timeouts");
        try (var files = Files.list(logs)) {
            assertThat(files.filter(file -> file.getFileName().toString().startsWith("worker-"))
                    .anyMatch(file -> read(file).contains("exits with code 5"))).as("a worker exited with code 5").isTrue();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
