package io.conveyor.api;

import io.conveyor.common.KafkaAdmins;
import io.conveyor.common.KafkaSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the API asks Kafka for its metrics and readiness, on an admin client of its own: whether a broker answers, and
 * the intake lag.
 */
final class KafkaProbe implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Admin admin;
    private final String topic;
    private final String group;

    KafkaProbe(KafkaSettings kafka) {
        this.admin = KafkaAdmins.create(kafka, "conveyor-api-metrics", TIMEOUT);
        this.topic = kafka.topics().jobs();
        this.group = kafka.topics().workerGroup();
    }

    /** Whether the cluster answers a metadata request within {@link #TIMEOUT} and names at least one broker. */
    boolean answers() {
        return KafkaAdmins.clusterAnswers(admin, TIMEOUT);
    }

    /**
     * How many job records wait on the jobs topic for a worker to write them to the ledger: per partition, its end
     * offset less the workers' committed offset (workers commit only after the ledger committed), or less its first
     * offset if the group never committed there. Empty when Kafka does not answer within {@link #TIMEOUT}.
     */
    OptionalLong intakeLag() {
        try {
            Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
            admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic).partitions().forEach(p -> partitions.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(partitions).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> neverCommitted = new HashMap<>();
            long lag = 0;
            for (var end : ends.entrySet()) {
                OffsetAndMetadata done = committed.get(end.getKey());
                if (done == null) {
                    neverCommitted.put(end.getKey(), OffsetSpec.earliest());
                } else {
                    lag += Math.max(0, end.getValue().offset() - done.offset());
                }
            }
            if (!neverCommitted.isEmpty()) {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = admin.listOffsets(neverCommitted).all()
                        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                for (var start : starts.entrySet()) {
                    lag += Math.max(0, ends.get(start.getKey()).offset() - start.getValue().offset());
                }
            }
            return OptionalLong.of(lag);
        } catch (ExecutionException | TimeoutException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
