package io.conveyor.worker.fleet;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Which worker processes (JobRunr servers) are alive now, as the {@link OrphanRescuer} last saw them, and what each
 * live one runs, as their announcements last said ({@link WorkerAnnouncement}).
 */
public final class Fleet {

    private volatile Set<UUID> alive = Set.of();
    private volatile Map<UUID, Runs> runs = Map.of();

    /** The job types a worker has handlers for and the queues it serves. */
    record Runs(Set<String> types, Set<String> queues) {
    }

    void update(Set<UUID> aliveNow) {
        alive = Set.copyOf(aliveNow);
    }

    void updateRuns(Map<UUID, Runs> announced) {
        runs = Map.copyOf(announced);
    }

    /** Whether a worker other than {@code self} is alive. */
    public boolean hasOtherThan(UUID self) {
        return alive.stream().anyMatch(id -> !id.equals(self));
    }

    /** Whether a live worker other than {@code self} runs jobs of {@code type} on {@code queue}. */
    public boolean hasOtherThatRuns(UUID self, String type, String queue) {
        Set<UUID> aliveNow = alive;
        return runs.entrySet().stream().anyMatch(worker -> !worker.getKey().equals(self) && aliveNow.contains(worker.getKey())
                && worker.getValue().types().contains(type) && worker.getValue().queues().contains(queue));
    }

    public Set<UUID> alive() {
        return alive;
    }
}
