package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ApiJvm;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.WorkerJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.conveyor.app.testing.ConveyorClient.json;
import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An API in a JVM of its own killed (-9) while it submits a batch, as soon as the batch's first members reach the
 * ledger, then started again. Whatever the kill cut short, the ledger never holds a completion job whose batch lacks
 * members (the API sends {@code then} only once Kafka acknowledged every member): the batch the client got a 202 for
 * (the first one, if the kill came after its answer, else the client's resubmission) completes, and every completion
 * job in the ledger ran exactly once. Members of a submission cut short run without a completion job.
 */
class BatchApiRestartIT {

    private static final String NAME = "batch-restart";
    /** Enough noop members that sending them takes a while, few enough that the workers run them in a minute or two. */
    private static final int MEMBERS = 20_000;

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named(NAME);

    @Test
    void anApiKilledDuringABatchSubmissionNeverLeavesACompletionJobWithoutItsMembers() throws Exception {
        Map<String, String> apiEnv = new HashMap<>(conveyor.kafka().asEnvironment());
        apiEnv.putAll(conveyor.database().asEnvironment());
        apiEnv.put(ApiSettings.ID_SECRET, "batch-restart-test-secret-0123456789");
        TestDatabase ledger = conveyor.ledger();
        String body = "{\"jobs\":[" + String.join(",", Collections.nCopies(MEMBERS, "{\"type\":\"noop\"}")) + "],\"then\":{\"type\":\"batch-summary\"}}";
        try (WorkerJvm worker = WorkerJvm.start(NAME, NAME + "-worker", conveyor.workerEnv(Map.of()));
             ApiJvm api = ApiJvm.start("api-" + NAME, Path.of("target", "it-logs", NAME), apiEnv)) {
            conveyor.awaitRegistered(worker);
            ConveyorClient client = api.client(Duration.ofMinutes(2));

            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> client.post("/batches", body));
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> first.isDone() || ledger.countJobs("conveyor_batch is not null") > 0);
            api.kill();
            long membersAtKill = ledger.countJobs("conveyor_batch is not null");
            HttpResponse<String> firstAnswer = answer(first);
            api.restart();

            UUID accepted;
            if (firstAnswer != null && firstAnswer.statusCode() == 202) {
                accepted = UUID.fromString(json(firstAnswer.body()).get("then").asText());
            } else {
                HttpResponse<String> again = client.post("/batches", body);
                assertThat(again.statusCode()).as("the resubmission: %s", again.body()).isEqualTo(202);
                accepted = UUID.fromString(json(again.body()).get("then").asText());
            }
            JsonNode then = conveyor.awaitState(accepted, "SUCCEEDED", Duration.ofMinutes(5));
            assertThat(then.get("result").get("members").asInt()).isEqualTo(MEMBERS);
            assertThat(then.get("result").get("states").get("SUCCEEDED").asInt()).isEqualTo(MEMBERS);

            // Every completion job in the ledger (the killed submission's too, if the kill came after Kafka had it)
            // belongs to a batch whose members are all there, and ran exactly once.
            List<UUID> completions = completionJobs(ledger);
            assertThat(completions).contains(accepted);
            for (UUID completion : completions) {
                JsonNode ran = conveyor.awaitState(completion, "SUCCEEDED", Duration.ofMinutes(5));
                assertThat(count(ran, "PROCESSING")).as("completion job %s ran once", completion).isEqualTo(1);
                assertThat(ran.get("result").get("members").asInt()).as("the batch of completion job %s is whole", completion).isEqualTo(MEMBERS);
            }
            System.out.printf("[batch-restart] API killed with %d members in the ledger; its answer: %s; completion jobs in the ledger: %d%n",
                    membersAtKill, firstAnswer == null ? "none (killed first)" : firstAnswer.statusCode(), completions.size());
        }
    }

    /** The answer of a request the kill may have cut short; null if it got none. */
    private static HttpResponse<String> answer(CompletableFuture<HttpResponse<String>> request) {
        try {
            return request.join();
        } catch (CompletionException brokenByTheKill) {
            return null;
        }
    }

    private static List<UUID> completionJobs(TestDatabase ledger) throws Exception {
        List<UUID> ids = new ArrayList<>();
        try (Connection connection = ledger.connect();
             Statement select = connection.createStatement();
             ResultSet rows = select.executeQuery("select id from jobrunr_jobs where conveyor_completes is not null")) {
            while (rows.next()) {
                ids.add(UUID.fromString(rows.getString(1).trim()));
            }
        }
        return ids;
    }
}
