package io.conveyor.common;

import java.util.HashMap;
import java.util.Map;

/**
 * Where the Kafka broker is and which topics to use; shared by the api and worker roles.
 *
 * @param bootstrapServers {@code CONVEYOR_KAFKA_BOOTSTRAP}, host:port[,host:port...]
 * @param topics           topic names under {@code CONVEYOR_TOPIC_PREFIX}
 * @param replication      how Conveyor's topics are replicated when it creates them
 */
public record KafkaSettings(String bootstrapServers, Topics topics, TopicReplication replication) {

    public static final String BOOTSTRAP = "CONVEYOR_KAFKA_BOOTSTRAP";
    public static final String TOPIC_PREFIX = "CONVEYOR_TOPIC_PREFIX";
    public static final String BOOTSTRAP_DEFAULT = "127.0.0.1:9092";

    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new Env.SettingsException(BOOTSTRAP + " must name at least one host:port");
        }
    }

    /** Topics replicated as the cluster allows ({@link TopicReplication#FOLLOW_THE_CLUSTER}). */
    public KafkaSettings(String bootstrapServers, Topics topics) {
        this(bootstrapServers, topics, TopicReplication.FOLLOW_THE_CLUSTER);
    }

    /** These settings as the environment variables that produce them, e.g. for a forked worker JVM. */
    public Map<String, String> asEnvironment() {
        Map<String, String> env = new HashMap<>(replication.asEnvironment());
        env.put(BOOTSTRAP, bootstrapServers);
        env.put(TOPIC_PREFIX, topics.prefix());
        return Map.copyOf(env);
    }

    public static KafkaSettings from(Env env) {
        Topics topics;
        try {
            topics = new Topics(env.string(TOPIC_PREFIX, Topics.PREFIX_DEFAULT));
        } catch (IllegalArgumentException e) {
            throw new Env.SettingsException(TOPIC_PREFIX + ": " + e.getMessage());
        }
        return new KafkaSettings(env.string(BOOTSTRAP, BOOTSTRAP_DEFAULT), topics, TopicReplication.from(env));
    }
}
