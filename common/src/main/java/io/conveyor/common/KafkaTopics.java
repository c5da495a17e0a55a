package io.conveyor.common;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates Conveyor's topics with their documented partition counts, if they do not exist yet.
 * Every role calls it at start, so whichever starts first creates them and none relies on broker auto-creation.
 */
public final class KafkaTopics {

    private KafkaTopics() {
    }

    public static void ensureExist(KafkaSettings settings) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        Topics topics = settings.topics();
        try (Admin admin = Admin.create(config)) {
            for (NewTopic topic : List.of(
                    new NewTopic(topics.jobs(), Optional.of(Topics.JOBS_PARTITIONS), Optional.empty()),
                    new NewTopic(topics.events(), Optional.of(Topics.EVENTS_PARTITIONS), Optional.empty()),
                    new NewTopic(topics.deadJobs(), Optional.of(Topics.DEAD_JOBS_PARTITIONS), Optional.empty()))) {
                create(admin, topic);
            }
        }
    }

    private static void create(Admin admin, NewTopic topic) {
        try {
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create Kafka topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within 30 s while creating topic " + topic.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic.name(), e);
        }
    }
}
