package io.conveyor.api;

import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.RecurringSchedule;
import org.jobrunr.jobs.Job;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.UUID;

/**
 * The dashboard's Trigger button on a Conveyor recurring job: one run of the recurring job's submission, now. JobRunr's
 * dashboard would save a copy of the recurring job's details as an ENQUEUED job, but those name no class (they carry
 * the client's submission, {@link RecurringSchedule}), so no worker could run it; {@link DashboardStorage} hands that
 * job here instead, and it becomes what {@code POST /jobs} makes of the same submission: a job with an id of this API's,
 * sent through Kafka, written by a worker's intake with the recurring job's name as its recurring job id.
 */
final class RecurringTrigger {

    private static final Logger LOGGER = LoggerFactory.getLogger(RecurringTrigger.class);

    private final JobSubmitter submitter;
    private final JobIds ids;
    private final Clock clock;

    RecurringTrigger(JobSubmitter submitter, JobIds ids, Clock clock) {
        this.submitter = submitter;
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * Submits one run of the recurring job that {@code triggered} was copied from; returns once Kafka holds it (throws
     * {@link KafkaUnavailableException} if it cannot, and then nothing runs).
     */
    UUID submit(Job triggered) {
        String name = triggered.getRecurringJobId().orElseThrow(() -> new IllegalArgumentException("a trigger names its recurring job"));
        JobSubmission run;
        try {
            run = JobSubmissionJson.fromClient(JobSubmissionJson.MAPPER.readTree(RecurringSchedule.jobJson(triggered.getJobDetails())),
                    ids.next(), clock.instant()).runOf(name);
        } catch (IOException e) {
            throw new IllegalStateException("recurring job " + name + ": its stored submission is not JSON", e);
        }
        submitter.submit(run);
        LOGGER.info("recurring job {} triggered on the dashboard: job {}", name, run.id());
        return run.id();
    }
}
