package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Routing by capability and by queue, on real worker JVMs: a worker claims only jobs whose type it has a handler for
 * and whose queue it serves; a job no live worker can run waits (ENQUEUED, with the reason on {@code GET /jobs/{id}})
 * and is taken at once by a worker that can run it when one joins; the door refuses a type no worker ever announced.
 * JobRunr's poll is half an hour away, so within these bounds a job runs only if a worker claims it at once.
 */
class RoutingIT {

    private static final Path EXAMPLES_JAR = Path.of(System.getProperty("conveyor.examples.jar", "../examples/target/conveyor-examples.jar"));
    private static final Duration POLL = Duration.ofMinutes(30);
    private static final Duration JOBS_RUN = Duration.ofMinutes(2);
    private static final String LINE_COUNT = "{\"type\":\"line-count\",\"payload\":{\"dir\":\"src\"}}";
    private static final String LINE_COUNT_UNKNOWN = "{\"type\":\"line-count\",\"payload\":{\"dir\":\"src\"},\"allowUnknownType\":true}";
    private static final String PRIMES = "{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":1000}}";

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("routing");

    private static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(WorkerSettings.POLL_INTERVAL_SECONDS, Long.toString(POLL.toSeconds()),
                WorkerSettings.HANG_TIMEOUT_SECONDS, Long.toString(2 * POLL.toSeconds())));
        env.putAll(extra);
        return conveyor.workerEnv(env);
    }

    @Test
    void jobsOfATypeNoLiveWorkerRunsWaitForOneThatDoesAndWaitAgainWhenItDies() throws Exception {
        ConveyorClient client = conveyor.client();
        try (WorkerJvm plain1 = WorkerJvm.start("routing", "routing-plain-1", env(Map.of()));
             WorkerJvm plain2 = WorkerJvm.start("routing", "routing-plain-2", env(Map.of()))) {
            conveyor.awaitRegistered(plain1, plain2);

            HttpResponse<String> refused = client.post("/jobs", LINE_COUNT);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
            JsonNode problem = ConveyorClient.json(refused);
            assertThat(problem.get("field").asText()).isEqualTo("type");
            assertThat(problem.get("detail").asText()).contains("'line-count'", "allowUnknownType", "noop");

            List<UUID> waiting = submit(20, LINE_COUNT_UNKNOWN);
            awaitWaiting(waiting, "no live worker runs type 'line-count'");
            // The workers claim the oldest jobs of a lane first: a claim that took this later job of the same lane
            // would have taken the line-count jobs before it, had it been allowed to.
            conveyor.awaitState(client.submit(PRIMES), "SUCCEEDED", JOBS_RUN);
            for (UUID id : waiting) {
                JsonNode job = client.job(id);
                assertThat(job.get("state").asText()).as("job %s", job).isEqualTo("ENQUEUED");
                assertThat(job.get("attempts").asInt()).as("job %s", job).isZero();
            }

            WorkerJvm examples = WorkerJvm.start("routing", "routing-examples", env(Map.of("CONVEYOR_DATA_DIR", dataRoot().toString())),
                    List.of(EXAMPLES_JAR));
            try {
                for (UUID id : waiting) {
                    JsonNode job = conveyor.awaitState(id, "SUCCEEDED", ConveyorUnderTest.WORKER_START.plus(JOBS_RUN));
                    assertThat(ConveyorUnderTest.workersThatRan(job)).as("job %s", job).containsExactly("routing-examples");
                }
                JsonNode workers = ConveyorClient.json(client.get("/workers")).get("workers");
                assertThat(names(workers)).contains("routing-plain-1", "routing-plain-2", "routing-examples");
                for (JsonNode worker : workers) {
                    assertThat(strings(worker.get("types")).contains("line-count")).as("worker %s", worker)
                            .isEqualTo(worker.get("name").asText().equals("routing-examples"));
                    assertThat(strings(worker.get("queues"))).containsExactly("default");
                    assertThat(worker.get("threads").get("total").asInt()).isPositive();
                }
                assertThat(liveWorkersRunning("line-count")).isEqualTo(1);

                examples.kill();
                examples.process().waitFor();
                // Its lock is freed as soon as PostgreSQL's backend reads the closed connection (a moment after the process
                // is gone, longer on a busy machine): it is then no longer counted, whether or not a rescuer removed its row.
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(liveWorkersRunning("line-count")).isZero();
                    assertThat(names(ConveyorClient.json(client.get("/workers")).get("workers"))).doesNotContain("routing-examples");
                });

                List<UUID> again = submit(5, LINE_COUNT); // a type announced once passes the door without being allowed
                awaitWaiting(again, "no live worker runs type 'line-count'");
                conveyor.awaitState(client.submit(PRIMES), "SUCCEEDED", JOBS_RUN);
                for (UUID id : again) {
                    JsonNode job = client.job(id);
                    assertThat(job.get("state").asText()).as("job %s", job).isEqualTo("ENQUEUED");
                    assertThat(job.get("attempts").asInt()).as("job %s", job).isZero();
                }
            } finally {
                examples.close();
            }
        }
    }

    @Test
    void aWorkerServingOnlyReportsTakesEveryReportsJobAndNoOther() {
        ConveyorClient client = conveyor.client();
        try (WorkerJvm general = WorkerJvm.start("routing", "routing-default", env(Map.of()));
             WorkerJvm reports = WorkerJvm.start("routing", "routing-reports", env(Map.of(WorkerSettings.QUEUES, "reports")))) {
            conveyor.awaitRegistered(general, reports);

            List<UUID> nightly = submit(1, "{\"type\":\"noop\",\"queue\":\"nightly\",\"labels\":[\"night\"]}");
            awaitWaiting(nightly, "no live worker serves queue 'nightly'");
            assertTheDashboardAloneShowsTheQueueAsALabel(nightly.getFirst());

            List<UUID> defaults = new ArrayList<>();
            List<UUID> reportJobs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                defaults.add(client.submit("{\"type\":\"noop\"}"));
                if (i % 2 == 0) {
                    reportJobs.add(client.submit("{\"type\":\"noop\",\"queue\":\"reports\"}"));
                }
            }
            for (UUID id : defaults) {
                assertThat(ConveyorUnderTest.workersThatRan(conveyor.awaitState(id, "SUCCEEDED", JOBS_RUN))).containsExactly("routing-default");
            }
            for (UUID id : reportJobs) {
                assertThat(ConveyorUnderTest.workersThatRan(conveyor.awaitState(id, "SUCCEEDED", JOBS_RUN))).containsExactly("routing-reports");
            }
            JsonNode reportsWorker = StreamSupport.stream(ConveyorClient.json(client.get("/workers")).get("workers").spliterator(), false)
                    .filter(worker -> worker.get("name").asText().equals("routing-reports")).findFirst().orElseThrow();
            assertThat(strings(reportsWorker.get("queues"))).containsExactly("reports");
            List<String> listed = StreamSupport.stream(ConveyorClient.json(client.get("/jobs?queue=reports&limit=500")).get("jobs").spliterator(), false)
                    .map(job -> job.get("id").asText()).toList();
            assertThat(listed).containsExactlyInAnyOrderElementsOf(reportJobs.stream().map(UUID::toString).toList());

            java.io.StringWriter out = new java.io.StringWriter();
            picocli.CommandLine cli = new picocli.CommandLine(new ConveyorCommand());
            cli.setOut(new java.io.PrintWriter(out, true));
            assertThat(cli.execute("workers", "--api", "http://127.0.0.1:" + conveyor.get().api.port())).isZero();
            assertThat(out.toString()).containsPattern("routing-reports .* reports .*noop").containsPattern("(?m)^noop +[1-9]");
        }
    }

    /**
     * Each of three workers is stopped (SIGTERM) and replaced by a new JVM that also carries the examples jar while
     * jobs flow; the line-count jobs submitted before the first new worker joined wait for it, and none of them runs
     * on an old worker.
     */
    @Test
    void aRollingUpgradeThatBringsANewTypeLosesNothing() throws Exception {
        ConveyorClient client = conveyor.client();
        Path dataRoot = dataRoot();
        List<WorkerJvm> workers = new ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                workers.add(WorkerJvm.start("routing", "routing-old-" + i, env(Map.of("CONVEYOR_DATA_DIR", dataRoot.toString()))));
            }
            conveyor.awaitRegistered(workers.toArray(WorkerJvm[]::new));
            List<UUID> sleeps = new ArrayList<>();
            List<UUID> lineCounts = submit(20, LINE_COUNT_UNKNOWN);
            for (int i = 1; i <= 3; i++) {
                sleeps.addAll(client.submitBatch(java.util.Collections.nCopies(500, "{\"type\":\"sleep\",\"payload\":{\"millis\":20}}")));
                WorkerJvm old = workers.get(i - 1);
                old.terminate();
                assertThat(old.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("%s stopped", old.name()).isTrue();
                WorkerJvm upgraded = WorkerJvm.start("routing", "routing-new-" + i, env(Map.of("CONVEYOR_DATA_DIR", dataRoot.toString())),
                        List.of(EXAMPLES_JAR));
                workers.set(i - 1, upgraded);
                conveyor.awaitRegistered(upgraded);
            }
            sleeps.addAll(client.submitBatch(java.util.Collections.nCopies(500, "{\"type\":\"sleep\",\"payload\":{\"millis\":20}}")));

            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(conveyor.ledger().countInState(sleeps, "SUCCEEDED")).isEqualTo(sleeps.size()));
            for (UUID id : lineCounts) {
                JsonNode job = conveyor.awaitState(id, "SUCCEEDED", JOBS_RUN);
                assertThat(ConveyorUnderTest.workersThatRan(job)).as("job %s", job).allMatch(name -> name.startsWith("routing-new-"));
            }
        } finally {
            workers.forEach(WorkerJvm::close);
        }
    }

    @Test
    void withUnroutableAfterSetAJobNoLiveWorkerCanRunFailsWithTheReason() {
        try (WorkerJvm worker = WorkerJvm.start("routing", "routing-unroutable", env(Map.of(WorkerSettings.UNROUTABLE_AFTER, "1")))) {
            conveyor.awaitRegistered(worker);
            UUID nowhere = conveyor.client().submit("{\"type\":\"noop\",\"queue\":\"nowhere\",\"maxAttempts\":3}");
            UUID runs = conveyor.client().submit("{\"type\":\"noop\"}");

            JsonNode failed = conveyor.awaitState(nowhere, "FAILED", JOBS_RUN);
            assertThat(failed.get("error").asText()).contains("no live worker serves queue 'nowhere'", "CONVEYOR_UNROUTABLE_AFTER");
            assertThat(failed.get("attempts").asInt()).as("it never ran").isZero();
            assertThat(ConveyorUnderTest.count(failed, "FAILED")).as("not retried: %s", failed).isEqualTo(1);
            conveyor.awaitState(runs, "SUCCEEDED", JOBS_RUN);
        }
    }

    /** The dashboard's job page and list show the queue as a label; the API's views and label filter know the client's labels only. */
    private static void assertTheDashboardAloneShowsTheQueueAsALabel(UUID job) {
        ConveyorClient client = conveyor.client();
        assertThat(strings(client.dashboardJob(job).get("labels"))).as("the dashboard's job page").containsExactly("night", "queue: nightly");
        JsonNode enqueued = ConveyorClient.json(client.getDashboard("/api/jobs?state=ENQUEUED&offset=0&limit=100&order=updatedAt:DESC"));
        JsonNode listed = StreamSupport.stream(enqueued.get("items").spliterator(), false)
                .filter(item -> item.get("id").asText().equals(job.toString())).findFirst().orElseThrow();
        assertThat(strings(listed.get("labels"))).as("the dashboard's list of enqueued jobs").containsExactly("night", "queue: nightly");
        assertThat(strings(client.job(job).get("labels"))).as("GET /jobs/{id}").containsExactly("night");
        assertThat(ConveyorClient.json(client.get("/jobs?label=night")).get("jobs")).hasSize(1);
        assertThat(ConveyorClient.json(client.get("/jobs?label=queue%3A%20nightly")).get("jobs")).as("no such label in the ledger").isEmpty();
    }

    private static List<UUID> submit(int count, String job) {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(conveyor.client().submit(job));
        }
        return ids;
    }

    private static void awaitWaiting(List<UUID> jobs, String reason) {
        await().atMost(JOBS_RUN).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (UUID id : jobs) {
                JsonNode job = conveyor.client().job(id);
                assertThat(job.path("waiting").asText()).as("job %s", job).isEqualTo(reason);
            }
        });
    }

    private static int liveWorkersRunning(String type) {
        for (JsonNode entry : ConveyorClient.json(conveyor.client().get("/types")).get("types")) {
            if (entry.get("type").asText().equals(type)) {
                return entry.get("liveWorkers").asInt();
            }
        }
        throw new AssertionError("GET /types does not list " + type);
    }

    private static List<String> names(JsonNode workers) {
        return StreamSupport.stream(workers.spliterator(), false).map(worker -> worker.get("name").asText()).toList();
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static Path dataRoot() throws IOException {
        Path dataDir = Files.createDirectories(Path.of("target", "it-data", "routing-" + UUID.randomUUID().toString().substring(0, 8))).toAbsolutePath();
        Files.createDirectories(dataDir.resolve("src"));
        Files.writeString(dataDir.resolve("src/a.txt"), "1\n2\n3\n");
        return dataDir;
    }
}
