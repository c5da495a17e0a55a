package io.conveyor.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SoakReportTest {

    private static final Duration HORIZON = Duration.ofSeconds(70);
    private static final long IN_FLIGHT = 20_000;

    /** A checkpoint every 100,000 jobs at 1,000 jobs/s, with the given RSS of the API and of one worker, and ledger rows. */
    private static List<SoakReport.Checkpoint> run(double[] apiRss, double[] workerRss, long[] rows) {
        List<SoakReport.Checkpoint> checkpoints = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            checkpoints.add(new SoakReport.Checkpoint((i + 1) * 100_000L, Duration.ofSeconds((i + 1) * 100L),
                    Map.of("API", apiRss[i]), 400, Map.of("SUCCEEDED", rows[i] / 2, "DELETED", rows[i] - rows[i] / 2), 0, rows[i] * 1_500));
        }
        for (int i = 0; i < rows.length; i++) {
            checkpoints.get(i).rssMiB().put("worker 1", workerRss[i]);
        }
        return checkpoints;
    }

    @Test
    void eachSegmentsRateIsItsJobsOverItsTime() {
        List<SoakReport.Checkpoint> checkpoints = List.of(
                new SoakReport.Checkpoint(100_000, Duration.ofSeconds(200), Map.of(), 0, Map.of(), 0, 1),
                new SoakReport.Checkpoint(200_000, Duration.ofSeconds(250), Map.of(), 0, Map.of(), 0, 1));
        SoakReport report = new SoakReport(checkpoints, HORIZON, IN_FLIGHT);

        assertThat(report.segmentRate(0)).isCloseTo(500, within(0.001));
        assertThat(report.segmentRate(1)).isCloseTo(2_000, within(0.001));
    }

    @Test
    void rssIsJudgedFromTheFirstCheckpointWith100000JobsDoneAgainstTheLargestLaterFigure() {
        SoakReport report = new SoakReport(run(new double[]{100, 250, 280, 299}, new double[]{200, 300, 360, 330}, new long[]{90_000, 90_000, 90_000, 90_000}),
                HORIZON, IN_FLIGHT);

        assertThat(report.baselineIndex()).isZero(); // the first checkpoint already has 100,000 jobs done
        assertThat(report.rssGrowth()).extracting(SoakReport.RssGrowth::jvm).containsExactly("API", "worker 1");
        assertThat(report.rssGrowth().getFirst().largestAfterMiB()).isEqualTo(299);
        assertThat(report.rssWithinLimit()).contains(false); // the API's 100 → 299 MiB
    }

    @Test
    void checkpointsBefore100000JobsAreNotTheBaseline() {
        List<SoakReport.Checkpoint> checkpoints = new ArrayList<>();
        double[] rss = {150, 300, 330, 340};
        for (int i = 0; i < rss.length; i++) {
            checkpoints.add(new SoakReport.Checkpoint((i + 1) * 50_000L, Duration.ofSeconds((i + 1) * 50L), Map.of("API", rss[i]), 0, Map.of(), 0, 1));
        }
        SoakReport report = new SoakReport(checkpoints, HORIZON, IN_FLIGHT);

        assertThat(report.baselineIndex()).isEqualTo(1);
        assertThat(report.rssGrowth().getFirst().baselineMiB()).isEqualTo(300);
        assertThat(report.rssWithinLimit()).contains(true);
    }

    @Test
    void growthWithinTwentyPercentPassesAndAStepOverItFails() {
        SoakReport within = new SoakReport(run(new double[]{300, 330, 360}, new double[]{250, 260, 255}, new long[]{1, 1, 1}), HORIZON, IN_FLIGHT);
        SoakReport over = new SoakReport(run(new double[]{300, 330, 361}, new double[]{250, 260, 255}, new long[]{1, 1, 1}), HORIZON, IN_FLIGHT);

        assertThat(within.rssWithinLimit()).contains(true);
        assertThat(over.rssWithinLimit()).contains(false);
        assertThat(over.verdicts()).contains("API 300 → 361 MiB (+20.3 %)", "**no**");
    }

    @Test
    void aRunWithOneCheckpointHasNoRssVerdict() {
        SoakReport report = new SoakReport(run(new double[]{300}, new double[]{250}, new long[]{1}), HORIZON, IN_FLIGHT);

        assertThat(report.rssWithinLimit()).isEmpty();
        assertThat(report.verdicts()).contains("RSS: not judged");
    }

    @Test
    void theLedgerIsBoundedWhileItHoldsNoMoreThanRetentionAllowsAtTheFastestRate() {
        // 1,000 jobs/s × 1.2 × 70 s + 20,000 in flight
        long bound = 104_000;
        SoakReport bounded = new SoakReport(run(new double[]{1, 1, 1}, new double[]{1, 1, 1}, new long[]{100_000, 104_000, 98_000}), HORIZON, IN_FLIGHT);
        SoakReport growing = new SoakReport(run(new double[]{1, 1, 1}, new double[]{1, 1, 1}, new long[]{100_000, 200_000, 300_000}), HORIZON, IN_FLIGHT);

        assertThat(bounded.rowBound()).isEqualTo(bound);
        assertThat(bounded.ledgerBounded()).isTrue();
        assertThat(growing.ledgerBounded()).isFalse();
        assertThat(growing.mostRows()).isEqualTo(300_000);
    }

    @Test
    void theTableShowsEveryCheckpointWithItsStatesAndTheVerdicts() {
        SoakReport report = new SoakReport(run(new double[]{300, 310}, new double[]{250, 255}, new long[]{80_000, 81_000}), HORIZON, IN_FLIGHT);

        String markdown = report.markdown();

        assertThat(markdown).contains("| jobs done | s | jobs/s | RSS API MiB | RSS worker 1 MiB | RSS bench JVM MiB | SUCCEEDED | DELETED | outbox | jobs table MiB |")
                .contains("| 100,000 | 100 | 1,000 | 300 | 250 | 400 | 40,000 | 40,000 | 0 | 114 |")
                .contains("| 200,000 | 200 | 1,000 | 310 | 255 | 400 | 40,500 | 40,500 | 0 | 116 |")
                .contains("Within +20 %: **yes**", "Bounded: **yes**");
    }
}
