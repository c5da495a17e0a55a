package io.conveyor.common.jobjson;

import org.junit.jupiter.api.Test;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InstantTextTest {

    /** From year 0 to 9999, the years the fast path writes; beyond them it hands over to Instant itself. */
    private static final long FIRST = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long LAST = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

    @Test
    void writesAndReadsAsInstantDoes() {
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(FIRST - 10_000_000_000L, LAST + 10_000_000_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1_000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertThat(InstantText.format(instant)).isEqualTo(instant.toString());
            assertThat(InstantText.parse(instant.toString())).isEqualTo(instant);
        }
    }

    @Test
    void theEdgesOfTheFastPathAndBeyond() {
        for (Instant instant : List.of(Instant.EPOCH, Instant.ofEpochSecond(-1, 999_999_999), Instant.ofEpochSecond(FIRST), Instant.ofEpochSecond(LAST, 999_999_999),
                Instant.ofEpochSecond(FIRST - 1), Instant.ofEpochSecond(LAST + 1), Instant.MIN, Instant.MAX, Instant.parse("2026-12-03T06:52:09.000000001Z"))) {
            assertThat(InstantText.format(instant)).isEqualTo(instant.toString());
            assertThat(InstantText.parse(instant.toString())).isEqualTo(instant);
        }
    }

    @Test
    void readsWhatInstantReadsBesidesItsOwnTextAndRefusesWhatItRefuses() {
        List<String> texts = List.of("2026-12-03T06:52:09.5Z", "2026-12-03T06:52:09.12345Z", "2026-12-03T06:52:09+01:00", "2016-12-31T23:59:60Z",
                "2026-12-03T06:52Z", "2026-12-03T06:52:09.Z", "2026-13-03T06:52:09Z", "2026-02-30T06:52:09Z", "2026-12-03T24:00:00Z",
                "2026-12-03 06:52:09Z", "+12026-12-03T06:52:09Z", "x");
        for (String text : texts) {
            Instant expected;
            try {
                expected = Instant.parse(text);
            } catch (DateTimeParseException e) {
                assertThatThrownBy(() -> InstantText.parse(text)).as(text).isInstanceOf(DateTimeException.class);
                continue;
            }
            assertThat(InstantText.parse(text)).as(text).isEqualTo(expected);
        }
    }
}
