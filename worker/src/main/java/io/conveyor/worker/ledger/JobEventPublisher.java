package io.conveyor.worker.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobEvent;
import io.conveyor.handler.JobHandler;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.KafkaProducers;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.failure.JobHistory;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.states.DeletedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.ScheduledState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Future;

/**
 * Publishes every state change of a job to the events topic, from JobRunr's state-applied hook (after the change is
 * saved in the ledger), and the ENQUEUED of jobs the intake created. Sending is asynchronous: a slow broker never
 * holds up a job; an event that cannot be sent is logged and dropped (the ledger stays the record).
 */
public final class JobEventPublisher implements ApplyStateFilter, AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(JobEventPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final String worker;

    public JobEventPublisher(KafkaSettings kafka, String clientId) {
        this.producer = KafkaProducers.acknowledged(kafka, clientId + "-events", Duration.ofSeconds(5));
        this.topic = kafka.topics().events();
        this.worker = clientId;
        // Fetch the topic's metadata now, so that the first event does not wait for it on a job thread.
        producer.partitionsFor(topic);
    }

    /** Every state but DELETED, whose events {@link DeletedJobsRelay} publishes for every path that deletes, this one too. */
    @Override
    public void onStateApplied(Job job, JobState oldState, JobState newState) {
        if (!(newState instanceof DeletedState)) {
            publish(job, newState);
        }
    }

    /**
     * The first event of jobs the intake wrote to the ledger (no JobRunr hook sees a job's creation there): ENQUEUED or
     * SCHEDULED, or FAILED for a record that was not a valid job.
     */
    public void written(List<Job> jobs) {
        jobs.forEach(job -> publish(job, job.getJobState()));
    }

    private void publish(Job job, JobState state) {
        try {
            send(job, state, (metadata, error) -> {
                if (error != null) {
                    LOGGER.warn("could not publish {} event of job {}: {}", state.getName(), job.getId(), error.toString());
                }
            });
        } catch (RuntimeException e) {
            LOGGER.warn("could not publish {} event of job {}: {}", state.getName(), job.getId(), e.toString());
        }
    }

    /** Sends the event of {@code state}; the future completes when Kafka acknowledged it, or fails. */
    Future<RecordMetadata> publishNow(Job job, JobState state) {
        return send(job, state, null);
    }

    private Future<RecordMetadata> send(Job job, JobState state, Callback callback) {
        JobEvent event = new JobEvent(job.getId(), job.getJobName(), state.getName().name(), state.getCreatedAt(),
                attempt(job), worker(job, state), reason(state), state.getName().name().equals("SUCCEEDED") ? result(job) : null,
                null, ends(job, state));
        return send(event, callback);
    }

    /** A running job's progress report (see {@link io.conveyor.worker.run.JobProgress}). */
    public void progress(UUID job, String type, int attempt, long done, long total) {
        JobEvent event = JobEvent.progress(job, type, attempt, worker, done, total);
        try {
            send(event, (metadata, error) -> {
                if (error != null) {
                    LOGGER.debug("could not publish a progress event of job {}: {}", job, error.toString());
                }
            });
        } catch (RuntimeException e) {
            LOGGER.debug("could not publish a progress event of job {}: {}", job, e.toString());
        }
    }

    private Future<RecordMetadata> send(JobEvent event, Callback callback) {
        return producer.send(new ProducerRecord<>(topic, event.id().toString(), event.toJson()), callback);
    }

    /** Whether {@code state} is the job's last: DELETED, or SUCCEEDED or FAILED with no retry elected in the same change. */
    private static boolean ends(Job job, JobState state) {
        return state instanceof DeletedState || state == job.getJobState() && switch (state.getName()) {
            case SUCCEEDED, FAILED -> true;
            default -> false;
        };
    }

    /** The attempt the job is on: the attempts started; 1 before the first run. */
    private static int attempt(Job job) {
        return Math.max(1, JobHistory.of(job).attemptsStarted());
    }

    private static String worker(Job job, JobState state) {
        if (state instanceof ProcessingState processing) {
            return processing.getServerName();
        }
        return job.getLastJobStateOfType(ProcessingState.class).map(ProcessingState::getServerName).orElse(null);
    }

    private static String reason(JobState state) {
        return switch (state) {
            case FailedState failed -> failed.getExceptionMessage() != null ? failed.getExceptionMessage() : failed.getMessage();
            case ScheduledState scheduled -> scheduled.getReason();
            case DeletedState deleted -> deleted.getReason();
            default -> null;
        };
    }

    private static JsonNode result(Job job) {
        Object stored = job.getMetadata().get(JobHandler.RESULT_METADATA_KEY);
        try {
            return stored == null ? null : JobSubmissionJson.MAPPER.readTree(stored.toString());
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
