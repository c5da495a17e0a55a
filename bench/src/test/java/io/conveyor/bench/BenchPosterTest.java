package io.conveyor.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BenchPosterTest {

    @Test
    void a503IsSentAgainAfterTheSecondsItsRetryAfterNamesElseAfterOne() {
        assertThat(BenchPoster.retryAfter("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(BenchPoster.retryAfter(" 1 ")).isEqualTo(Duration.ofSeconds(1));
        assertThat(BenchPoster.retryAfter(null)).isEqualTo(BenchPoster.RETRY_AFTER_DEFAULT);
        assertThat(BenchPoster.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT")).isEqualTo(BenchPoster.RETRY_AFTER_DEFAULT);
    }
}
