package io.conveyor.common;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * How many copies Kafka keeps of Conveyor's topics, and how many of them must hold a record before a producer with
 * {@code acks=all} (every Conveyor producer) is told it is written. Unset, both follow the cluster the topics are
 * created on: as many replicas as there are brokers, up to 3; with 3 replicas, {@code min.insync.replicas} 2, so that
 * an acknowledged record is on two brokers and writes go on while any one broker is down. With fewer replicas the
 * broker's own default applies (1 unless its operator changed it): 2 of 2 would stop every write while one broker is down.
 *
 * @param factor            {@value #FACTOR}, or empty for {@code min(3, live brokers)}
 * @param minInsyncReplicas {@value #MIN_INSYNC_REPLICAS}, or empty for 2 where the factor is 3 or more
 */
public record TopicReplication(OptionalInt factor, OptionalInt minInsyncReplicas) {

    public static final String FACTOR = "CONVEYOR_KAFKA_REPLICATION_FACTOR";
    public static final String MIN_INSYNC_REPLICAS = "CONVEYOR_KAFKA_MIN_INSYNC_REPLICAS";
    /** Both unset: follow the cluster. */
    public static final TopicReplication FOLLOW_THE_CLUSTER = new TopicReplication(OptionalInt.empty(), OptionalInt.empty());

    /** The most replicas Conveyor asks for on its own: three survive one broker's loss with two still in sync. */
    static final int MOST_REPLICAS = 3;
    /** In-sync replicas a write needs where there are three: one broker may be down, and no write lives on one disk only. */
    static final int MIN_INSYNC_OF_THREE = 2;
    /** Kafka counts replicas in a short. */
    private static final int MOST_KAFKA_TAKES = Short.MAX_VALUE;

    public TopicReplication {
        if (factor.isPresent() && minInsyncReplicas.isPresent() && minInsyncReplicas.getAsInt() > factor.getAsInt()) {
            throw new Env.SettingsException(MIN_INSYNC_REPLICAS + " (" + minInsyncReplicas.getAsInt() + ") must not exceed "
                    + FACTOR + " (" + factor.getAsInt() + "): Kafka would refuse every write");
        }
    }

    public static TopicReplication from(Env env) {
        return new TopicReplication(env.optionalInteger(FACTOR, 1, MOST_KAFKA_TAKES), env.optionalInteger(MIN_INSYNC_REPLICAS, 1, MOST_KAFKA_TAKES));
    }

    /** The variables that were set, e.g. for a forked worker JVM. */
    public Map<String, String> asEnvironment() {
        Map<String, String> env = new HashMap<>();
        factor.ifPresent(value -> env.put(FACTOR, Integer.toString(value)));
        minInsyncReplicas.ifPresent(value -> env.put(MIN_INSYNC_REPLICAS, Integer.toString(value)));
        return env;
    }

    /**
     * The replication for topics created on a cluster of {@code liveBrokers}.
     *
     * @throws Env.SettingsException if {@value #MIN_INSYNC_REPLICAS} exceeds the factor this cluster gets
     */
    public Replicas onCluster(int liveBrokers) {
        int replicas = factor.orElse(Math.clamp(liveBrokers, 1, MOST_REPLICAS));
        OptionalInt minInsync = minInsyncReplicas.isPresent() ? minInsyncReplicas
                : replicas >= MOST_REPLICAS ? OptionalInt.of(MIN_INSYNC_OF_THREE) : OptionalInt.empty();
        if (minInsync.isPresent() && minInsync.getAsInt() > replicas) {
            throw new Env.SettingsException(MIN_INSYNC_REPLICAS + " (" + minInsync.getAsInt() + ") exceeds the replication factor "
                    + replicas + " of a cluster of " + liveBrokers + " live broker(s): Kafka would refuse every write");
        }
        return new Replicas((short) replicas, minInsync);
    }

    /**
     * The replication of topics about to be created.
     *
     * @param minInsyncReplicas empty: the broker's default
     */
    public record Replicas(short factor, OptionalInt minInsyncReplicas) {

        /** The topic configs that go with it. */
        public Map<String, String> topicConfigs() {
            return minInsyncReplicas.isPresent() ? Map.of("min.insync.replicas", Integer.toString(minInsyncReplicas.getAsInt())) : Map.of();
        }

        @Override
        public String toString() {
            return "replication factor " + factor + ", min.insync.replicas "
                    + (minInsyncReplicas.isPresent() ? Integer.toString(minInsyncReplicas.getAsInt()) : "the broker's default");
        }
    }
}
