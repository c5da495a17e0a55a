package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.run.FanOutPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.ConveyorClient.json;
import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fan-out from inside a job ({@code context.fanOut}, here through the built-in {@code fan-out} type) on real worker
 * JVMs: the children and the continuation are written with the parent's success, run across the fleet, and the
 * continuation adds up their results; a parent whose worker is killed after it fanned out but before it succeeded
 * runs again, and its children exist once, its continuation runs once.
 */
class FanOutIT {

    private static final Map<String, String> ONE_THREAD = Map.of("CONVEYOR_WORKER_THREADS", "1", "CONVEYOR_WAITING_JOBS", "2");
    /** The primes below 1,000,000, in four children. */
    private static final String FOUR_PRIME_RANGES = "[" + range(0, 250_000) + "," + range(250_000, 500_000) + ","
            + range(500_000, 750_000) + "," + range(750_000, 1_000_000) + "]";
    private static final String SUM_OF_COUNTS = "{\"type\":\"batch-summary\",\"payload\":{\"sum\":\"count\"}}";

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("fan-out");

    private static String range(long from, long to) {
        return "{\"type\":\"primes\",\"payload\":{\"from\":" + from + ",\"to\":" + to + "}}";
    }

    @Test
    void aParentFansOutChildrenAcrossTheFleetAndItsContinuationSumsTheirResults() throws Exception {
        try (WorkerJvm first = WorkerJvm.start("fan-out", "fan-out-sum-1", conveyor.workerEnv(Map.of()));
             WorkerJvm second = WorkerJvm.start("fan-out", "fan-out-sum-2", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(first, second);
            long started = System.nanoTime();
            UUID parent = conveyor.client().submit("{\"type\":\"fan-out\",\"payload\":{\"jobs\":" + FOUR_PRIME_RANGES + ",\"then\":" + SUM_OF_COUNTS + "}}");

            // The parent's id stands for the whole: it is SUCCEEDED only once its continuation is, with its result.
            JsonNode done = conveyor.awaitState(parent, "SUCCEEDED", Duration.ofMinutes(3));
            System.out.printf("[benchmark] fan-out of 4 primes children and a summing continuation: %.2f s%n", (System.nanoTime() - started) / 1e9);
            assertThat(done.get("result").get("sum").asLong()).as("the primes below 1,000,000").isEqualTo(78_498);
            assertThat(done.get("result").get("members").asLong()).isEqualTo(4);
            JsonNode continuation = done.get("continuation");
            assertThat(continuation.get("children").asInt()).isEqualTo(4);
            UUID batch = UUID.fromString(continuation.get("batch").asText());
            UUID then = UUID.fromString(continuation.get("then").asText());
            assertThat(count(done, "PROCESSING")).as("the parent ran once").isEqualTo(1);

            assertThat(conveyor.ledger().countJobs("conveyor_batch = '" + batch + "' and state = 'SUCCEEDED'")).isEqualTo(4);
            assertThat(count(conveyor.client().job(then), "PROCESSING")).as("the continuation ran once").isEqualTo(1);
            JsonNode status = json(conveyor.client().get("/batches/" + batch).body());
            assertThat(status.get("state").asText()).isEqualTo("DONE");
            assertThat(status.get("then").get("id").asText()).isEqualTo(then.toString());
        }
    }

    @Test
    void aParentShowsItsChildrensProgressWhileTheyRunAndFailsWhenTheirBatchIsCancelled() throws Exception {
        try (WorkerJvm worker = WorkerJvm.start("fan-out", "fan-out-progress", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(worker);
            UUID parent = conveyor.client().submit("{\"type\":\"fan-out\",\"payload\":{\"jobs\":[{\"type\":\"noop\"},{\"type\":\"noop\"},"
                    + "{\"type\":\"sleep\",\"payload\":{\"millis\":600000}}],\"then\":" + SUM_OF_COUNTS + "}}");

            // Two children done, one sleeping: the parent's id shows its batch's progress, as its waiting continuation does.
            await().atMost(ConveyorUnderTest.WORKER_START).untilAsserted(() -> {
                JsonNode job = conveyor.client().job(parent);
                assertThat(job.get("state").asText()).isEqualTo("PROCESSING");
                assertThat(job.path("progress").toString()).isEqualTo("{\"done\":2,\"total\":3,\"percent\":66}");
            });
            JsonNode waiting = conveyor.client().job(parent);
            UUID then = UUID.fromString(waiting.at("/continuation/then").asText());
            assertThat(conveyor.client().job(then).path("progress").toString()).isEqualTo("{\"done\":2,\"total\":3,\"percent\":66}");

            assertThat(conveyor.client().post("/batches/" + waiting.at("/continuation/batch").asText() + "/cancel", "").statusCode()).isEqualTo(200);
            JsonNode cancelled = conveyor.awaitState(parent, "FAILED", Duration.ofMinutes(1));
            assertThat(cancelled.get("error").asText()).isEqualTo("cancelled");
        }
    }

    @Test
    void aParentWhoseWorkerIsKilledAfterItFannedOutRunsAgainAndItsChildrenExistOnce() throws Exception {
        try (WorkerJvm first = WorkerJvm.start("fan-out", "fan-out-kill-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("fan-out", "fan-out-kill-2", conveyor.workerEnv(ONE_THREAD))) {
            conveyor.awaitRegistered(first, second);
            UUID parent = conveyor.client().submit("{\"type\":\"fan-out\",\"payload\":{\"jobs\":" + FOUR_PRIME_RANGES
                    + ",\"then\":" + SUM_OF_COUNTS + ",\"holdMillis\":6000}}");
            String runner = workersThatRan(conveyor.awaitState(parent, "PROCESSING", ConveyorUnderTest.WORKER_START)).getLast();
            // The handler fans out as it starts, then holds: nothing of it is in the ledger before its success.
            UUID batchToBe = FanOutPlan.batchOf(parent);
            assertThat(conveyor.ledger().countJobs("conveyor_batch = '" + batchToBe + "' or conveyor_completes = '" + batchToBe + "'"))
                    .as("children before the parent's success").isZero();
            (runner.equals(first.name()) ? first : second).kill();

            JsonNode done = conveyor.awaitState(parent, "SUCCEEDED", Duration.ofMinutes(4));
            JsonNode parentInLedger = conveyor.client().job(parent);
            assertThat(workersThatRan(parentInLedger)).as("the parent ran again on the survivor").hasSize(2);
            assertThat(done.get("result").get("sum").asLong()).isEqualTo(78_498);
            UUID batch = UUID.fromString(done.get("continuation").get("batch").asText());
            assertThat(batch).isEqualTo(batchToBe);
            UUID then = UUID.fromString(done.get("continuation").get("then").asText());
            assertThat(conveyor.ledger().countJobs("conveyor_batch = '" + batch + "'")).as("children, once each").isEqualTo(4);
            assertThat(conveyor.ledger().countJobs("conveyor_completes = '" + batch + "'")).as("continuations").isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(count(conveyor.client().job(then), "PROCESSING")).as("the continuation ran once").isEqualTo(1));
            assertThat(conveyor.ledger().query("select string_agg(distinct state, ',') from jobrunr_jobs where conveyor_batch = '" + batch + "'"))
                    .isEqualTo("SUCCEEDED");
        }
    }
}
