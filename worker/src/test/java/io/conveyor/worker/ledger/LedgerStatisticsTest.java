package io.conveyor.worker.ledger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LedgerStatisticsTest {

    @Test
    void statisticsAreStaleWhenTheTableHoldsMoreThanTwiceTheRowsTheyCounted() {
        assertThat(LedgerStatistics.stale(-1, 5_000)).as("never gathered").isTrue();
        assertThat(LedgerStatistics.stale(0, 5_000)).as("gathered on an empty table").isTrue();
        assertThat(LedgerStatistics.stale(2_000, 4_001)).isTrue();
        assertThat(LedgerStatistics.stale(2_000, 4_000)).isFalse();
        assertThat(LedgerStatistics.stale(1_000_000, 1_500_000)).as("autovacuum's to follow").isFalse();
    }

    @Test
    void aSmallTableIsNeverAnalyzedByConveyor() {
        assertThat(LedgerStatistics.stale(-1, LedgerStatistics.SMALL_TABLE - 1)).isFalse();
    }
}
