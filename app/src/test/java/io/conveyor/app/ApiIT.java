package io.conveyor.app;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Ledger;
import io.conveyor.common.Topics;
import io.conveyor.worker.run.JobLanes;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.process.WorkerProcess;
import io.conveyor.worker.run.HandlerRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jobrunr.jobs.mappers.JobMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.conveyor.app.testing.ConveyorClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The api role on a real Kafka broker and a real PostgreSQL, without workers: what a 202 promises, what GET answers
 * before a job reaches the ledger, what the dashboard shows of the ledger, and a 503 in time when Kafka is gone (never
 * there, or gone from under a connected API).
 */
class ApiIT {

    private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(5);
    /** For the tests in which Kafka is gone: short next to Kafka's own 60 s default, which it replaces. */
    private static final Duration SHORT_SUBMIT_TIMEOUT = Duration.ofMillis(1500);

    private static KafkaSettings kafka;
    private static DatabaseSettings database;
    private static ApiApplication api;
    private static ConveyorClient client;

    @BeforeAll
    static void startApi() {
        kafka = TestServices.newKafka("api");
        database = TestServices.newDatabase("api");
        api = ApiApplication.start(settings(SUBMIT_TIMEOUT), kafka, database);
        client = clientOf(api);
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void anAcceptedJobIsOnTheJobsTopicKeyedByItsId() {
        HttpResponse<String> response = client.post("/jobs",
                "{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":1000},\"maxAttempts\":2,\"labels\":[\"it\"]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        UUID id = UUID.fromString(json(response).get("id").asText());
        assertThat(response.headers().firstValue("Location")).hasValue("/jobs/" + id);

        JobSubmission onTopic = readJobsTopic(List.of(id.toString())).get(id.toString());
        assertThat(onTopic.id()).isEqualTo(id);
        assertThat(onTopic.type()).isEqualTo("primes");
        assertThat(onTopic.payload().path("to").asInt()).isEqualTo(1000);
        assertThat(onTopic.maxAttempts()).isEqualTo(2);
        assertThat(onTopic.labels()).containsExactly("it");
    }

    @Test
    void everyJobOfAnAcceptedBatchIsOnTheJobsTopic() {
        String batch = IntStream.range(0, 50).mapToObj(i -> "{\"type\":\"noop\",\"payload\":{\"i\":" + i + "}}")
                .collect(Collectors.joining(",", "[", "]"));

        HttpResponse<String> response = client.post("/jobs/batch", batch);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        List<String> ids = json(response).get("jobs").findValuesAsText("id");
        assertThat(ids).hasSize(50);
        Map<String, JobSubmission> onTopic = readJobsTopic(ids);
        assertThat(onTopic.get(ids.get(7)).payload().path("i").asInt()).isEqualTo(7);
    }

    @Test
    void aJobAcceptedButNotInTheLedgerYetIsAccepted() {
        // No worker runs in this test: the job stays on the topic, never reaching the ledger.
        UUID id = UUID.fromString(json(client.post("/jobs", "{\"type\":\"noop\"}")).get("id").asText());

        HttpResponse<String> response = client.get("/jobs/" + id);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("state").asText()).isEqualTo("ACCEPTED");
    }

    @Test
    void anIdNeverAcceptedIs404() {
        HttpResponse<String> response = client.get("/jobs/" + UUID.randomUUID());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    }

    @Test
    void theDashboardServesTheLedger() throws SQLException {
        // No worker runs in this test: the job is written to the ledger as a worker's intake writes it.
        JobSubmission job = new JobSubmission(UUID.randomUUID(), "noop", null, 1, List.of("dashboard"), Instant.now());
        try (Ledger ledger = Ledger.open(database, "api-it-intake", 2)) {
            assertThat(new LedgerWriter(ledger.dataSource(), new JobMapper(ledger.jsonMapper()), jobs -> { },
                    new JobLanes(new HandlerRegistry(WorkerProcess.BUILT_IN_HANDLERS), Map.of())).insertNew(List.of(job))).isEqualTo(1);
        }

        HttpResponse<String> response = client.getDashboard("/api/jobs?state=ENQUEUED&offset=0&limit=1000&order=updatedAt:ASC");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response).get("items")).as(response.body())
                .filteredOn(item -> item.get("id").asText().equals(job.id().toString())).singleElement()
                .satisfies(item -> assertThat(item.get("jobName").asText()).isEqualTo("noop"));
    }

    @Test
    void withKafkaGoneAPostAnswers503WithinTheSubmitTimeout() {
        KafkaSettings noBroker = new KafkaSettings("127.0.0.1:" + closedPort(), new Topics("it-gone-" + UUID.randomUUID().toString().substring(0, 8) + "."));
        try (ApiApplication cutOff = ApiApplication.start(settings(SHORT_SUBMIT_TIMEOUT), noBroker, TestServices.newDatabase("api-no-kafka"))) {
            assertAPostAnswers503InTime(cutOff);
        }
    }

    @Test
    void withKafkaGoneFromUnderAConnectedApiAPostAnswers503WithinTheSubmitTimeout(@TempDir Path kafkaData) {
        EmbeddedKafka broker = EmbeddedKafka.start(kafkaData);
        try {
            KafkaSettings ownBroker = new KafkaSettings(broker.bootstrapServers(), new Topics("it-going-"));
            KafkaTopics.ensureExist(ownBroker);
            try (ApiApplication connected = ApiApplication.start(settings(SHORT_SUBMIT_TIMEOUT), ownBroker, TestServices.newDatabase("api-kafka-going"))) {
                // Connected: the API has the broker's metadata and a connection to it (a busy broker may take a few tries).
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(clientOf(connected).post("/jobs", "{\"type\":\"noop\"}").statusCode()).isEqualTo(202));

                broker.close();
                broker = null;

                assertAPostAnswers503InTime(connected);
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /**
     * A POST answers a 503 problem, in a time bounded by the submit timeout (1.5 s): the bound allows 20 times that
     * for a busy machine, and is still half of the 60 s that Kafka's own default (max.block.ms) would take.
     */
    private void assertAPostAnswers503InTime(ApiApplication cutOff) {
        ConveyorClient cutOffClient = clientOf(cutOff);
        long start = System.nanoTime();
        HttpResponse<String> response = cutOffClient.post("/jobs", "{\"type\":\"noop\"}");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(json(response).get("detail").asText()).contains(SHORT_SUBMIT_TIMEOUT.toMillis() + " ms");
        System.out.printf("[benchmark] 503 with Kafka gone after %d ms (submit timeout %d ms)%n", took.toMillis(), SHORT_SUBMIT_TIMEOUT.toMillis());
        assertThat(took).isLessThan(SHORT_SUBMIT_TIMEOUT.multipliedBy(20));
        // The API itself stays up meanwhile, and says it is not ready, and why.
        assertThat(clientOf(cutOff).get("/health").statusCode()).isEqualTo(200);
        assertThat(clientOf(cutOff).get("/health/live").statusCode()).isEqualTo(200);
        assertNotReady(cutOff, "kafka", "ledger");
    }

    /** {@code GET /health/ready} answers 503 with {@code down} DOWN and {@code up} UP. */
    private void assertNotReady(ApiApplication api, String down, String up) {
        HttpResponse<String> ready = clientOf(api).get("/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        assertThat(json(ready).get("status").asText()).isEqualTo("DOWN");
        assertThat(json(ready).get("components").get(down).asText()).as(down).isEqualTo("DOWN");
        assertThat(json(ready).get("components").get(up).asText()).as(up).isEqualTo("UP");
    }

    @Test
    void readyWhileKafkaAndTheLedgerAnswer() {
        HttpResponse<String> ready = clientOf(api).get("/health/ready");

        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(json(ready).get("components").get("kafka").asText()).isEqualTo("UP");
        assertThat(json(ready).get("components").get("ledger").asText()).isEqualTo("UP");
    }

    @Test
    void withPostgresGoneJobsAreStillAcceptedAndGetAnswers503() throws SQLException {
        DatabaseSettings doomed = TestServices.newDatabase("api-no-postgres");
        try (ApiApplication apiWithoutLedger = ApiApplication.start(settings(SUBMIT_TIMEOUT), kafka, doomed)) {
            // Dropping the database closes the API's connections and refuses new ones: the ledger is gone for it.
            dropDatabase(doomed);

            ConveyorClient clientWithoutLedger = clientOf(apiWithoutLedger);
            HttpResponse<String> accepted = clientWithoutLedger.post("/jobs", "{\"type\":\"noop\"}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String id = json(accepted).get("id").asText();
            assertThat(readJobsTopic(List.of(id))).containsKey(id);

            HttpResponse<String> lookup = clientWithoutLedger.get("/jobs/" + id);
            assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(503);
            assertThat(lookup.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            assertNotReady(apiWithoutLedger, "ledger", "kafka");
        }
    }

    private static void dropDatabase(DatabaseSettings database) throws SQLException {
        Matcher url = Pattern.compile("(jdbc:postgresql://[^/?]*)/([^?]*)(\\?.*)?").matcher(database.jdbcUrl());
        assertThat(url.matches()).as(database.jdbcUrl()).isTrue();
        String adminUrl = url.group(1) + "/postgres" + (url.group(3) == null ? "" : url.group(3));
        try (Connection connection = DriverManager.getConnection(adminUrl, database.user(), database.password());
             Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE \"" + url.group(2) + "\" WITH (FORCE)");
        }
    }

    private static ApiSettings settings(Duration submitTimeout) {
        return new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT, submitTimeout, "api-integration-test-secret");
    }

    /** Reads the jobs topic from the start until it has seen every one of {@code ids}; returns its jobs by record key. */
    private static Map<String, JobSubmission> readJobsTopic(Collection<String> ids) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, JobSubmission> jobs = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(kafka.topics().jobs()).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    jobs.put(record.key(), parse(record));
                }
                return jobs.keySet().containsAll(ids);
            });
        }
        return jobs;
    }

    private static JobSubmission parse(ConsumerRecord<String, byte[]> record) {
        try {
            return JobSubmissionJson.fromTopic(record.value(), UUID.fromString(record.key()), Instant.ofEpochMilli(record.timestamp()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its requests fail after 30 s rather than wait for an API that does not answer. */
    private static ConveyorClient clientOf(ApiApplication api) {
        return new ConveyorClient(api.port(), api.dashboardPort(), Duration.ofSeconds(30));
    }
}
