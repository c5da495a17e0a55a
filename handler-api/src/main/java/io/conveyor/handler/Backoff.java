package io.conveyor.handler;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long a failed job waits before its retry: exponential back-off with jitter: the n-th retry waits between half and all of {@code min(max, base × 2^(n-1))},
 * so that jobs failing together do not retry together.
 *
 * @param base the nominal wait before the first retry
 * @param max  the longest nominal wait
 */
public record Backoff(Duration base, Duration max) {

    /** The largest back-off a job may ask for. */
    public static final Duration LIMIT = Duration.ofDays(1);
    /** The back-off of a job whose submission, type and worker say nothing else. */
    public static final Duration DEFAULT_BASE = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX = Duration.ofMinutes(5);

    /** A submission's back-off out of these bounds is refused by the contract as an invalid {@code backoff} field. */
    public Backoff {
        if (base.isNegative() || max.compareTo(base) < 0 || max.compareTo(LIMIT) > 0) {
            throw new IllegalArgumentException("backoff needs 0 <= baseMillis <= maxMillis <= " + LIMIT.toMillis()
                    + ", was baseMillis " + base.toMillis() + ", maxMillis " + max.toMillis());
        }
    }

    /** The wait before retry number {@code retry} (1 for the first retry). */
    public Duration delayBefore(int retry, RandomGenerator random) {
        long nominal = base.toMillis();
        for (int i = 1; i < retry && nominal < max.toMillis(); i++) {
            nominal *= 2;
        }
        nominal = Math.min(nominal, max.toMillis());
        long jittered = nominal / 2 + (nominal <= 1 ? 0 : random.nextLong(nominal - nominal / 2 + 1));
        return Duration.ofMillis(jittered);
    }
}
