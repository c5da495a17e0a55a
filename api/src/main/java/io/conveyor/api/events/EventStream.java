package io.conveyor.api.events;

import java.time.Duration;
import java.util.Optional;

/** One client's open stream of events ({@link EventHub#open}); closing it stops what feeds it. */
public final class EventStream implements AutoCloseable {

    private final EventSubscriber subscriber;
    private final EventPosition from;
    private final boolean resumed;
    private final AutoCloseable feed;

    EventStream(EventSubscriber subscriber, EventPosition from, boolean resumed, AutoCloseable feed) {
        this.subscriber = subscriber;
        this.from = from;
        this.resumed = resumed;
        this.feed = feed;
    }

    /** Where the stream starts: the id to give an event sent before the first one read. */
    public EventPosition from() {
        return from;
    }

    /** Whether it continues an earlier stream ({@code Last-Event-ID}) rather than starting now. */
    public boolean resumed() {
        return resumed;
    }

    /** The next event, waiting at most {@code wait}; empty if none came. */
    public Optional<StreamedEvent> next(Duration wait) throws InterruptedException {
        return subscriber.next(wait);
    }

    /** Whether events were dropped because the client read too slowly, and all it still holds has been sent. */
    public boolean fellBehind() {
        return subscriber.fellBehindAndDrained();
    }

    @Override
    public void close() {
        try {
            feed.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not close an event stream", e);
        }
    }
}
