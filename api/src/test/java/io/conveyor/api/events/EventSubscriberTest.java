package io.conveyor.api.events;

import io.conveyor.common.JobEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class EventSubscriberTest {

    private static StreamedEvent event(int n) {
        JobEvent event = new JobEvent(UUID.randomUUID(), "noop", "SUCCEEDED", Instant.EPOCH, 1, null, null, null, null, true);
        return new StreamedEvent(event, "{}", new EventPosition(new long[]{n}));
    }

    @Test
    void aClientWhoseBufferFillsHasFallenBehindOnceItTookWhatItHolds() throws InterruptedException {
        EventSubscriber subscriber = new EventSubscriber(event -> true, 3);
        for (int i = 0; i < 3; i++) {
            subscriber.offer(event(i));
        }
        assertThat(subscriber.fellBehindAndDrained()).isFalse();

        subscriber.offer(event(3)); // no room: the live reader drops it rather than wait
        for (int i = 0; i < 3; i++) {
            assertThat(subscriber.fellBehindAndDrained()).isFalse();
            assertThat(subscriber.next(Duration.ZERO)).get().extracting(StreamedEvent::position).isEqualTo(new EventPosition(new long[]{i}));
        }
        assertThat(subscriber.fellBehindAndDrained()).isTrue();
        subscriber.offer(event(4));
        assertThat(subscriber.next(Duration.ZERO)).as("nothing after the gap: the stream ends at it").isEmpty();
    }

    @Test
    void onlyWantedEventsAreKept() throws InterruptedException {
        EventSubscriber subscriber = new EventSubscriber(event -> event.type().equals("sleep"), 3);
        subscriber.offer(event(0));
        assertThat(subscriber.next(Duration.ZERO)).isEmpty();
    }
}
