package io.conveyor.app;

import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerFleet;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker whose job server JobRunr stopped by itself and which cannot start it again although the database answers
 * is not left alive and idle: readiness says so (ledger up, job server down), and after its keeper's tries the process
 * exits with the distinct code 4 and its supervisor starts a new worker that runs jobs.
 *
 * <p>Provoked for real, without hooks: JobRunr's servers table renamed away makes the next heartbeat fail (JobRunr's
 * zookeeper stops the server, as in a database outage), and its jobs table renamed away makes every restart fail
 * (the restart first hands back what the ledger shows running here), while the liveness lock's connection, and so the
 * worker's view that the database answers, stays up. The tables are put back once the worker has given up.
 */
class JobServerLostIT {

    private static final String NAME = "server-lost";
    private static final Path LOG = Path.of("target", "it-logs", NAME, "worker-1.log");
    private static final String GAVE_UP = "exits with code 4: its job server could not be started again";

    @Test
    void aWorkerThatCannotStartItsJobServerAgainIsNotReadyThenExitsWithCode4AndIsReplaced() throws Exception {
        Files.deleteIfExists(LOG); // appended to: a former run's lines must not count
        int health = freePort();
        try (ConveyorUnderTest conveyor = ConveyorUnderTest.start(NAME);
             WorkerFleet fleet = WorkerFleet.start(NAME, 1, conveyor.kafka, conveyor.database, Map.of(
                     WorkerSettings.NAME, NAME, WorkerSettings.JOB_THREADS, "2", WorkerSettings.METRICS_PORT, Integer.toString(health)))) {
            String worker = NAME + "-1";
            await().atMost(ConveyorUnderTest.WORKER_START).untilAsserted(() -> {
                assertThat(conveyor.registeredWorkers()).contains(worker);
                assertThat(conveyor.client.status(health, "/health/ready")).isEqualTo(200);
            });
            UUID before = conveyor.client.submit("{\"type\":\"noop\"}");
            conveyor.awaitState(before, "SUCCEEDED", Duration.ofSeconds(60));
            List<Long> pidsBefore = fleet.supervisor().pids();

            conveyor.ledger().execute("alter table jobrunr_backgroundjobservers rename to lost_backgroundjobservers");
            conveyor.ledger().execute("alter table jobrunr_jobs rename to lost_jobs");
            try {
                // The database answers, the job server does not run: not ready, and the body says which.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    HttpResponse<String> ready = readiness(health);
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(ready.body()).contains("\"ledger\":\"UP\"").contains("\"jobServer\":\"DOWN\"");
                });
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> Files.exists(LOG) && Files.readString(LOG).contains(GAVE_UP));
            } finally {
                conveyor.ledger().execute("alter table lost_jobs rename to jobrunr_jobs");
                conveyor.ledger().execute("alter table lost_backgroundjobservers rename to jobrunr_backgroundjobservers");
            }

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(fleet.supervisor().restarts()).as("restarts by the supervisor").isPositive();
                assertThat(fleet.supervisor().pids()).hasSize(1).doesNotContainAnyElementsOf(pidsBefore);
            });
            UUID after = conveyor.client.submit("{\"type\":\"noop\"}");
            assertThat(workersThatRan(conveyor.awaitState(after, "SUCCEEDED", ConveyorUnderTest.WORKER_START))).containsExactly(worker);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(conveyor.client.status(health, "/health/ready")).as("the new worker's readiness").isEqualTo(200));
        }
    }

    private static HttpResponse<String> readiness(int port) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
