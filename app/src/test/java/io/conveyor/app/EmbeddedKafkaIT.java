package io.conveyor.app;

import io.conveyor.app.testing.BrokerCluster;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
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

    /**
     * Three nodes, each in a JVM of its own: Conveyor's topics get three replicas, two of which must hold a write, and
     * the cluster goes on without the node that led its quorum, killed with -9.
     */
    @Test
    void onThreeNodesTopicsHaveThreeReplicasTwoInSyncAndOutliveABrokersDeath() throws Exception {
        try (BrokerCluster cluster = BrokerCluster.start(Path.of("target", "it-logs", "embedded-kafka-cluster"), 3)) {
            KafkaSettings kafka = new KafkaSettings(cluster.bootstrapServers(), new Topics("cluster."));
            KafkaTopics.ensureExist(kafka);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                // A new topic reaches each broker's metadata a moment after its creation: a broker asked before that
                // answers "does not host this topic-partition" (seen on a quiet machine), hence the wait.
                await().atMost(Duration.ofMinutes(1)).ignoreExceptions().untilAsserted(() -> {
                    for (String topic : List.of(kafka.topics().jobs(), kafka.topics().events(), kafka.topics().deadJobs())) {
                        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                        assertThat(description.partitions()).as("partitions of %s", topic)
                                .allSatisfy(partition -> assertThat(partition.replicas()).as("replicas of %s", partition).hasSize(3));
                        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                        assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("min.insync.replicas").value())
                                .as("min.insync.replicas of %s", topic).isEqualTo("2");
                    }
                });
            }

            cluster.broker(cluster.quorumLeader()).kill();

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
