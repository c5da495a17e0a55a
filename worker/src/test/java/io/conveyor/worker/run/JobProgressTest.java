package io.conveyor.worker.run;

import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.handler.JobKind;
import io.conveyor.common.JobSubmission;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.context.JobContext;
import org.jobrunr.jobs.context.JobDashboardProgressBar;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobProgressTest {

    private final Job job = LedgerWriter.toJob(new JobSubmission(UUID.randomUUID(), "hash-files", null, 1, List.of(), Instant.now()), JobKind.COMPUTE);
    private final AtomicLong nanos = new AtomicLong();
    private final List<Long> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final JobProgress progress = new JobProgress(new JobContext(job) {
    }, "hash-files", 1, (id, type, attempt, done, total) -> heard.add(done), nanos::get);

    @Test
    void theFirstReportShowsAtOnceAsJobRunrsProgressBar() {
        progress.report(5, 20);

        JobDashboardProgressBar bar = JobDashboardProgressBar.get(job);
        assertThat(bar.getSucceededAmount()).isEqualTo(5);
        assertThat(bar.getTotalAmount()).isEqualTo(20);
        assertThat(bar.getProgressAsPercentage()).isEqualTo(25);
        assertThat(job.getMetadata()).containsOnlyKeys("jobRunrDashboardProgressBar-1");
    }

    @Test
    void laterReportsAreForwardedAtMostEveryIntervalAndTheLastOneWhenTheAttemptEnds() {
        progress.report(1, 100);
        nanos.addAndGet(JobProgress.FORWARD_INTERVAL.toNanos() / 2);
        progress.report(2, 100);
        assertThat(JobDashboardProgressBar.get(job).getSucceededAmount()).isEqualTo(1);

        nanos.addAndGet(JobProgress.FORWARD_INTERVAL.toNanos());
        progress.report(3, 100);
        assertThat(JobDashboardProgressBar.get(job).getSucceededAmount()).isEqualTo(3);

        progress.report(4, 100);
        progress.flush();
        assertThat(JobDashboardProgressBar.get(job).getSucceededAmount()).isEqualTo(4);
        assertThat(heard).as("what the listener (the events topic) hears: what was forwarded").containsExactly(1L, 3L, 4L);
    }

    @Test
    void completionIsForwardedAtOnceAndAnOutOfOrderReportIsIgnored() {
        progress.report(10, 100);
        progress.report(100, 100);
        assertThat(JobDashboardProgressBar.get(job).getProgressAsPercentage()).isEqualTo(100);

        progress.report(90, 100); // a compute thread that counted earlier but reported later
        progress.flush();
        assertThat(JobDashboardProgressBar.get(job).getSucceededAmount()).isEqualTo(100);
    }

    @Test
    void aNewTotalReplacesTheOldOneAndNegativeProgressIsAnError() {
        progress.report(10, 10);
        progress.report(3, 50);
        progress.flush();
        assertThat(JobDashboardProgressBar.get(job).getTotalAmount()).isEqualTo(50);
        assertThat(JobDashboardProgressBar.get(job).getSucceededAmount()).isEqualTo(3);
        assertThatThrownBy(() -> progress.report(-1, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noReportNoProgressBar() {
        progress.flush();
        assertThat(job.getMetadata()).isEmpty();
    }
}
