package io.conveyor.worker.intake;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.KafkaSettings;
import io.conveyor.worker.intake.DeadLetters.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * Moves accepted jobs from the Kafka jobs topic into the ledger. All workers share one consumer group, so each
 * partition is read by one worker at a time. Offsets are committed only after the ledger transaction committed
 * (at-least-once), and the ledger insert is idempotent by job id, so every accepted job lands in the ledger once.
 * A record that is not a job becomes a FAILED job under the id it names ({@link InvalidJobRecord}), or, naming none,
 * is copied to the dead-letter topic ({@link DeadLetters}); either way it is committed past, never retried.
 */
public final class JobIntake implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(JobIntake.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final int SESSION_TIMEOUT_MS = 6_000;
    private static final int MAX_POLL_INTERVAL_MS = 15_000;
    private static final Duration LEDGER_RETRY_DELAY = Duration.ofSeconds(1);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final LedgerWriter ledgerWriter;
    private final DeadLetters deadLetters;
    private final String deadTopic;
    private final Runnable onJobsEnqueued;
    private final Clock clock;
    private final Consumer<String> onStoppedForGood;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    /**
     * @param onStoppedForGood told why, if intake stops on an unexpected error: a worker without intake is not to limp
     *                         on (the worker ends its process)
     */
    public JobIntake(KafkaSettings kafka, String clientId, int maxRecords, LedgerWriter ledgerWriter, DeadLetters deadLetters,
                     Runnable onJobsEnqueued, Clock clock, Consumer<String> onStoppedForGood) {
        this.consumer = new KafkaConsumer<>(consumerConfig(kafka, clientId, maxRecords),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.topic = kafka.topics().jobs();
        this.ledgerWriter = ledgerWriter;
        this.deadLetters = deadLetters;
        this.deadTopic = kafka.topics().deadJobs();
        this.onJobsEnqueued = onJobsEnqueued;
        this.clock = clock;
        this.onStoppedForGood = onStoppedForGood;
        this.thread = Thread.ofPlatform().name("conveyor-intake").start(this::run);
    }

    private static Map<String, Object> consumerConfig(KafkaSettings kafka, String clientId, int maxRecords) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.topics().workerGroup());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxRecords);
        // A worker killed with -9 holds its partitions until its session times out; the classic protocol lets the
        // client ask for the broker's minimum (6 s by default), the KIP-848 one is set by the broker (45 s).
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, SESSION_TIMEOUT_MS / 3);
        // Also the classic protocol's rebalance timeout: a member that stops polling holds up the whole group this long.
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, MAX_POLL_INTERVAL_MS);
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return config;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL_TIMEOUT);
                if (!records.isEmpty()) {
                    ingest(records);
                }
            }
        } catch (WakeupException e) {
            // close() woke us up to stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOGGER.error("job intake stopped on an unexpected error", e);
            onStoppedForGood.accept("its Kafka intake stopped on an unexpected error: " + e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            stopped.countDown();
        }
    }

    private void ingest(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        List<JobSubmission> jobs = new ArrayList<>(records.count());
        List<InvalidJobRecord> invalid = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                jobs.add(JobSubmissionJson.fromTopic(record.value(), keyAsId(record.key()), Instant.now(clock)));
            } catch (IOException | RuntimeException e) {
                // A record that is not a job can never become one: it is recorded where it can be seen, and the
                // partition moves on. Any exception counts: reading a record is pure, so it is the record's fault.
                Optional<UUID> id = idOf(record);
                LOGGER.warn("record {}-{}@{} is not a valid job request ({}): {}", record.topic(), record.partition(), record.offset(),
                        id.map(named -> "recorded as FAILED job " + named).orElse("copied to " + deadTopic), InvalidJobRecord.reasonOf(e));
                if (id.isPresent()) {
                    invalid.add(InvalidJobRecord.of(id.get(), record, e, Instant.now(clock)));
                } else {
                    dead.add(new DeadLetter(record, InvalidJobRecord.reasonOf(e)));
                }
            }
        }
        while (running) {
            int inserted;
            try {
                if (!dead.isEmpty()) {
                    deadLetters.copy(dead);
                    dead = List.of();
                }
                inserted = ledgerWriter.insertNew(jobs, invalid);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // Nothing is committed, so nothing is lost: retry the same records until the ledger takes them.
                LOGGER.warn("could not write {} jobs to the ledger, retrying in {} s: {}", jobs.size() + invalid.size(), LEDGER_RETRY_DELAY.toSeconds(), e.toString());
                Thread.sleep(LEDGER_RETRY_DELAY);
                continue;
            }
            if (inserted > 0) {
                // The jobs are in the ledger: claims need not wait for the offsets' round trip to Kafka (if that commit
                // fails, the partitions' next owner finds these jobs in the ledger and skips them).
                onJobsEnqueued.run();
            }
            try {
                consumer.commitSync();
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                // The partitions moved to another worker meanwhile: it reads these records again and finds them in the ledger.
                LOGGER.info("could not commit intake offsets ({}); the partitions' new owner skips what is already in the ledger", e.toString());
            }
            LOGGER.debug("ingested {} job requests, {} new", jobs.size(), inserted);
            return;
        }
        // Stopping before the ledger took these records: they stay uncommitted, for the next owner of the partition.
    }

    /** The job id an invalid record names: its {@code id} field if that is a UUID, else its key if that is one. */
    private static Optional<UUID> idOf(ConsumerRecord<String, byte[]> record) {
        try {
            JsonNode id = JobSubmissionJson.MAPPER.readTree(record.value()).path("id");
            if (id.isTextual()) {
                return Optional.of(UUID.fromString(id.textValue()));
            }
        } catch (IOException | RuntimeException e) {
            // not JSON, or no UUID in it: the key may still name one
        }
        return Optional.ofNullable(keyAsId(record.key()));
    }

    private static UUID keyAsId(String key) {
        try {
            return key == null ? null : UUID.fromString(key);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Stops consuming; records not yet in the ledger stay uncommitted for another worker. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
