package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Records on the jobs topic that are not jobs, from a producer other than the API: each becomes a FAILED job under
 * the id it names, or a copy on the dead-letter topic, and the partition's later jobs still run.
 */
class InvalidJobRecordsIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("invalid-records").withFleet(1, Map.of()).awaitingFleet();

    /** Every record goes to one partition, so the valid job after them is read only if intake got past them all. */
    private static final int PARTITION = 0;

    @Test
    void recordsThatAreNotJobsBecomeFailedJobsOrDeadLettersAndTheJobAfterThemRuns() throws Exception {
        UUID badJson = UUID.randomUUID();
        UUID unknownField = UUID.randomUUID();
        UUID missingType = UUID.randomUUID();
        UUID nulInPayload = UUID.randomUUID();
        UUID tombstone = UUID.randomUUID();
        String noIdAtAll = "{\"id\":\"not-a-uuid\",\"type\":\"noop\"}";
        JobSubmission valid = new JobSubmission(UUID.randomUUID(), "noop", null, 1, List.of(), Instant.now());
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(producer, badJson.toString(), "{\"type\": noop".getBytes(StandardCharsets.UTF_8));
            send(producer, null, ("{\"id\":\"" + unknownField + "\",\"type\":\"noop\",\"colour\":\"blue\"}").getBytes(StandardCharsets.UTF_8));
            send(producer, missingType.toString(), "{\"payload\":{}}".getBytes(StandardCharsets.UTF_8));
            // valid JSON, but PostgreSQL cannot store U+0000: before, intake retried this record forever
            send(producer, nulInPayload.toString(), "{\"type\":\"noop\",\"payload\":{\"s\":\"a\\u0000b\"}}".getBytes(StandardCharsets.UTF_8));
            send(producer, tombstone.toString(), null);
            send(producer, "not-a-uuid-either", noIdAtAll.getBytes(StandardCharsets.UTF_8));
            send(producer, null, new byte[]{(byte) 0xff, 0x00, 0x7b});
            send(producer, valid.id().toString(), JobSubmissionJson.toTopic(valid));
        }

        conveyor.awaitState(valid.id(), "SUCCEEDED", Duration.ofSeconds(60));

        assertFailedWith(badJson, "not valid JSON", "{\"type\": noop");
        assertFailedWith(unknownField, "unknown field(s) [colour]", "\"colour\":\"blue\"");
        assertFailedWith(missingType, "type is required", "{\"payload\":{}}");
        assertFailedWith(nulInPayload, "U+0000", "\"type\":\"noop\"");
        assertFailedWith(tombstone, "no value", "(no value)");

        JsonNode failed = list("state=FAILED&type=conveyor.invalid-record&limit=100");
        assertThat(StreamSupport.stream(failed.get("jobs").spliterator(), false).map(job -> job.get("id").asText()))
                .contains(badJson.toString(), unknownField.toString(), missingType.toString(), nulInPayload.toString(), tombstone.toString());

        JsonNode dashboard = conveyor.client().dashboardJob(badJson);
        JsonNode lastState = dashboard.get("jobHistory").get(dashboard.get("jobHistory").size() - 1);
        assertThat(lastState.get("state").asText()).isEqualTo("FAILED");
        assertThat(lastState.get("exceptionMessage").asText()).contains("{\"type\": noop");

        List<ConsumerRecord<String, byte[]>> dead = deadLetters(2);
        assertThat(dead).extracting(ConsumerRecord::key).containsExactly("not-a-uuid-either", null);
        assertThat(new String(dead.getFirst().value(), StandardCharsets.UTF_8)).isEqualTo(noIdAtAll);
        assertThat(header(dead.getFirst(), "conveyor.error")).contains("id must be a UUID");
        assertThat(header(dead.getFirst(), "conveyor.source")).startsWith(conveyor.kafka().topics().jobs() + "-" + PARTITION + "@");
        assertThat(dead.get(1).value()).containsExactly(0xff, 0x00, 0x7b);
        assertThat(header(dead.get(1), "conveyor.error")).contains("not valid JSON");
    }

    @Test
    void theApiRefusesAPayloadThatTheLedgerCouldNotStore() {
        HttpResponse<String> response = conveyor.client().post("/jobs", "{\"type\":\"noop\",\"payload\":{\"s\":\"a\\u0000b\"}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(ConveyorClient.json(response.body()).get("field").asText()).isEqualTo("payload");
    }

    private static void assertFailedWith(UUID id, String reason, String record) {
        JsonNode job = conveyor.awaitState(id, "FAILED", Duration.ofSeconds(30));
        assertThat(job.get("type").asText()).isEqualTo("conveyor.invalid-record");
        assertThat(job.get("attempts").asInt()).isZero();
        assertThat(job.get("error").asText()).contains(reason).contains(record);
        assertThat(job.get("history")).hasSize(1);
    }

    private static JsonNode list(String query) {
        HttpResponse<String> response = conveyor.client().get("/jobs?" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return ConveyorClient.json(response.body());
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<String, byte[]> producer, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(conveyor.kafka().topics().jobs(), PARTITION, key, value)).get();
    }

    private static List<ConsumerRecord<String, byte[]>> deadLetters(int expected) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka().bootstrapServers()), new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(conveyor.kafka().topics().deadJobs(), 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
            return records;
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
