package io.conveyor.common;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicReplicationTest {

    private static final TopicReplication UNSET = TopicReplication.from(new Env(Map.of()));

    @Test
    void unsetItFollowsTheClusterUpToThreeReplicasWithTwoInSyncWhereThereAreThree() {
        assertThat(UNSET).isEqualTo(TopicReplication.FOLLOW_THE_CLUSTER);

        assertThat(UNSET.onCluster(1)).isEqualTo(new TopicReplication.Replicas((short) 1, OptionalInt.empty()));
        assertThat(UNSET.onCluster(2)).isEqualTo(new TopicReplication.Replicas((short) 2, OptionalInt.empty()));
        assertThat(UNSET.onCluster(3)).isEqualTo(new TopicReplication.Replicas((short) 3, OptionalInt.of(2)));
        assertThat(UNSET.onCluster(7)).isEqualTo(new TopicReplication.Replicas((short) 3, OptionalInt.of(2)));
        assertThat(UNSET.onCluster(3).topicConfigs()).containsExactly(Map.entry("min.insync.replicas", "2"));
        assertThat(UNSET.onCluster(2).topicConfigs()).as("the broker's default applies").isEmpty();
    }

    @Test
    void setTheyOverrideTheClustersShape() {
        TopicReplication both = replication(Map.of(TopicReplication.FACTOR, "5", TopicReplication.MIN_INSYNC_REPLICAS, "3"));
        TopicReplication factorOnly = replication(Map.of(TopicReplication.FACTOR, "2"));
        TopicReplication minInsyncOnly = replication(Map.of(TopicReplication.MIN_INSYNC_REPLICAS, "1"));

        assertThat(both.onCluster(5)).isEqualTo(new TopicReplication.Replicas((short) 5, OptionalInt.of(3)));
        assertThat(factorOnly.onCluster(3)).isEqualTo(new TopicReplication.Replicas((short) 2, OptionalInt.empty()));
        assertThat(minInsyncOnly.onCluster(3)).isEqualTo(new TopicReplication.Replicas((short) 3, OptionalInt.of(1)));
    }

    @Test
    void aMinimumOfInSyncReplicasAboveTheFactorIsRefusedForItWouldRefuseEveryWrite() {
        assertThatThrownBy(() -> replication(Map.of(TopicReplication.FACTOR, "2", TopicReplication.MIN_INSYNC_REPLICAS, "3")))
                .isInstanceOf(Env.SettingsException.class).hasMessageContaining(TopicReplication.MIN_INSYNC_REPLICAS);
        TopicReplication twoInSync = replication(Map.of(TopicReplication.MIN_INSYNC_REPLICAS, "2"));
        assertThatThrownBy(() -> twoInSync.onCluster(1))
                .isInstanceOf(Env.SettingsException.class).hasMessageContaining("replication factor 1");
    }

    @Test
    void badValuesNameTheirVariable() {
        assertThatThrownBy(() -> replication(Map.of(TopicReplication.FACTOR, "0")))
                .isInstanceOf(Env.SettingsException.class).hasMessageContaining(TopicReplication.FACTOR);
        assertThatThrownBy(() -> replication(Map.of(TopicReplication.MIN_INSYNC_REPLICAS, "two")))
                .isInstanceOf(Env.SettingsException.class).hasMessageContaining(TopicReplication.MIN_INSYNC_REPLICAS);
    }

    @Test
    void whatIsSetIsHandedOnToForkedJvmsThroughKafkaSettings() {
        Map<String, String> env = Map.of(KafkaSettings.BOOTSTRAP, "a:1,b:2,c:3", TopicReplication.FACTOR, "3");
        KafkaSettings settings = KafkaSettings.from(new Env(env));

        assertThat(KafkaSettings.from(new Env(settings.asEnvironment()))).isEqualTo(settings);
        assertThat(settings.asEnvironment()).containsEntry(TopicReplication.FACTOR, "3").doesNotContainKey(TopicReplication.MIN_INSYNC_REPLICAS);
    }

    private static TopicReplication replication(Map<String, String> env) {
        return TopicReplication.from(new Env(env));
    }
}
