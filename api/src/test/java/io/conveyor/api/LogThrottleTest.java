package io.conveyor.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LogThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(10), now::get);

    @Test
    void theFirstOccurrenceIsLoggedTheRestOfThePeriodIsCountedAndTheNextLineSaysHowMany() {
        assertThat(throttle.occurred()).isZero();
        for (int i = 0; i < 500; i++) {
            now.addAndGet(Duration.ofMillis(10).toNanos());
            assertThat(throttle.occurred()).isEqualTo(-1);
        }
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(throttle.occurred()).as("a period after the first line").isEqualTo(500);
        assertThat(throttle.occurred()).isEqualTo(-1);
    }

    @Test
    void anOccurrenceAfterAQuietPeriodIsLoggedAtOnce() {
        assertThat(throttle.occurred()).isZero();
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        assertThat(throttle.occurred()).isZero();
    }
}
