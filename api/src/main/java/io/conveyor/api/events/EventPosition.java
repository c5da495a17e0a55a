package io.conveyor.api.events;

import java.util.Arrays;
import java.util.Optional;

/**
 * Where a reader of the events topic stands: the next offset to read in each partition. It is the id of every event
 * sent on a stream ({@code id:} of Server-Sent Events, so {@code Last-Event-ID} on a reconnect), which is why it holds
 * every partition and not only the event's own: a stream resumed from it misses nothing and repeats nothing, whichever
 * partitions its events came from. Written as the offsets joined by dots, partition 0 first.
 */
public record EventPosition(long[] next) {

    public EventPosition {
        next = next.clone();
    }

    static EventPosition start(int partitions) {
        return new EventPosition(new long[partitions]);
    }

    /** The position once the record at {@code offset} of {@code partition} has been read. */
    EventPosition after(int partition, long offset) {
        long[] moved = next.clone();
        moved[partition] = offset + 1;
        return new EventPosition(moved);
    }

    long next(int partition) {
        return next[partition];
    }

    int partitions() {
        return next.length;
    }

    /**
     * Reads a {@code Last-Event-ID}; empty if it is not one of ours (a client's own id, another topic's layout): such
     * a stream starts from now, as a new one does.
     */
    public static Optional<EventPosition> parse(String id, int partitions) {
        if (id == null || id.isBlank()) {
            return Optional.empty();
        }
        String[] parts = id.trim().split("\\.", -1);
        if (parts.length != partitions) {
            return Optional.empty();
        }
        long[] next = new long[partitions];
        try {
            for (int i = 0; i < partitions; i++) {
                next[i] = Long.parseLong(parts[i]);
                if (next[i] < 0) {
                    return Optional.empty();
                }
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(new EventPosition(next));
    }

    @Override
    public String toString() {
        return String.join(".", Arrays.stream(next).mapToObj(Long::toString).toArray(String[]::new));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EventPosition position && Arrays.equals(next, position.next);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(next);
    }
}
