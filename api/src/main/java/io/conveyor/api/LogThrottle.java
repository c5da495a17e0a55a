package io.conveyor.api;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most one log line per period for a condition that can repeat thousands of times a second (an overload answers
 * every request 503): the other occurrences are counted, and the next line says how many there were.
 */
final class LogThrottle {

    private final long periodNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong nextLineAt;
    private final AtomicLong quiet = new AtomicLong();

    LogThrottle(Duration period) {
        this(period, System::nanoTime);
    }

    LogThrottle(Duration period, LongSupplier nanoTime) {
        this.periodNanos = period.toNanos();
        this.nanoTime = nanoTime;
        this.nextLineAt = new AtomicLong(nanoTime.getAsLong());
    }

    /**
     * One more occurrence: -1 if it should stay quiet, else how many occurrences stayed quiet since the last line
     * (log this one and say so).
     */
    long occurred() {
        long now = nanoTime.getAsLong();
        long due = nextLineAt.get();
        if (now - due >= 0 && nextLineAt.compareAndSet(due, now + periodNanos)) {
            return quiet.getAndSet(0);
        }
        quiet.incrementAndGet();
        return -1;
    }
}
