package io.conveyor.common;

import io.conveyor.handler.Backoff;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A job as accepted by the API and carried on the jobs topic: the worker turns it into a JobRunr job with the same id.
 *
 * @param id          the job id, also the JobRunr job id and the Kafka record key
 * @param type        selects the handler that runs the job; never a Java class name
 * @param payload     the handler's input, a JSON object
 * @param maxAttempts how many times the job may run before it stays FAILED (1 = no retry)
 * @param labels      up to {@value #MAX_LABELS} short labels, shown on the dashboard
 * @param acceptedAt  when the API accepted the job
 * @param backoff     the job's own retry back-off, or null for its type's default
 * @param priority    which waiting jobs are claimed first; {@link JobPriority#NORMAL} unless the client said otherwise
 * @param runAt       when the job is to start (it is SCHEDULED until then), or null: at once
 * @param timeout     how long one attempt may run before it is interrupted and fails, or null for its type's default
 * @param queue       which workers may run it: those that serve this queue ({@code CONVEYOR_QUEUES}); {@value #DEFAULT_QUEUE}
 *                    unless the client said otherwise
 * @param batch       the batch this job is a member of ({@code POST /batches}), or null
 * @param completes   what makes this job a batch's completion job, or null
 * @param recurring   the recurring job whose run this job is, made by the dashboard's Trigger button, or null
 */
public record JobSubmission(UUID id, String type, ObjectNode payload, int maxAttempts, List<String> labels, Instant acceptedAt,
                            Backoff backoff, JobPriority priority, Instant runAt, Duration timeout, String queue,
                            UUID batch, BatchCompletion completes, String recurring) {

    public static final int MAX_ATTEMPTS_DEFAULT = 5;
    public static final int MAX_ATTEMPTS_LIMIT = 100;
    /** JobRunr keeps at most 3 labels of at most 45 characters each. */
    public static final int MAX_LABELS = 3;
    public static final int MAX_LABEL_LENGTH = 45;
    public static final int MAX_TYPE_LENGTH = 100;
    /** The queue of a job that names none, and the one a worker serves unless told otherwise. */
    public static final String DEFAULT_QUEUE = "default";
    private static final Pattern TYPE_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

    /** What a type or a queue name is made of, as a sentence's end. */
    public static final String NAME_RULE = "must be at most " + MAX_TYPE_LENGTH
            + " letters, digits, '.', '_', ':' or '-', starting with a letter or digit";

    /** Whether {@code name} may name a job type or a queue. */
    public static boolean isValidName(String name) {
        return name != null && name.length() <= MAX_TYPE_LENGTH && TYPE_PATTERN.matcher(name).matches();
    }

    /** The latest a job may be scheduled: a year after it was accepted. */
    public static final Duration MAX_DELAY = Duration.ofDays(366);
    /** The longest timeout a submission may give one attempt. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(7);

    /** A submission that leaves the back-off to its job type, to run at once. */
    public JobSubmission(UUID id, String type, ObjectNode payload, int maxAttempts, List<String> labels, Instant acceptedAt) {
        this(id, type, payload, maxAttempts, labels, acceptedAt, null, JobPriority.NORMAL, null, null, DEFAULT_QUEUE);
    }

    /** A submission of normal priority, to run at once. */
    public JobSubmission(UUID id, String type, ObjectNode payload, int maxAttempts, List<String> labels, Instant acceptedAt,
                         Backoff backoff) {
        this(id, type, payload, maxAttempts, labels, acceptedAt, backoff, JobPriority.NORMAL, null, null, DEFAULT_QUEUE);
    }

    /** A job of no batch. */
    public JobSubmission(UUID id, String type, ObjectNode payload, int maxAttempts, List<String> labels, Instant acceptedAt,
                         Backoff backoff, JobPriority priority, Instant runAt, Duration timeout, String queue) {
        this(id, type, payload, maxAttempts, labels, acceptedAt, backoff, priority, runAt, timeout, queue, null, null, null);
    }

    /** This job as a member of {@code batchId}. */
    public JobSubmission inBatch(UUID batchId) {
        return new JobSubmission(id, type, payload, maxAttempts, labels, acceptedAt, backoff, priority, runAt, timeout, queue, batchId, completes, recurring);
    }

    /** This job as the completion job {@code completion} describes. */
    public JobSubmission completing(BatchCompletion completion) {
        return new JobSubmission(id, type, payload, maxAttempts, labels, acceptedAt, backoff, priority, runAt, timeout, queue, batch, completion, recurring);
    }

    /** This job as a run of the recurring job {@code name}, triggered by hand. */
    public JobSubmission runOf(String name) {
        return new JobSubmission(id, type, payload, maxAttempts, labels, acceptedAt, backoff, priority, runAt, timeout, queue, batch, completes, name);
    }

    public JobSubmission {
        Objects.requireNonNull(id, "id");
        if (batch != null && completes != null) {
            throw new IllegalArgumentException("a job is either a batch's member or its completion job, not both");
        }
        if (recurring != null && !RecurringSchedule.NAME.matcher(recurring).matches()) {
            throw new InvalidJobException("recurring", "recurring: a recurring job's name " + RecurringSchedule.NAME_RULE + ", was '" + recurring + "'");
        }
        Objects.requireNonNull(acceptedAt, "acceptedAt");
        if (type == null || type.isBlank()) {
            throw new InvalidJobException("type", "type is required and must not be blank");
        }
        if (!isValidName(type)) {
            throw new InvalidJobException("type", "type " + NAME_RULE);
        }
        queue = queue == null ? DEFAULT_QUEUE : queue;
        if (!isValidName(queue)) {
            throw new InvalidJobException("queue", "queue " + NAME_RULE);
        }
        payload = payload == null ? JsonNodeFactory.instance.objectNode() : payload;
        priority = priority == null ? JobPriority.NORMAL : priority;
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new InvalidJobException("maxAttempts", "maxAttempts must be between 1 and " + MAX_ATTEMPTS_LIMIT + ", was " + maxAttempts);
        }
        if (runAt != null && runAt.isAfter(acceptedAt.plus(MAX_DELAY))) {
            throw new InvalidJobException("runAt", "a job can be scheduled at most " + MAX_DELAY.toDays() + " days ahead, was for " + runAt);
        }
        if (timeout != null && (timeout.toMillis() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0)) {
            throw new InvalidJobException("timeoutMillis", "timeoutMillis must be from 1 to " + MAX_TIMEOUT.toMillis() + ", was " + timeout.toMillis());
        }
        labels = labels == null ? List.of() : List.copyOf(labels);
        if (labels.size() > MAX_LABELS) {
            throw new InvalidJobException("labels", "at most " + MAX_LABELS + " labels are allowed, got " + labels.size());
        }
        for (String label : labels) {
            if (label.isBlank() || label.length() > MAX_LABEL_LENGTH) {
                throw new InvalidJobException("labels", "a label must be 1 to " + MAX_LABEL_LENGTH + " characters, was '" + label + "'");
            }
        }
    }
}
