package io.conveyor.app;

import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.common.DatabaseSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API starts while its PostgreSQL is not there yet: it accepts jobs (Kafka only) and answers reads with 503; once
 * PostgreSQL starts on the configured port, the same API process serves reads and the dashboard, and the job accepted
 * before runs. The server is this test's own (embedded, on a port nothing listened on when the API started).
 */
class ApiWithoutLedgerIT {

    @Test
    void theApiAcceptsJobsBeforeItsLedgerExistsAndServesReadsAndTheDashboardOnceItDoes() throws Exception {
        int port = freePort();
        DatabaseSettings database = new DatabaseSettings("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
        Path dataDir = Files.createTempDirectory("conveyor-late-pg");
        EmbeddedPostgresServer postgres = null;
        try (ConveyorUnderTest conveyor = ConveyorUnderTest.start("late-ledger", database)) {
            UUID early = conveyor.client.submit("{\"type\":\"noop\"}");
            assertThat(conveyor.client.get("/jobs/" + early).statusCode()).as("GET /jobs/{id} without a ledger").isEqualTo(503);
            assertThat(conveyor.client.get("/jobs").statusCode()).as("GET /jobs without a ledger").isEqualTo(503);
            assertThat(conveyor.client.get("/jobs/" + early).headers().firstValue("Retry-After")).hasValue("1");
            assertThat(conveyor.client.get("/health/ready").statusCode()).isEqualTo(503);

            postgres = EmbeddedPostgresServer.start(dataDir, port);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(conveyor.client.get("/jobs/" + early).statusCode()).as("GET /jobs/{id} once the ledger is there").isEqualTo(200));
            assertThat(conveyor.client.job(early).get("state").asText()).isEqualTo("ACCEPTED");
            assertThat(conveyor.client.get("/jobs").statusCode()).isEqualTo(200);
            assertThat(conveyor.client.getDashboard("/api/jobs?state=ENQUEUED&offset=0&limit=10&order=updatedAt:ASC").statusCode()).isEqualTo(200);

            try (WorkerJvm worker = WorkerJvm.start("late-ledger", "late-ledger-worker", conveyor.workerEnv(Map.of()))) {
                conveyor.awaitRegistered(worker);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(conveyor.client.job(early).get("state").asText()).isEqualTo("SUCCEEDED"));
                assertThat(conveyor.client.dashboardJob(early).get("jobName").asText()).isEqualTo("noop");
                assertThat(conveyor.client.get("/health/ready").statusCode()).isEqualTo(200);
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
