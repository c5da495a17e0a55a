package io.conveyor.api;

import io.conveyor.common.JobSubmission;

import java.util.List;

/**
 * Makes accepted jobs durable before the API answers 202; the HTTP layer depends on this rather than on Kafka.
 */
public interface JobSubmitter extends AutoCloseable {

    /** Returns once the job is durable; throws {@link KafkaUnavailableException} if that cannot be known in time. */
    void submit(JobSubmission job);

    /** Returns once every job is durable; throws {@link KafkaUnavailableException} if any cannot be made so in time. */
    void submitAll(List<JobSubmission> jobs);

    @Override
    default void close() {
    }
}
