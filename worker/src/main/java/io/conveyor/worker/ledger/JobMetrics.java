package io.conveyor.worker.ledger;

import io.conveyor.common.failure.FailureKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.states.DeletedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.jobs.states.SucceededState;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Counts what happens to jobs on this worker from the same hook as the events ({@link JobEventPublisher}): JobRunr's
 * state-applied filter, which sees every state change after the ledger saved it, whichever path saved it (a claim,
 * a job's end, a batch of successes, a rescue, a hand-back). By job type:
 * <ul>
 * <li>{@code conveyor_jobs_started_total}: runs started (PROCESSING);</li>
 * <li>{@code conveyor_jobs_succeeded_total};</li>
 * <li>{@code conveyor_jobs_failed_total}: jobs that ended FAILED for good (no attempt follows);</li>
 * <li>{@code conveyor_jobs_retried_total}: failed attempts after which the job runs again (a back-off, or at once
 * after its worker was lost);</li>
 * <li>{@code conveyor_jobs_handed_back_total}: runs given back unfinished (a stop, or to retry elsewhere);</li>
 * <li>{@code conveyor_jobs_rescued_total}: runs taken from a worker that died or hung, or that the job killed;</li>
 * <li>{@code conveyor_jobs_cancelled_total}: jobs deleted before they succeeded, counted by the worker that relays the
 * deletion ({@link DeletedJobsRelay}, not this filter: no worker's own change deletes a job);</li>
 * <li>{@code conveyor_job_run_seconds{outcome}}: how long runs that succeeded or failed took;</li>
 * <li>{@code conveyor_job_wait_seconds}: from acceptance by the API (the time in the job's UUIDv7 id) to its first start.</li>
 * </ul>
 * A worker counts the changes it applied; the fleet's totals are the sum over workers.
 */
public final class JobMetrics implements ApplyStateFilter {

    private static final Duration SHORTEST = Duration.ofMillis(1);
    private static final Duration LONGEST = Duration.ofHours(1);

    private final MeterRegistry registry;

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onStateApplied(Job job, JobState oldState, JobState newState) {
        String type = job.getJobName() == null ? "" : job.getJobName();
        switch (newState) {
            case ProcessingState processing -> {
                count("conveyor.jobs.started", "Job runs started", type);
                if (isFirst(job, processing)) {
                    waitedSinceAccepted(job.getId(), processing.getCreatedAt()).ifPresent(wait -> timer("conveyor.job.wait",
                            "From a job's acceptance by the API to its first start", type).record(wait));
                }
            }
            case SucceededState succeeded -> {
                count("conveyor.jobs.succeeded", "Jobs that succeeded", type);
                if (succeeded.getProcessDuration() != null) {
                    run(type, "succeeded").record(succeeded.getProcessDuration());
                }
            }
            case FailedState failed -> failed(job, failed, type);
            default -> { }
        }
    }

    /** The job, now DELETED in the ledger, was relayed by this worker: a cancel unless it had succeeded before. */
    void deleted(Job job) {
        List<JobState> states = job.getJobStates();
        JobState before = states.size() < 2 ? null : states.get(states.size() - 2);
        if (job.getJobState() instanceof DeletedState && (before == null || before.getName() != StateName.SUCCEEDED)) {
            count("conveyor.jobs.cancelled", "Jobs deleted before they succeeded", job.getJobName() == null ? "" : job.getJobName());
        }
    }

    private void failed(Job job, FailedState failed, String type) {
        FailureKind kind = FailureKind.of(failed);
        switch (kind) {
            case HANDED_BACK -> count("conveyor.jobs.handed.back", "Job runs handed back unfinished", type);
            case WORKER_LOST, KILLED_WORKER -> count("conveyor.jobs.rescued", "Job runs taken from a worker that died or hung, or that the job killed", type);
            case ORDINARY, NON_RETRYABLE -> {
                List<JobState> states = job.getJobStates();
                int index = indexOf(states, failed);
                if (index > 0 && states.get(index - 1) instanceof ProcessingState processing) {
                    run(type, "failed").record(Duration.between(processing.getCreatedAt(), failed.getCreatedAt()));
                }
            }
        }
        if (kind.countsAsAttempt()) {
            if (job.getJobState() == failed) {
                count("conveyor.jobs.failed", "Jobs that ended FAILED, no attempt following", type);
            } else {
                count("conveyor.jobs.retried", "Failed attempts after which the job runs again", type);
            }
        }
    }

    private void count(String name, String description, String type) {
        Counter.builder(name).description(description).tag("type", type).register(registry).increment();
    }

    private Timer run(String type, String outcome) {
        return Timer.builder("conveyor.job.run").description("How long job runs took, by how they ended")
                .tags("type", type, "outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(SHORTEST).maximumExpectedValue(LONGEST)
                .register(registry);
    }

    private Timer timer(String name, String description, String type) {
        return Timer.builder(name).description(description).tag("type", type)
                .publishPercentileHistogram().minimumExpectedValue(SHORTEST).maximumExpectedValue(LONGEST)
                .register(registry);
    }

    private static boolean isFirst(Job job, ProcessingState processing) {
        for (JobState state : job.getJobStates()) {
            if (state instanceof ProcessingState) {
                return state == processing;
            }
        }
        return false;
    }

    private static int indexOf(List<JobState> states, JobState state) {
        for (int i = states.size() - 1; i >= 0; i--) {
            if (states.get(i) == state) {
                return i;
            }
        }
        return -1;
    }

    /** The API's ids are UUIDv7, whose first 48 bits are the millisecond of acceptance; other ids say nothing. */
    static java.util.Optional<Duration> waitedSinceAccepted(UUID id, Instant started) {
        if (id.version() != 7 || started == null) {
            return java.util.Optional.empty();
        }
        Instant accepted = Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16);
        Duration wait = Duration.between(accepted, started);
        return java.util.Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    }
}
