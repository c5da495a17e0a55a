package io.conveyor.worker.fleet;

import java.util.Set;
import java.util.UUID;

/**
 * Which worker processes (JobRunr servers) are alive now, as the {@link OrphanRescuer} last saw them.
 */
public final class Fleet {

    private volatile Set<UUID> alive = Set.of();

    void update(Set<UUID> aliveNow) {
        alive = Set.copyOf(aliveNow);
    }

    /** Whether a worker other than {@code self} is alive. */
    public boolean hasOtherThan(UUID self) {
        return alive.stream().anyMatch(id -> !id.equals(self));
    }

    public Set<UUID> alive() {
        return alive;
    }
}
