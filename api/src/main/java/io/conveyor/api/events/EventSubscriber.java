package io.conveyor.api.events;

import io.conveyor.common.JobEvent;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One client's stream between the reader of the events topic and the client's own sending thread: a bounded buffer,
 * so that a client that reads slowly holds only its own events. The live reader never waits for it: when the buffer
 * is full the client has fallen behind, gets nothing more, and its stream is closed once what it holds is sent. A
 * replay reader of its own (a resumed stream) may wait instead, it serves nobody else.
 */
public final class EventSubscriber {

    /** Events a client may have waiting before it counts as fallen behind. */
    static final int BUFFER = 1_000;

    private final Predicate<JobEvent> wanted;
    private final BlockingQueue<StreamedEvent> buffer;
    private volatile boolean fellBehind;

    EventSubscriber(Predicate<JobEvent> wanted) {
        this(wanted, BUFFER);
    }

    EventSubscriber(Predicate<JobEvent> wanted, int buffer) {
        this.wanted = wanted;
        this.buffer = new ArrayBlockingQueue<>(buffer);
    }

    /** From the live reader: never blocks. */
    void offer(StreamedEvent event) {
        if (fellBehind || !wanted.test(event.event())) {
            return;
        }
        if (!buffer.offer(event)) {
            fellBehind = true;
        }
    }

    /** From a replay reader of this subscriber alone: waits for room. */
    void put(StreamedEvent event) throws InterruptedException {
        if (wanted.test(event.event())) {
            buffer.put(event);
        }
    }

    /** The next event to send, waiting at most {@code wait}; empty if none came. */
    Optional<StreamedEvent> next(Duration wait) throws InterruptedException {
        return Optional.ofNullable(buffer.poll(wait.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Whether events were dropped for this client, and everything it still holds has been taken. */
    boolean fellBehindAndDrained() {
        return fellBehind && buffer.isEmpty();
    }
}
