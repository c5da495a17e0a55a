package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Job control on the real stack (Kafka, PostgreSQL, a worker JVM): {@code GET /jobs} and {@code POST /jobs/{id}/cancel}.
 * <p>
 * The worker's JobRunr poll (and so its heartbeat of running jobs, which would notice a deleted job too) is 30 minutes
 * away: a running job that stops within the test's bounds was stopped by the cancel signal, not by JobRunr.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobControlIT {

    private static final Duration POLL = Duration.ofMinutes(30);
    private static final Duration ENDS = Duration.ofSeconds(60);
    /** Cancel-to-stopped per type, printed at the end. */
    private static final Map<String, Long> STOPPED_MILLIS = new ConcurrentHashMap<>();

    private static Path dataDir;
    // One job at a time on each lane: a job waiting behind the running one starts exactly when the running one's
    // thread is free, which is how "stopped" is seen from outside the worker.
    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("jobcontrol").withWorker("jobcontrol-worker", () -> {
        dataDir = Files.createDirectories(Path.of("target", "it-data", "job-control-" + UUID.randomUUID().toString().substring(0, 8))).toAbsolutePath();
        writeData();
        return Map.of(
                WorkerSettings.JOB_THREADS, "1",
                WorkerSettings.WAITING_JOBS, "1",
                WorkerSettings.DATA_DIR, dataDir.toString(),
                WorkerSettings.POLL_INTERVAL_SECONDS, Long.toString(POLL.toSeconds()),
                WorkerSettings.HANG_TIMEOUT_SECONDS, Long.toString(2 * POLL.toSeconds()));
    });

    @AfterAll
    static void stop() {
        STOPPED_MILLIS.forEach((type, millis) -> System.out.printf("[benchmark] cancel-to-stopped %s: %d ms%n", type, millis));
        try {
            Files.deleteIfExists(dataDir.resolve("huge").resolve("zeros.bin"));
        } catch (IOException e) {
            System.err.println("could not delete the sparse test file: " + e);
        }
    }

    /**
     * About 200 MB of text in 4 files, written from one repeated block (cheap), for the file-reading types; and for
     * hash-files, which reads far faster, a sparse file of 16 GiB (zeros that take no disk).
     */
    private static void writeData() throws IOException {
        try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(Files.createDirectories(dataDir.resolve("huge")).resolve("zeros.bin").toFile(), "rw")) {
            sparse.setLength(16L << 30);
        }
        Path big = Files.createDirectories(dataDir.resolve("big"));
        StringBuilder block = new StringBuilder();
        for (int i = 0; block.length() < 1 << 16; i++) {
            block.append("the quick brown fox ").append(i % 97).append(" jumps over the lazy dog TODO later\n");
        }
        byte[] bytes = block.toString().getBytes(StandardCharsets.UTF_8);
        for (int file = 0; file < 4; file++) {
            try (OutputStream out = Files.newOutputStream(big.resolve("part-" + file + ".txt"))) {
                for (int i = 0; i < 50 * 16; i++) {
                    out.write(bytes);
                }
            }
        }
    }

    @Test
    @Order(1)
    void listPagesNewestFirstWithFiltersAndACursorThatNeitherSkipsNorRepeatsWhileJobsArrive() {
        List<UUID> labelled = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            labelled.add(conveyor.client().submit("{\"type\":\"noop\",\"labels\":[\"list-test\",\"n" + (i % 2) + "\"]}"));
        }
        UUID failing = conveyor.client().submit("{\"type\":\"fail\",\"maxAttempts\":1,\"labels\":[\"list-test\"]}");
        labelled.forEach(id -> conveyor.awaitState(id, "SUCCEEDED", ENDS));
        conveyor.awaitState(failing, "FAILED", ENDS);

        // Paging by 4 through the label's 26 jobs, while more jobs of the label arrive between pages.
        List<String> seen = new ArrayList<>();
        List<UUID> arrivedMeanwhile = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = list("label=list-test&limit=4" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("jobs").forEach(job -> seen.add(job.get("id").asText()));
            assertThat(page.get("jobs").size()).isLessThanOrEqualTo(4);
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
            UUID newcomer = conveyor.client().submit("{\"type\":\"noop\",\"labels\":[\"list-test\"]}");
            arrivedMeanwhile.add(newcomer);
            conveyor.awaitState(newcomer, "SUCCEEDED", ENDS);
        } while (cursor != null);

        Set<String> expected = new HashSet<>();
        labelled.forEach(id -> expected.add(id.toString()));
        expected.add(failing.toString());
        assertThat(seen).as("every job of the label once, none that arrived while paging").doesNotHaveDuplicates().hasSameElementsAs(expected);
        // Newest first: the order in which workers wrote them to the ledger, as one page of all of them shows it.
        List<String> all = new ArrayList<>();
        List<Instant> created = new ArrayList<>();
        list("label=list-test&limit=500").get("jobs").forEach(job -> {
            if (expected.contains(job.get("id").asText())) {
                all.add(job.get("id").asText());
                created.add(Instant.parse(job.get("createdAt").asText()));
            }
        });
        assertThat(seen).isEqualTo(all);
        assertThat(created).isSortedAccordingTo(java.util.Comparator.reverseOrder());

        // Filters combine: state and label, type and label.
        JsonNode failed = list("state=FAILED&label=list-test");
        assertThat(failed.get("jobs")).hasSize(1);
        assertThat(failed.get("jobs").get(0).get("id").asText()).isEqualTo(failing.toString());
        assertThat(failed.get("jobs").get(0).get("error").asText()).isNotBlank();
        assertThat(list("type=noop&label=n1&limit=500").get("jobs")).hasSize(12);
        assertThat(list("type=fail&state=SUCCEEDED&label=list-test").get("jobs")).isEmpty();
        JsonNode newest = list("limit=1");
        assertThat(newest.get("jobs").get(0).get("id").asText()).isEqualTo(arrivedMeanwhile.getLast().toString());
        assertThat(newest.get("next").isNull()).isFalse();

        assertProblem(conveyor.client().get("/jobs?limit=0"), 400, "limit");
        assertProblem(conveyor.client().get("/jobs?limit=501"), 400, "limit");
        assertProblem(conveyor.client().get("/jobs?state=ACCEPTED"), 400, "state");
        assertProblem(conveyor.client().get("/jobs?cursor=nonsense"), 400, "cursor");
    }

    @ParameterizedTest(name = "{0}")
    @Order(2)
    @CsvSource(delimiter = '|', value = {
            "sleep      | {\"millis\":600000}",
            "primes     | {\"from\":0,\"to\":1000000000}",
            "hash-files | {\"dir\":\"huge\"}",
            "word-count | {\"dir\":\"big\"}",
            "search     | {\"dir\":\"big\",\"regex\":\"(fox)+ [0-9]+ j\"}",
            "sort       | {\"count\":7000000,\"seed\":3,\"output\":\"sorted.txt\"}"})
    void aRunningJobOfEachBuiltInTypeIsStoppedAtOnceAndEndsDeletedAsCancelled(String type, String payload) {
        UUID running = conveyor.client().submit("{\"type\":\"" + type + "\",\"payload\":" + payload + "}");
        conveyor.awaitState(running, "PROCESSING", ENDS);
        // Waits for the lane's only place: it starts when the cancelled job's thread is free.
        boolean waits = type.equals("sleep");
        UUID next = conveyor.client().submit(waits ? "{\"type\":\"sleep\",\"payload\":{\"millis\":0}}" : "{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":10}}");
        conveyor.awaitState(next, "ENQUEUED", ENDS);

        Instant cancelled = Instant.now();
        HttpResponse<String> answer = conveyor.client().post("/jobs/" + running + "/cancel", "");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode view = ConveyorClient.json(answer.body());
        assertThat(view.get("state").asText()).isEqualTo("DELETED");

        JsonNode after = conveyor.awaitState(next, "SUCCEEDED", ENDS);
        Instant nextStarted = Instant.parse(history(after).stream().filter(e -> e.get("state").asText().equals("PROCESSING")).findFirst().orElseThrow().get("at").asText());
        STOPPED_MILLIS.put(type, Duration.between(cancelled, nextStarted).toMillis());

        JsonNode job = conveyor.client().job(running);
        assertThat(job.get("state").asText()).isEqualTo("DELETED");
        assertThat(history(job).getLast().get("message").asText()).isEqualTo("cancelled");
        assertThat(count(job, "FAILED")).as("the interrupted run is not recorded as a failure").isZero();
        assertThat(count(job, "SUCCEEDED")).isZero();

        // Cancelling twice answers as once; a job that ended is a conflict.
        HttpResponse<String> again = conveyor.client().post("/jobs/" + running + "/cancel", "");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(ConveyorClient.json(again.body()).get("state").asText()).isEqualTo("DELETED");
        assertProblem(conveyor.client().post("/jobs/" + next + "/cancel", ""), 409, null);
    }

    @Test
    @Order(3)
    void aJobCancelledBeforeItRunsNeverStarts() {
        // The lane's only place is taken, so the second job waits ENQUEUED; the third is cancelled while still in Kafka
        // or just written (whichever the race gives), and never starts either way.
        UUID blocker = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":600000}}");
        conveyor.awaitState(blocker, "PROCESSING", ENDS);
        UUID waiting = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":0}}");
        conveyor.awaitState(waiting, "ENQUEUED", ENDS);
        assertThat(conveyor.client().post("/jobs/" + waiting + "/cancel", "").statusCode()).isEqualTo(200);

        UUID accepted = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":0}}");
        HttpResponse<String> early = conveyor.client().post("/jobs/" + accepted + "/cancel", "");
        assertThat(early.statusCode()).as(early.body()).isEqualTo(200);

        assertThat(conveyor.client().post("/jobs/" + blocker + "/cancel", "").statusCode()).isEqualTo(200);
        UUID after = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":0}}");
        conveyor.awaitState(after, "SUCCEEDED", ENDS); // the lane is free and the cancelled ones were behind it

        for (UUID id : List.of(waiting, accepted)) {
            JsonNode job = conveyor.client().job(id);
            assertThat(job.get("state").asText()).isEqualTo("DELETED");
            assertThat(count(job, "PROCESSING")).as("runs of cancelled job " + id).isZero();
        }
        assertProblem(conveyor.client().post("/jobs/" + UUID.randomUUID() + "/cancel", ""), 404, null);
    }

    @Test
    @Order(4)
    void aCancelRacingTheJobsSuccessLetsExactlyOneWin() {
        Set<String> outcomes = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            UUID id = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":" + (i % 4) * 20 + "}}");
            await().atMost(ENDS).pollInterval(Duration.ofMillis(20)).until(() -> conveyor.client().job(id).get("state").asText(), s -> Set.of("PROCESSING", "SUCCEEDED").contains(s));
            HttpResponse<String> answer = conveyor.client().post("/jobs/" + id + "/cancel", "");
            JsonNode job = await().atMost(ENDS).until(() -> conveyor.client().job(id), j -> Set.of("SUCCEEDED", "DELETED").contains(j.get("state").asText()));
            String state = job.get("state").asText();
            outcomes.add(state);
            if (answer.statusCode() == 200) {
                assertThat(state).isEqualTo("DELETED");
                assertThat(count(job, "SUCCEEDED")).isZero();
            } else {
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(409);
                assertThat(state).isEqualTo("SUCCEEDED");
                assertThat(count(job, "DELETED")).isZero();
            }
            // Whoever won, the job stays so: nothing saved over it later.
            JsonNode settled = conveyor.client().job(id);
            assertThat(settled.get("state").asText()).isEqualTo(state);
        }
        System.out.println("[job-control] cancel against success, outcomes seen: " + outcomes);
    }

    @Test
    @Order(5)
    void aFailedJobRetriedByHandRunsAgainWithAFreshBudgetAndItsHistoryKept() {
        UUID id = conveyor.client().submit("{\"type\":\"fail\",\"payload\":{\"n\":1000},\"maxAttempts\":2,\"backoff\":{\"baseMillis\":10,\"maxMillis\":10}}");
        conveyor.awaitState(id, "FAILED", ENDS);
        assertThat(conveyor.client().job(id).get("attempts").asInt()).isEqualTo(2);

        HttpResponse<String> answer = conveyor.client().post("/jobs/" + id + "/retry", "");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(ConveyorClient.json(answer.body()).get("state").asText()).isEqualTo("ENQUEUED");

        JsonNode job = await().atMost(ENDS).until(() -> conveyor.client().job(id), j -> count(j, "PROCESSING") == 4 && j.get("state").asText().equals("FAILED"));
        assertThat(job.get("attempts").asInt()).as("attempts of the fresh budget").isEqualTo(2);
        assertThat(job.get("maxAttempts").asInt()).isEqualTo(2);
        assertThat(history(job)).anySatisfy(entry -> assertThat(entry.path("message").asText()).isEqualTo("retried by hand"));

        UUID succeeded = conveyor.client().submit("{\"type\":\"noop\"}");
        conveyor.awaitState(succeeded, "SUCCEEDED", ENDS);
        assertProblem(conveyor.client().post("/jobs/" + succeeded + "/retry", ""), 409, null);
        assertProblem(conveyor.client().post("/jobs/" + UUID.randomUUID() + "/retry", ""), 404, null);
    }

    @Test
    @Order(6)
    void aCancelledJobRetriedRunsToTheEnd() {
        UUID id = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":600000}}");
        conveyor.awaitState(id, "PROCESSING", ENDS);
        assertThat(conveyor.client().post("/jobs/" + id + "/cancel", "").statusCode()).isEqualTo(200);
        conveyor.awaitState(id, "DELETED", ENDS);
        // A retry of the same job on the same worker just after its cancel is not stopped by that cancel.
        UUID quick = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":0}}");
        conveyor.awaitState(quick, "SUCCEEDED", ENDS);
        assertThat(conveyor.client().post("/jobs/" + id + "/cancel", "").statusCode()).isEqualTo(200);
        assertThat(conveyor.client().post("/jobs/" + id + "/retry", "").statusCode()).isEqualTo(200);
        JsonNode job = conveyor.awaitState(id, "PROCESSING", ENDS);
        assertThat(conveyor.client().post("/jobs/" + id + "/cancel", "").statusCode()).isEqualTo(200);
        job = conveyor.awaitState(id, "DELETED", ENDS);
        assertThat(count(job, "PROCESSING")).isEqualTo(2);
        assertThat(count(job, "DELETED")).isEqualTo(2);
    }

    @Test
    @Order(7)
    void bulkRetryRunsEveryMatchingFailedJobAgainAndSaysHowMany() {
        List<UUID> failed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            failed.add(conveyor.client().submit("{\"type\":\"fail\",\"maxAttempts\":1,\"labels\":[\"bulk\"]}"));
        }
        UUID other = conveyor.client().submit("{\"type\":\"fail\",\"maxAttempts\":1,\"labels\":[\"not-bulk\"]}");
        failed.forEach(id -> conveyor.awaitState(id, "FAILED", ENDS));
        conveyor.awaitState(other, "FAILED", ENDS);

        HttpResponse<String> answer = conveyor.client().post("/jobs/retry?state=FAILED&type=fail&label=bulk", "");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(ConveyorClient.json(answer.body()).get("retried").asInt()).isEqualTo(3);
        failed.forEach(id -> await().atMost(ENDS).until(() -> conveyor.client().job(id), j -> count(j, "PROCESSING") == 2 && j.get("state").asText().equals("FAILED")));
        assertThat(count(conveyor.client().job(other), "PROCESSING")).isEqualTo(1);
        assertProblem(conveyor.client().post("/jobs/retry?state=SUCCEEDED", ""), 400, "state");
    }

    @Test
    @Order(8)
    void oneHundredConcurrentSubmitsWithOneIdempotencyKeyThroughTwoApiInstancesMakeOneJob() throws Exception {
        // A second API instance of the same deployment: the same secret, Kafka and ledger, nothing shared in memory.
        try (ApiApplication second = ApiApplication.start(new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT,
                ApiSettings.BATCH_LIMIT_DEFAULT, Duration.ofSeconds(5), "test-secret-jobcontrol-0123456789"), conveyor.kafka(), conveyor.database())) {
            String label = "idem-" + UUID.randomUUID().toString().substring(0, 8);
            String key = "order-" + UUID.randomUUID();
            String body = "{\"type\":\"noop\",\"labels\":[\"" + label + "\"]}";
            ConveyorClient secondClient = new ConveyorClient(second.port(), second.dashboardPort());
            List<ConveyorClient> instances = List.of(conveyor.client(), secondClient);
            List<java.util.concurrent.Future<HttpResponse<String>>> answers = new ArrayList<>();
            try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 100; i++) {
                    ConveyorClient instance = instances.get(i % 2);
                    answers.add(threads.submit(() -> instance.post("/jobs", body, key)));
                }
            }
            Set<String> ids = new HashSet<>();
            for (var answer : answers) {
                HttpResponse<String> response = answer.get();
                assertThat(response.statusCode()).as(response.body()).isIn(200, 202);
                ids.add(ConveyorClient.json(response.body()).get("id").asText());
            }
            assertThat(ids).as("one id for one key, from both instances").hasSize(1);
            UUID id = UUID.fromString(ids.iterator().next());
            JsonNode job = conveyor.awaitState(id, "SUCCEEDED", ENDS);
            assertThat(count(job, "PROCESSING")).isEqualTo(1);

            // After the first is in the ledger: a repeat answers it; another submission under the key is refused.
            HttpResponse<String> repeat = secondClient.post("/jobs", body, key);
            assertThat(repeat.statusCode()).isEqualTo(200);
            assertThat(ConveyorClient.json(repeat.body()).get("state").asText()).isEqualTo("SUCCEEDED");
            HttpResponse<String> other = conveyor.client().post("/jobs", "{\"type\":\"noop\",\"payload\":{\"x\":1},\"labels\":[\"" + label + "\"]}", key);
            assertProblem(other, 422, "payload");
            HttpResponse<String> batch = secondClient.post("/jobs/batch",
                    "[{\"type\":\"noop\",\"labels\":[\"" + label + "\"],\"key\":\"" + key + "\"}]", null);
            assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
            assertThat(ConveyorClient.json(batch.body()).get("ids").get(0).asText()).isEqualTo(id.toString());

            // Every answer's job is the one job of the label in the ledger.
            JsonNode listed = list("label=" + label);
            assertThat(listed.get("jobs")).hasSize(1);
        }
    }

    @Test
    @Order(9)
    void jobsSubmittedForLaterAreScheduledAndStartOnTimeAndOnesDueAlreadyAtOnce() {
        Instant base = Instant.now().plusSeconds(4);
        Map<UUID, Instant> due = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            Instant at = base.plusMillis(150L * i);
            due.put(conveyor.client().submit("{\"type\":\"noop\",\"runAt\":\"" + at + "\"}"), at);
        }
        Instant delayedFrom = Instant.now();
        UUID delayed = conveyor.client().submit("{\"type\":\"noop\",\"delayMillis\":3000}");
        UUID past = conveyor.client().submit("{\"type\":\"noop\",\"runAt\":\"2020-01-01T00:00:00+02:00\"}");
        UUID first = due.keySet().iterator().next();
        JsonNode scheduled = conveyor.awaitState(first, "SCHEDULED", ENDS);
        assertThat(history(scheduled).getFirst().get("message").asText()).isEqualTo("submitted for later");
        conveyor.awaitState(past, "SUCCEEDED", ENDS);

        // JobRunr's own poll of scheduled jobs is 30 minutes away: only Conveyor's timers can start these in time.
        List<Long> lateness = new ArrayList<>();
        for (Map.Entry<UUID, Instant> job : due.entrySet()) {
            Instant started = processingAt(conveyor.awaitState(job.getKey(), "SUCCEEDED", ENDS));
            assertThat(started).as("started no earlier than asked").isAfterOrEqualTo(job.getValue());
            lateness.add(Duration.between(job.getValue(), started).toMillis());
        }
        Instant delayedStart = processingAt(conveyor.awaitState(delayed, "SUCCEEDED", ENDS));
        assertThat(Duration.between(delayedFrom, delayedStart)).isGreaterThanOrEqualTo(Duration.ofMillis(3000));
        lateness.sort(null);
        System.out.printf("[benchmark] scheduled-job lateness over %d jobs: p50 %d ms, p95 %d ms, max %d ms%n", lateness.size(),
                lateness.get(lateness.size() / 2), lateness.get((int) Math.ceil(lateness.size() * 0.95) - 1), lateness.getLast());

        assertProblem(conveyor.client().post("/jobs", "{\"type\":\"noop\",\"runAt\":\"tomorrow\"}"), 422, "runAt");
        assertProblem(conveyor.client().post("/jobs", "{\"type\":\"noop\",\"runAt\":\"2030-01-01T00:00:00Z\",\"delayMillis\":5}"), 422, "delayMillis");
        assertProblem(conveyor.client().post("/jobs", "{\"type\":\"noop\",\"delayMillis\":-1}"), 422, "delayMillis");
    }

    private static Instant processingAt(JsonNode job) {
        return Instant.parse(history(job).stream().filter(e -> e.get("state").asText().equals("PROCESSING")).findFirst().orElseThrow().get("at").asText());
    }

    /**
     * JobRunr's master enqueues, at each poll and 1 s after it becomes master, every job due before its next poll (here
     * within 30 minutes): without Conveyor's own query of scheduled jobs, this job started about 10 s early, as the new
     * worker became master, and nobody told the claim it was there.
     */
    @Test
    @Order(11)
    void aJobForLaterDoesNotStartEarlyWhenANewWorkerBecomesMaster() {
        Instant at = Instant.now().plusSeconds(15);
        UUID later = conveyor.client().submit("{\"type\":\"noop\",\"runAt\":\"" + at + "\"}");
        conveyor.awaitState(later, "SCHEDULED", ENDS);
        conveyor.replaceWorker("jobcontrol-worker-2");
        Instant started = processingAt(conveyor.awaitState(later, "SUCCEEDED", ENDS));
        assertThat(started).as("started no earlier than asked").isAfterOrEqualTo(at);
    }

    @Test
    @Order(10)
    void theTerminalCommandsSayHowTheJobEndedInTheirExitCode() {
        String api = "--api=http://127.0.0.1:" + conveyor.get().api.port();
        Cli ok = cli("submit", "noop", "--wait", api);
        assertThat(ok.exit).as(ok.err).isZero();
        assertThat(ok.out).contains("SUCCEEDED");
        Cli failed = cli("submit", "fail", "--payload", "{\"n\":1000}", "--max-attempts", "1", "--wait", api);
        assertThat(failed.exit).as(failed.err).isEqualTo(1);
        assertThat(failed.out).contains("FAILED").contains("fails on purpose");

        Cli submitted = cli("submit", "sleep", "--payload", "{\"millis\":600000}", "--json", api);
        assertThat(submitted.exit).as(submitted.err).isZero();
        String id = ConveyorClient.json(submitted.out).get("id").asText();
        conveyor.awaitState(UUID.fromString(id), "PROCESSING", ENDS);
        assertThat(cli("status", id, api).exit).isZero();
        Cli listed = cli("list", "--state", "PROCESSING", "--json", api);
        assertThat(ConveyorClient.json(listed.out).get("jobs").get(0).get("id").asText()).isEqualTo(id);
        assertThat(cli("cancel", id, api).exit).isZero();
        Cli watched = cli("watch", id, api);
        assertThat(watched.exit).as("watch of a cancelled job").isEqualTo(1);
        assertThat(watched.out).contains("DELETED").contains("cancelled");
        assertThat(cli("status", id, api).exit).isEqualTo(1);

        Cli again = cli("cancel", id, api);
        assertThat(again.exit).isZero();
        Cli conflict = cli("retry", UUID.randomUUID().toString(), api);
        assertThat(conflict.exit).isEqualTo(1);
        assertThat(conflict.err).contains("no job has the id").doesNotContain("Exception");
        Cli badPayload = cli("submit", "noop", "--payload", "{not json", api);
        assertThat(badPayload.exit).isEqualTo(2);
        Cli refused = cli("submit", "noop", "--payload", "[1]", api);
        assertThat(refused.exit).as("a 422").isEqualTo(2);
        assertThat(refused.err).contains("payload");
        assertThat(cli("submit", api).exit).as("no type").isEqualTo(2);
        Cli unreachable = cli("status", id, "--api=http://127.0.0.1:1");
        assertThat(unreachable.exit).isEqualTo(3);
        assertThat(unreachable.err).contains("cannot reach");
    }

    record Cli(int exit, String out, String err) {
    }

    static Cli cli(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine commandLine = ConveyorCommand.commandLine(new ConveyorCommand());
        commandLine.setOut(new java.io.PrintWriter(out, true));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        int exit = commandLine.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    private static JsonNode list(String query) {
        HttpResponse<String> response = conveyor.client().get("/jobs?" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return ConveyorClient.json(response.body());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String field) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = ConveyorClient.json(response.body());
        assertThat(problem.get("detail").asText()).isNotBlank();
        if (field != null) {
            assertThat(problem.get("field").asText()).isEqualTo(field);
        }
    }
}
