package io.conveyor.app;

import io.conveyor.app.testing.ConveyorExtension;
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
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every way a job is deleted publishes one DELETED event on the events topic, like every other state change: a cancel
 * through the API, a delete on the dashboard (both in the API process, which has no events producer), the retention of
 * succeeded jobs (on a worker), and a row removed from the ledger by hand.
 */
class DeletionEventsIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("deletion-events").withFleet(1, Map.of()).awaitingFleet();

    @Test
    void aCancelledJobPublishesDeleted() throws Exception {
        UUID id = conveyor.client().submit("{\"type\":\"noop\",\"delayMillis\":600000}");
        conveyor.awaitState(id, "SCHEDULED", Duration.ofSeconds(60));
        assertThat(conveyor.client().post("/jobs/" + id + "/cancel", "").statusCode()).isEqualTo(200);
        assertThat(deletedEvent(id).error()).isEqualTo("cancelled");
    }

    @Test
    void aJobDeletedOnTheDashboardPublishesDeleted() throws Exception {
        UUID id = conveyor.client().submit("{\"type\":\"fail\",\"payload\":{\"n\":5},\"maxAttempts\":1}");
        conveyor.awaitState(id, "FAILED", Duration.ofSeconds(60));
        HttpResponse<String> deleted = conveyor.client().deleteDashboard("/api/jobs/" + id);
        assertThat(deleted.statusCode()).as(deleted.body()).isBetween(200, 204);
        JobEvent event = deletedEvent(id);
        assertThat(event.type()).isEqualTo("fail");
        assertThat(event.error()).containsIgnoringCase("dashboard");
    }

    @Test
    void aSucceededJobThatRetentionDeletesPublishesDeleted() throws Exception {
        UUID id = conveyor.client().submit("{\"type\":\"noop\"}");
        conveyor.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));
        // Retention moves succeeded jobs to DELETED 36 h after their last update, in a round every 5 s.
        conveyor.ledger().execute("update jobrunr_jobs set updatedAt = (now() at time zone 'utc') - interval '37 hours' where id = '" + id + "'");
        JobEvent event = deletedEvent(id);
        assertThat(event.error()).isEqualTo("retention: succeeded more than 129600 s ago");
        assertThat(event.attempt()).isEqualTo(1);
    }

    @Test
    void aJobRemovedFromTheLedgerPublishesDeleted() throws Exception {
        UUID id = conveyor.client().submit("{\"type\":\"noop\"}");
        conveyor.awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));
        conveyor.ledger().execute("delete from jobrunr_jobs where id = '" + id + "'");
        assertThat(deletedEvent(id).error()).isEqualTo("removed from the ledger");
    }

    /** The one DELETED event of the job, once it is there and the relay has removed the job from its outbox. */
    private static JobEvent deletedEvent(UUID id) throws IOException {
        List<JobEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka().bootstrapServers()), new StringDeserializer(), new ByteArrayDeserializer())) {
            String topic = conveyor.kafka().topics().events();
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                poll(consumer, id, events);
                assertThat(events).extracting(JobEvent::state).contains("DELETED");
            });
            // The relay removes a row only after Kafka acknowledged its event: once none is left, every event it sent is in.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    conveyor.ledger().query("select count(*) from conveyor_deleted_jobs where id = '" + id + "'").equals("0"));
            poll(consumer, id, events);
        }
        List<JobEvent> deleted = events.stream().filter(event -> event.state().equals("DELETED")).toList();
        assertThat(deleted).as("DELETED events of job " + id).hasSize(1);
        assertThat(deleted.getFirst().id()).isEqualTo(id);
        return deleted.getFirst();
    }

    private static void poll(KafkaConsumer<String, byte[]> consumer, UUID id, List<JobEvent> events) throws IOException {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            if (record.key().equals(id.toString())) {
                events.add(JobEvent.fromJson(record.value()));
            }
        }
    }
}
