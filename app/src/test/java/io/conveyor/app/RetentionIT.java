package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.common.JobEvent;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.worker.process.WorkerSettings;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retention keeps the ledger bounded while jobs keep coming: with retention of a few seconds, succeeded jobs move to
 * DELETED (each publishing its DELETED event) and are then removed from the ledger, while new jobs keep being submitted
 * and succeed; the dashboard's all-time succeeded count still counts the removed ones.
 */
class RetentionIT {

    private static final int SUCCEEDED_AFTER_SECONDS = 3;
    private static final int DELETED_AFTER_SECONDS = 3;
    private static final int FIRST_WAVE = 2_000;

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("retention").withFleet(2, Map.of(
            WorkerSettings.DELETE_SUCCEEDED_AFTER_SECONDS, Integer.toString(SUCCEEDED_AFTER_SECONDS),
            WorkerSettings.DELETE_DELETED_AFTER_SECONDS, Integer.toString(DELETED_AFTER_SECONDS))).awaitingFleet();

    @Test
    void succeededJobsAreDeletedWithAnEventThenRemovedWhileNewJobsKeepFlowing() throws Exception {
        List<UUID> firstWave = new ArrayList<>();
        firstWave.addAll(submitBatch(1_000));
        firstWave.addAll(submitBatch(FIRST_WAVE - 1_000));

        AtomicBoolean flowing = new AtomicBoolean(true);
        List<UUID> later = new ArrayList<>();
        List<Throwable> submitFailures = new ArrayList<>();
        Thread submitter = Thread.ofPlatform().name("retention-it-submitter").start(() -> {
            try {
                while (flowing.get()) {
                    List<UUID> ids = submitBatch(50);
                    synchronized (later) {
                        later.addAll(ids);
                    }
                    Thread.sleep(250); // a steady trickle beside the first wave, not a load test
                }
            } catch (Throwable e) {
                synchronized (submitFailures) {
                    submitFailures.add(e);
                }
            }
        });
        try {
            String firstIds = firstWave.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
            await("every job of the first wave removed from the ledger").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> conveyor.ledger().countJobs("id in (" + firstIds + ")") == 0);
            int submittedMeanwhile;
            synchronized (later) {
                submittedMeanwhile = later.size();
            }
            assertThat(submittedMeanwhile).as("jobs submitted while the first wave was retained").isGreaterThan(0);
        } finally {
            flowing.set(false);
            submitter.join(Duration.ofMinutes(1));
        }
        assertThat(submitFailures).as("submissions while retention ran").isEmpty();

        List<UUID> flowed;
        synchronized (later) {
            flowed = List.copyOf(later);
        }
        Map<UUID, List<JobEvent>> events = events(firstWave, flowed);
        assertThat(firstWave).as("first-wave jobs").allSatisfy(id -> {
            List<JobEvent> deleted = events.get(id).stream().filter(event -> event.state().equals("DELETED")).toList();
            assertThat(deleted).as("DELETED events of job %s (its removal, DELETED already, publishes none)", id).hasSize(1);
            assertThat(deleted.getFirst().error()).startsWith("retention: succeeded more than " + SUCCEEDED_AFTER_SECONDS + " s ago");
        });

        long allTimeSucceeded = Long.parseLong(conveyor.ledger().query(
                "select trim(value) from jobrunr_metadata where id = 'succeeded-jobs-counter-cluster'"));
        assertThat(allTimeSucceeded).as("JobRunr's all-time succeeded counter, which its dashboard adds to the SUCCEEDED rows")
                .isGreaterThanOrEqualTo(FIRST_WAVE);
        assertThat(conveyor.ledger().countJobs("state = 'FAILED'")).as("failed jobs").isZero();
    }

    private static List<UUID> submitBatch(int size) throws IOException {
        String body = "[" + String.join(",", java.util.Collections.nCopies(size, "{\"type\":\"noop\"}")) + "]";
        HttpResponse<String> accepted = conveyor.client().post("/jobs/batch", body);
        assertThat(accepted.statusCode()).as("POST /jobs/batch: %s", accepted.body()).isEqualTo(202);
        List<UUID> ids = new ArrayList<>();
        for (JsonNode id : JobSubmissionJson.MAPPER.readTree(accepted.body()).get("ids")) {
            ids.add(UUID.fromString(id.asText()));
        }
        return ids;
    }

    /**
     * The events of the first wave's jobs and of the jobs submitted meanwhile, once every first-wave job has its DELETED
     * event, every later job its SUCCEEDED event (new jobs kept flowing), and the relay's outbox is empty; then whatever
     * else the topic holds (a DELETED event sent twice would be there).
     */
    private static Map<UUID, List<JobEvent>> events(List<UUID> firstWave, List<UUID> later) throws Exception {
        Map<UUID, List<JobEvent>> events = new HashMap<>();
        firstWave.forEach(id -> events.put(id, new ArrayList<>()));
        later.forEach(id -> events.put(id, new ArrayList<>()));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka().bootstrapServers(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000), new StringDeserializer(), new ByteArrayDeserializer())) {
            String topic = conveyor.kafka().topics().events();
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await("a DELETED event of every first-wave job, a SUCCEEDED one of every later job").atMost(Duration.ofMinutes(3))
                    .untilAsserted(() -> {
                        poll(consumer, events, Duration.ofMillis(500));
                        assertThat(firstWave).allMatch(id -> has(events, id, "DELETED"));
                        assertThat(later).allMatch(id -> has(events, id, "SUCCEEDED"));
                    });
            // The relay removes an outbox row only after Kafka acknowledged its event.
            await("the outbox relayed").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> conveyor.ledger().query("select count(*) from conveyor_deleted_jobs").equals("0"));
            while (poll(consumer, events, Duration.ofSeconds(1)) > 0) {
                // the rest of the topic
            }
        }
        return events;
    }

    private static boolean has(Map<UUID, List<JobEvent>> events, UUID id, String state) {
        return events.get(id).stream().anyMatch(event -> event.state().equals(state));
    }

    /** Adds the polled events of the jobs in {@code events}; returns how many records the poll brought. */
    private static int poll(KafkaConsumer<String, byte[]> consumer, Map<UUID, List<JobEvent>> events, Duration timeout) throws IOException {
        int records = 0;
        for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
            records++;
            List<JobEvent> ofJob = record.key() == null ? null : events.get(UUID.fromString(record.key()));
            if (ofJob != null) {
                ofJob.add(JobEvent.fromJson(record.value()));
            }
        }
        return records;
    }
}
