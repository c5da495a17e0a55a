package io.conveyor.common;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates Conveyor's topics with their documented partition counts and {@link TopicReplication}, if they do not exist
 * yet. Every role calls it at start, so whichever starts first creates them and none relies on broker auto-creation.
 * A topic that exists keeps the replication it has: changing it is a partition reassignment, an operator's decision.
 */
public final class KafkaTopics {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);
    private static final int WAIT_SECONDS = 30;

    private KafkaTopics() {
    }

    public static void ensureExist(KafkaSettings settings) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, WAIT_SECONDS * 1_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        Topics topics = settings.topics();
        try (Admin admin = Admin.create(config)) {
            // The brokers that are up now: a deployment's topics are created once, by the first role to start.
            int liveBrokers = answer(admin.describeCluster().nodes(), "counting the brokers").size();
            TopicReplication.Replicas replicas = settings.replication().onCluster(liveBrokers);
            for (NewTopic topic : List.of(
                    new NewTopic(topics.jobs(), Optional.of(Topics.JOBS_PARTITIONS), Optional.of(replicas.factor())),
                    new NewTopic(topics.events(), Optional.of(Topics.EVENTS_PARTITIONS), Optional.of(replicas.factor())),
                    new NewTopic(topics.deadJobs(), Optional.of(Topics.DEAD_JOBS_PARTITIONS), Optional.of(replicas.factor())))) {
                create(admin, topic.configs(replicas.topicConfigs()), replicas, liveBrokers);
            }
        }
    }

    private static void create(Admin admin, NewTopic topic, TopicReplication.Replicas replicas, int liveBrokers) {
        try {
            admin.createTopics(List.of(topic)).all().get(WAIT_SECONDS, TimeUnit.SECONDS);
            LOG.info("created Kafka topic {} with {} partitions, {} ({} live brokers)", topic.name(), topic.numPartitions(), replicas, liveBrokers);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create Kafka topic " + topic.name() + " with " + replicas
                        + " on " + liveBrokers + " live broker(s): " + e.getCause().getMessage(), e.getCause());
            }
            warnIfLessReplicated(admin, topic.name(), replicas.factor());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + WAIT_SECONDS + " s while creating topic " + topic.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic.name(), e);
        }
    }

    /**
     * A topic made before a deployment grew to more brokers keeps its fewer replicas: say so, once per start. Only a
     * warning: a role that cannot ask starts all the same, as it did before the topic's replicas were looked at.
     */
    private static void warnIfLessReplicated(Admin admin, String name, short factor) {
        TopicDescription description;
        try {
            description = answer(admin.describeTopics(List.of(name)).allTopicNames(), "describing " + name).get(name);
        } catch (IllegalStateException e) {
            LOG.debug("could not look at the replicas of Kafka topic {}", name, e);
            return;
        }
        int fewest = description.partitions().stream().mapToInt(partition -> partition.replicas().size()).min().orElse(factor);
        if (fewest < factor) {
            LOG.warn("Kafka topic {} exists with {} replica(s) per partition where Conveyor would create it with {}: "
                    + "it stays so until an operator reassigns its partitions (kafka-reassign-partitions.sh)", name, fewest, factor);
        }
    }

    private static <T> T answer(Future<T> request, String what) {
        try {
            return request.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka failed " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + WAIT_SECONDS + " s " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted " + what, e);
        }
    }
}
