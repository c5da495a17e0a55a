package io.conveyor.api;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class JobIdsTest {

    private static final String SECRET = "a-test-secret-of-enough-length";
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678Z");

    @Test
    void idsAreVersion7WithTheRfcVariantAndCarryTheMillisecond() {
        UUID id = new JobIds(SECRET, Clock.fixed(T0, ZoneOffset.UTC)).next();

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(T0.toEpochMilli());
    }

    @Test
    void idsFromLaterMillisecondsSortAfterEarlierOnes() {
        MutableClock clock = new MutableClock(T0);
        JobIds ids = new JobIds(SECRET, clock);
        List<UUID> issued = new ArrayList<>();
        for (int ms = 0; ms < 50; ms++) {
            issued.add(ids.next());
            clock.advanceMillis(1);
        }

        assertThat(issued).isSortedAccordingTo(Comparator.comparing(UUID::toString));
    }

    @Test
    void idsWithinOneMillisecondStillIncrease() {
        JobIds ids = new JobIds(SECRET, Clock.fixed(T0, ZoneOffset.UTC));
        List<String> issued = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            issued.add(ids.next().toString());
        }

        assertThat(issued).doesNotHaveDuplicates().isSorted();
    }

    @Test
    void aClockGoingBackwardsDoesNotMakeIdsGoBackwards() {
        MutableClock clock = new MutableClock(T0);
        JobIds ids = new JobIds(SECRET, clock);
        UUID first = ids.next();
        clock.advanceMillis(-1000);

        assertThat(ids.next().toString()).isGreaterThan(first.toString());
    }

    @Test
    void theTagOfAnIssuedIdVerifiesOnAnyInstanceWithTheSameSecret() {
        UUID id = new JobIds(SECRET, Clock.systemUTC()).next();

        assertThat(new JobIds(SECRET, Clock.systemUTC()).issuedHere(id)).isTrue();
    }

    @Test
    void anyFlippedBitFailsTheTag() {
        JobIds ids = new JobIds(SECRET, Clock.systemUTC());
        UUID id = ids.next();
        for (int bit = 0; bit < 64; bit++) {
            UUID flippedHigh = new UUID(id.getMostSignificantBits() ^ (1L << bit), id.getLeastSignificantBits());
            UUID flippedLow = new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits() ^ (1L << bit));
            assertThat(ids.issuedHere(flippedHigh)).as("high bit %d flipped", bit).isFalse();
            assertThat(ids.issuedHere(flippedLow)).as("low bit %d flipped", bit).isFalse();
        }
    }

    @Test
    void randomUuidsAndOtherVersion7IdsFail() {
        JobIds ids = new JobIds(SECRET, Clock.systemUTC());
        UUID version7 = new UUID((System.currentTimeMillis() << 16) | 0x7123L, 0x8123_4567_89AB_CDEFL);

        assertThat(ids.issuedHere(UUID.randomUUID())).isFalse();
        assertThat(ids.issuedHere(version7)).isFalse();
    }

    @Test
    void anIdIssuedUnderAnotherSecretFails() {
        UUID id = new JobIds(SECRET, Clock.systemUTC()).next();

        assertThat(new JobIds("another-secret-of-enough-length", Clock.systemUTC()).issuedHere(id)).isFalse();
    }

    /** A clock a test moves by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advanceMillis(long millis) {
            now = now.plusMillis(millis);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public long millis() {
            return now.toEpochMilli();
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aKeyGivesTheSameVerifiableIdOnEveryInstanceWithTheSecretAndAnotherIdUnderAnotherKeyOrSecret() {
        JobIds one = new JobIds(SECRET, Clock.fixed(T0, ZoneOffset.UTC));
        JobIds other = new JobIds(SECRET, Clock.systemUTC());

        UUID id = one.forKey("order-42");

        assertThat(id.version()).isEqualTo(8);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(other.forKey("order-42")).isEqualTo(id);
        assertThat(other.issuedHere(id)).isTrue();
        assertThat(one.forKey("order-43")).isNotEqualTo(id);
        JobIds elsewhere = new JobIds(SECRET + "-other", Clock.systemUTC());
        assertThat(elsewhere.forKey("order-42")).isNotEqualTo(id);
        assertThat(elsewhere.issuedHere(id)).isFalse();
    }
}
