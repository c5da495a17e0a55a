package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.common.JobEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static io.conveyor.app.testing.ConveyorUnderTest.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retries on three real worker JVMs: each retry runs on another process than the attempt that failed, retries end
 * when attempts run out with the last error kept, and every state change is published to the events topic.
 */
class RetriesAndEventsIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("retries").withFleet(3, Map.of("CONVEYOR_WORKER_THREADS", "2"));

    @Test
    void everyRetryRunsOnAnotherWorkerProcessThanTheAttemptThatFailed() {
        List<UUID> once = submitFailing(6, 1, 5);
        List<UUID> twice = submitFailing(6, 2, 5);
        for (UUID id : concat(once, twice)) {
            JsonNode job = conveyor.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));
            assertRetriesRanElsewhere(job);
        }
        once.forEach(id -> assertThat(conveyor.client().job(id).get("attempts").asInt()).isEqualTo(2));
        twice.forEach(id -> assertThat(conveyor.client().job(id).get("attempts").asInt()).isEqualTo(3));
    }

    @Test
    void aJobWhoseAttemptsRunOutEndsFailedWithItsLastError() {
        for (UUID id : submitFailing(3, 3, 2)) {
            JsonNode job = conveyor.awaitState(id, "FAILED", Duration.ofSeconds(60));
            assertThat(job.get("attempts").asInt()).isEqualTo(2);
            assertThat(job.get("error").asText()).contains("attempt 2 fails on purpose");
            assertRetriesRanElsewhere(job);
        }
    }

    @Test
    void everyStateChangeIsPublishedToTheEventsTopic() throws IOException {
        UUID id = conveyor.client().submit("{\"type\":\"fail\",\"payload\":{\"n\":1},\"backoff\":{\"baseMillis\":100,\"maxMillis\":200}}");
        // The class's first job: it also waits for the workers' intake to join its consumer group.
        conveyor.awaitState(id, "SUCCEEDED", ConveyorUnderTest.WORKER_START);

        List<JobEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka().bootstrapServers()), new StringDeserializer(), new ByteArrayDeserializer())) {
            String topic = conveyor.kafka().topics().events();
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key().equals(id.toString())) {
                        events.add(JobEvent.fromJson(record.value()));
                    }
                }
                assertThat(events).extracting(JobEvent::state).contains("SUCCEEDED");
            });
        }
        List<String> states = events.stream().sorted(Comparator.comparing(JobEvent::at)).map(JobEvent::state).toList();
        assertThat(states.getFirst()).isEqualTo("ENQUEUED");
        assertThat(states).containsSubsequence("ENQUEUED", "PROCESSING", "FAILED", "SCHEDULED", "ENQUEUED", "PROCESSING", "SUCCEEDED");
        JobEvent failed = events.stream().filter(e -> e.state().equals("FAILED")).findFirst().orElseThrow();
        assertThat(failed.error()).contains("fails on purpose");
        assertThat(failed.worker()).isNotBlank();
        JobEvent succeeded = events.stream().filter(e -> e.state().equals("SUCCEEDED")).findFirst().orElseThrow();
        assertThat(succeeded.attempt()).isEqualTo(2);
        assertThat(succeeded.type()).isEqualTo("fail");
    }

    /** After each real failure, the next attempt that ran (not one handed back) ran on another worker. */
    private static void assertRetriesRanElsewhere(JsonNode job) {
        List<JsonNode> history = history(job);
        String failedOn = null;
        for (int i = 0; i < history.size(); i++) {
            JsonNode entry = history.get(i);
            if (!entry.get("state").asText().equals("PROCESSING")) {
                continue;
            }
            JsonNode next = i + 1 < history.size() ? history.get(i + 1) : null;
            boolean handedBack = next != null && next.path("message").asText().startsWith("handed back");
            if (handedBack) {
                continue;
            }
            String worker = entry.get("worker").asText();
            if (failedOn != null) {
                assertThat(worker).as("worker of the retry after a failure on %s, in %s", failedOn, job).isNotEqualTo(failedOn);
            }
            boolean failedHere = next != null && next.get("state").asText().equals("FAILED");
            failedOn = failedHere ? worker : null;
        }
    }

    private static List<UUID> submitFailing(int count, int failures, int maxAttempts) {
        return IntStream.range(0, count).mapToObj(i -> conveyor.client().submit(
                "{\"type\":\"fail\",\"payload\":{\"n\":" + failures + "},\"maxAttempts\":" + maxAttempts
                        + ",\"backoff\":{\"baseMillis\":100,\"maxMillis\":400}}")).toList();
    }

    private static List<UUID> concat(List<UUID> a, List<UUID> b) {
        List<UUID> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
