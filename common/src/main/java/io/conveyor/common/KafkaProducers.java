package io.conveyor.common;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;

/**
 * The worker's producers (events, dead letters): string keys, byte values, every record acknowledged by all in-sync
 * replicas and written once however often the client retries it. The API's submitter sets its own timeouts and
 * compression per request, so it builds its own.
 */
public final class KafkaProducers {

    /** How long a record may wait for others to share its batch (Kafka's own default since 4.0, stated so it stays). */
    private static final int LINGER_MS = 5;

    private KafkaProducers() {
    }

    /** @param maxBlock how long a send may wait for a topic's metadata or for room in the buffer before it throws */
    public static KafkaProducer<String, byte[]> acknowledged(KafkaSettings kafka, String clientId, Duration maxBlock) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.toIntExact(maxBlock.toMillis())),
                new StringSerializer(), new ByteArraySerializer());
    }
}
