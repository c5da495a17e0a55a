package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.WorkerJvm;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.ConveyorClient.json;
import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.history;
import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Batches with a completion job ({@code POST /batches}) on the real stack, two worker JVMs each: the completion job
 * runs once when every member succeeded and reads them all through {@code context.batch()} ({@code batch-summary});
 * a member that fails for good drops it ({@code "succeeded"}) or not ({@code "ended"}); a kill -9 of the worker
 * running the last member changes nothing but time; a cancel stops members and completion. Times are printed, not
 * asserted.
 */
class BatchesIT {

    private static final Map<String, String> ONE_THREAD = Map.of("CONVEYOR_WORKER_THREADS", "1");
    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("batches");

    @Test
    void tenThousandNoopMembersAreCountedByTheirCompletionJobOnceTheyAllSucceeded() throws Exception {
        int members = 10_000;
        try (WorkerJvm first = WorkerJvm.start("batches", "batches-many-1", conveyor.workerEnv(Map.of()));
             WorkerJvm second = WorkerJvm.start("batches", "batches-many-2", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(first, second);
            TestDatabase ledger = conveyor.ledger();

            // The same number of plain jobs first, for the overhead a batch adds (printed, not asserted), after a
            // thousand that warm the workers up.
            runPlain(1000, "warm-up");
            double plainSeconds = runPlain(members, "plain");

            long batchStarted = System.nanoTime();
            Batch batch = submit(Collections.nCopies(members, "{\"type\":\"noop\"}"), "{\"type\":\"batch-summary\"}", null);
            assertThat(batch.members()).hasSize(members).doesNotHaveDuplicates();
            JsonNode then = conveyor.awaitState(batch.then(), "SUCCEEDED", Duration.ofMinutes(5));
            double batchSeconds = (System.nanoTime() - batchStarted) / 1e9;
            System.out.printf("[benchmark] %d noop jobs: %.2f s as plain jobs (POST /jobs/batch of 1000), %.2f s as one batch with its completion job%n",
                    members, plainSeconds, batchSeconds);

            assertThat(then.get("result").get("members").asLong()).isEqualTo(members);
            assertThat(then.get("result").get("states").get("SUCCEEDED").asLong()).isEqualTo(members);
            assertThat(then.get("result").get("states").size()).isEqualTo(1);
            assertThat(count(then, "PROCESSING")).as("the completion job ran once").isEqualTo(1);
            assertThat(ledger.countInState(batch.members(), "SUCCEEDED")).isEqualTo(members);

            JsonNode status = json(conveyor.client().get("/batches/" + batch.id()).body());
            assertThat(status.get("state").asText()).isEqualTo("DONE");
            assertThat(status.get("total").asInt()).isEqualTo(members);
            assertThat(status.get("counts").get("SUCCEEDED").asInt()).isEqualTo(members);
            assertThat(status.get("percentDone").asDouble()).isEqualTo(100.0);
            assertThat(status.get("then").get("id").asText()).isEqualTo(batch.then().toString());
            assertThat(status.get("then").get("state").asText()).isEqualTo("SUCCEEDED");
        }
    }

    @Test
    void aMemberThatFailsForGoodDropsTheCompletionJobUnlessItWaitsForTheMembersToEnd() {
        try (WorkerJvm worker = WorkerJvm.start("batches", "batches-fail", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(worker);
            List<String> members = List.of("{\"type\":\"noop\"}", "{\"type\":\"fail\",\"payload\":{\"n\":5},\"maxAttempts\":1}", "{\"type\":\"noop\"}");

            Batch dropped = submit(members, "{\"type\":\"batch-summary\"}", null);
            JsonNode deleted = conveyor.awaitState(dropped.then(), "DELETED", Duration.ofMinutes(2));
            assertThat(history(deleted).getLast().get("message").asText()).contains(dropped.members().get(1).toString()).contains("FAILED");
            assertThat(count(deleted, "PROCESSING")).as("the dropped completion job never ran").isZero();
            assertThat(json(conveyor.client().get("/batches/" + dropped.id()).body()).get("state").asText()).isEqualTo("DROPPED");

            Batch ended = submit(members, "{\"type\":\"batch-summary\"}", "ended");
            JsonNode summary = conveyor.awaitState(ended.then(), "SUCCEEDED", Duration.ofMinutes(2)).get("result");
            assertThat(summary.get("members").asInt()).isEqualTo(3);
            assertThat(summary.get("states").get("SUCCEEDED").asInt()).isEqualTo(2);
            assertThat(summary.get("states").get("FAILED").asInt()).isEqualTo(1);
        }
    }

    @Test
    void killingTheWorkerThatRunsTheLastMemberStillRunsTheCompletionJobExactlyOnce() {
        try (WorkerJvm first = WorkerJvm.start("batches", "batches-kill-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("batches", "batches-kill-2", conveyor.workerEnv(ONE_THREAD))) {
            conveyor.awaitRegistered(first, second);
            Batch batch = submit(List.of("{\"type\":\"noop\"}", "{\"type\":\"noop\"}", "{\"type\":\"sleep\",\"payload\":{\"millis\":8000}}"),
                    "{\"type\":\"batch-summary\"}", null);
            UUID last = batch.members().get(2);
            String runner = workersThatRan(conveyor.awaitState(last, "PROCESSING", Duration.ofMinutes(1))).getLast();
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                    assertThat(conveyor.client().job(batch.members().get(0)).get("state").asText()).isEqualTo("SUCCEEDED"));
            assertThat(conveyor.client().job(batch.then()).get("state").asText()).as("the completion job waits").isEqualTo("SCHEDULED");
            (runner.equals(first.name()) ? first : second).kill();

            JsonNode then = conveyor.awaitState(batch.then(), "SUCCEEDED", Duration.ofMinutes(3));
            assertThat(workersThatRan(conveyor.client().job(last))).as("the last member ran again on the survivor").hasSize(2);
            assertThat(count(then, "PROCESSING")).as("the completion job ran once").isEqualTo(1);
            assertThat(count(then, "ENQUEUED")).as("the completion job was enqueued once").isEqualTo(1);
            assertThat(then.get("result").get("states").get("SUCCEEDED").asInt()).isEqualTo(3);
        }
    }

    @Test
    void aCancelStopsTheMembersAndTheCompletionJob() throws Exception {
        try (WorkerJvm worker = WorkerJvm.start("batches", "batches-cancel", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(worker);
            Batch batch = submit(List.of("{\"type\":\"noop\"}", "{\"type\":\"sleep\",\"payload\":{\"millis\":600000}}"),
                    "{\"type\":\"batch-summary\"}", null);
            conveyor.awaitState(batch.members().get(1), "PROCESSING", Duration.ofMinutes(1));
            HttpResponse<String> cancelled = conveyor.client().post("/batches/" + batch.id() + "/cancel", "");
            assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
            assertThat(json(cancelled.body()).get("state").asText()).isEqualTo("CANCELLED");
            conveyor.awaitState(batch.members().get(1), "DELETED", Duration.ofMinutes(1));
            JsonNode then = conveyor.awaitState(batch.then(), "DELETED", Duration.ofMinutes(1));
            assertThat(history(then).getLast().get("message").asText()).isEqualTo("cancelled");
            assertThat(count(then, "PROCESSING")).isZero();

            // A member that was still in Kafka at the cancel: cancelled once it reaches the ledger.
            JobSubmission late = new JobSubmission(UUID.randomUUID(), "sleep", (ObjectNode) json("{\"millis\":600000}"), 1, List.of(), Instant.now())
                    .inBatch(batch.id());
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka().bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                    new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(conveyor.kafka().topics().jobs(), late.id().toString(), JobSubmissionJson.toTopic(late))).get();
            }
            JsonNode lateMember = conveyor.awaitState(late.id(), "DELETED", Duration.ofMinutes(1));
            assertThat(history(lateMember).getLast().get("message").asText()).isEqualTo("cancelled");
        }
    }

    @Test
    void aCompletionJobOfATypeNoWorkerAnnouncedIsRefusedWithNothingSubmitted() throws Exception {
        try (WorkerJvm worker = WorkerJvm.start("batches", "batches-refused", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(worker);
            long before = conveyor.ledger().countJobs("true");
            HttpResponse<String> refused = conveyor.client().post("/batches",
                    "{\"jobs\":[{\"type\":\"noop\"},{\"type\":\"noop\"}],\"then\":{\"type\":\"no-such-type\"}}");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
            assertThat(json(refused.body()).get("field").asText()).isEqualTo("then.type");
            HttpResponse<String> member = conveyor.client().post("/batches",
                    "{\"jobs\":[{\"type\":\"noop\"},{\"type\":\"no-such-type\"}],\"then\":{\"type\":\"batch-summary\"}}");
            assertThat(member.statusCode()).as(member.body()).isEqualTo(422);
            assertThat(json(member.body()).get("index").asInt()).isEqualTo(1);
            // Had either been sent, its jobs would reach the ledger, most likely before this one does.
            UUID after = conveyor.client().submit("{\"type\":\"noop\"}");
            conveyor.awaitState(after, "SUCCEEDED", Duration.ofMinutes(1));
            assertThat(conveyor.ledger().countJobs("true")).isEqualTo(before + 1);
        }
    }

    @Test
    void theCliSubmitsABatchWaitsForItsCompletionAndShowsItsStatus() throws Exception {
        try (WorkerJvm worker = WorkerJvm.start("batches", "batches-cli", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(worker);
            String api = "--api=" + conveyor.client().apiBase();
            java.nio.file.Path file = java.nio.file.Files.createTempFile("batch", ".json");
            java.nio.file.Files.writeString(file, "{\"jobs\":[{\"type\":\"noop\"},{\"type\":\"noop\"}],\"then\":{\"type\":\"batch-summary\"}}");

            JobControlIT.Cli submitted = JobControlIT.cli("batch", "submit", "@" + file, "--wait", api);
            assertThat(submitted.exit()).as(submitted.err()).isZero();
            assertThat(submitted.out()).contains("100.0%", "DONE", "2/2 ended", "SUCCEEDED");
            JobControlIT.Cli json = JobControlIT.cli("batch", "submit", "@" + file, api, "--json");
            UUID batch = UUID.fromString(json(json.out()).get("id").asText());
            conveyor.awaitState(UUID.fromString(json(json.out()).get("then").asText()), "SUCCEEDED", Duration.ofMinutes(1));
            JobControlIT.Cli status = JobControlIT.cli("batch", "status", batch.toString(), api);
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out()).contains("DONE", "2/2 ended", "SUCCEEDED");

            JobControlIT.Cli refused = JobControlIT.cli("batch", "submit", "{\"jobs\":[],\"then\":{\"type\":\"noop\"}}", api);
            assertThat(refused.exit()).as("a 422").isEqualTo(2);
            assertThat(refused.err()).contains("jobs");
            assertThat(JobControlIT.cli("batch", "status", UUID.randomUUID().toString(), api).exit()).as("a 404").isEqualTo(1);
        }
    }

    /** Runs {@code jobs} noop jobs labelled {@code label} through POST /jobs/batch, and answers how long they took to succeed. */
    private static double runPlain(int jobs, String label) {
        long started = System.nanoTime();
        String thousand = "[" + String.join(",", Collections.nCopies(1000, "{\"type\":\"noop\",\"labels\":[\"" + label + "\"]}")) + "]";
        for (int sent = 0; sent < jobs; sent += 1000) {
            assertThat(conveyor.client().post("/jobs/batch", thousand).statusCode()).isEqualTo(202);
        }
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> conveyor.ledger().countJobs("state = 'SUCCEEDED' and conveyor_label_1 = '" + label + "'") == jobs);
        return (System.nanoTime() - started) / 1e9;
    }

    private record Batch(UUID id, List<UUID> members, UUID then) {
    }

    private static Batch submit(List<String> members, String then, String thenWhen) {
        String body = "{\"jobs\":[" + String.join(",", members) + "],\"then\":" + then + (thenWhen == null ? "" : ",\"thenWhen\":\"" + thenWhen + "\"") + "}";
        HttpResponse<String> response = conveyor.client().post("/batches", body);
        assertThat(response.statusCode()).as("POST /batches: %s", response.body()).isEqualTo(202);
        JsonNode accepted = json(response.body());
        List<UUID> ids = new ArrayList<>();
        accepted.get("jobs").forEach(id -> ids.add(UUID.fromString(id.asText())));
        return new Batch(UUID.fromString(accepted.get("id").asText()), ids, UUID.fromString(accepted.get("then").asText()));
    }
}
