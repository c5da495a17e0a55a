package io.conveyor.app;

import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EmbeddedKafkaIT {

    /** On a broker of its own: the shared test broker may be a container or an external one, not the embedded broker. */
    @Test
    void consumerGroupReceivesEverythingProducedWithAcksAll(@TempDir Path dataDir) throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dataDir)) {
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), new Topics("embedded."));
            KafkaTopics.ensureExist(kafka);
            producesAndConsumesAHundredRecords(kafka);
        }
    }

    private static void producesAndConsumesAHundredRecords(KafkaSettings kafka) throws Exception {
        String topic = kafka.topics().jobs();

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)));
            }
            for (Future<RecordMetadata> ack : sent) {
                ack.get();
            }
        }

        // A group member (subscribe, not assign) needs the offsets topic, which a one-node broker can only create with replication factor 1.
        Set<String> received = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, kafka.topics().workerGroup(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> received.add(record.value()));
                return received.size() >= 100;
            });
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 100).mapToObj(i -> "value-" + i).toList());
    }

    @Test
    void restartOnTheSameDataDirectoryKeepsTopics(@TempDir Path dataDir) throws Exception {
        Topics topics = new Topics("restart.");
        try (EmbeddedKafka first = EmbeddedKafka.start(dataDir)) {
            KafkaTopics.ensureExist(new KafkaSettings(first.bootstrapServers(), topics));
        }
        // The second start binds other ports: the data must not depend on them.
        try (EmbeddedKafka second = EmbeddedKafka.start(dataDir);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, second.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get()).contains(topics.jobs(), topics.events());
        }
    }
}
