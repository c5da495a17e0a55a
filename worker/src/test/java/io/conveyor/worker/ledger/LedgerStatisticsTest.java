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

    @Test
    void aTableIsWorthAVacuumWhenAFifthOfItsLiveRowsAreDeadAndNobodyVacuumedItLately() {
        long few = LedgerStatistics.VACUUM_MIN_DEAD - 1;
        long gap = LedgerStatistics.VACUUM_GAP.toSeconds();
        assertThat(LedgerStatistics.worthVacuum(20_000, 40_000, null)).as("never vacuumed").isTrue();
        assertThat(LedgerStatistics.worthVacuum(20_000, 40_000, (double) gap)).isTrue();
        assertThat(LedgerStatistics.worthVacuum(20_000, 40_000, gap - 1.0)).as("vacuumed moments ago").isFalse();
        assertThat(LedgerStatistics.worthVacuum(0, few, null)).as("too few dead rows to matter").isFalse();
        assertThat(LedgerStatistics.worthVacuum(1_000_000, 200_001, null)).isTrue();
        assertThat(LedgerStatistics.worthVacuum(1_000_000, 200_000, null)).as("a fifth, not more").isFalse();
    }
}
