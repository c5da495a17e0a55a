package io.conveyor.api.events;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EventPositionTest {

    @Test
    void anEventIdNamesTheNextOffsetOfEveryPartitionAndReadsBack() {
        EventPosition position = EventPosition.start(3).after(1, 41).after(2, 6);

        assertThat(position.toString()).isEqualTo("0.42.7");
        assertThat(EventPosition.parse("0.42.7", 3)).contains(position);
    }

    @Test
    void anIdThatIsNotOursStartsFromNow() {
        assertThat(EventPosition.parse(null, 3)).isEmpty();
        assertThat(EventPosition.parse("0.42", 3)).as("another number of partitions").isEmpty();
        assertThat(EventPosition.parse("a.b.c", 3)).isEmpty();
        assertThat(EventPosition.parse("0.-1.2", 3)).isEmpty();
        assertThat(EventPosition.parse("client-id-7", 3)).isEmpty();
    }
}
