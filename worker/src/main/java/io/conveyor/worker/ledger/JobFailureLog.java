package io.conveyor.worker.ledger;

import io.conveyor.common.failure.FailureKind;
import io.conveyor.common.failure.JobHistory;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one log line of a failed run, written once the failure is recorded (a state-applied filter, on the job's thread,
 * so the line carries the job's logging context), in place of JobRunr's (which the logging configuration drops): an
 * expected failure (bad payload, unknown type, a path outside the data root, a handler's
 * {@code NonRetryableJobException}) is one WARN line with the reason; a handler's unexpected exception is a WARN with
 * its stack trace, which is what someone fixing the handler needs. Hand-backs and rescues are logged where they happen.
 */
public final class JobFailureLog implements ApplyStateFilter {

    private static final Logger LOGGER = LoggerFactory.getLogger(JobFailureLog.class);

    @Override
    public void onStateApplied(Job job, JobState oldState, JobState newState) {
        if (!(newState instanceof FailedState failed)) {
            return;
        }
        FailureKind kind = FailureKind.of(failed);
        String reason = failed.getExceptionMessage() != null ? failed.getExceptionMessage() : failed.getMessage();
        if (kind == FailureKind.NON_RETRYABLE) {
            LOGGER.warn("job {} ({}) failed, not retried: {}", job.getId(), job.getJobName(), reason);
        } else if (kind == FailureKind.ORDINARY) {
            String next = job.getJobState() == failed ? "no attempts left, the job ends FAILED" : "it will be retried";
            LOGGER.warn("job {} ({}) attempt {} failed, {}: {}\n{}", job.getId(), job.getJobName(), JobHistory.of(job).attemptsUsed(),
                    next, reason, failed.getStackTrace());
        }
    }
}
