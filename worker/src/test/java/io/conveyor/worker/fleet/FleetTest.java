package io.conveyor.worker.fleet;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class FleetTest {

    private final UUID self = UUID.randomUUID();
    private final UUID other = UUID.randomUUID();
    private final Fleet fleet = new Fleet();

    @Test
    void anotherWorkerRunsAJobOnlyIfItIsAliveAndAnnouncedItsTypeAndQueue() {
        fleet.update(Set.of(self, other));
        fleet.updateRuns(Map.of(self, new Fleet.Runs(Set.of("noop", "line-count"), Set.of("default")),
                other, new Fleet.Runs(Set.of("noop"), Set.of("default"))));

        assertThat(fleet.hasOtherThatRuns(self, "noop", "default")).isTrue();
        assertThat(fleet.hasOtherThatRuns(self, "line-count", "default")).as("only this worker has the type").isFalse();
        assertThat(fleet.hasOtherThatRuns(self, "noop", "reports")).as("no other serves the queue").isFalse();

        fleet.update(Set.of(self));
        assertThat(fleet.hasOtherThatRuns(self, "noop", "default")).as("the other one died").isFalse();
    }
}
