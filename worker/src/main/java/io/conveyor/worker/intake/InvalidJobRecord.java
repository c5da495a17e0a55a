package io.conveyor.worker.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.conveyor.common.InvalidJobException;
import io.conveyor.worker.LedgerJobRequest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.states.FailedState;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * A record of the jobs topic that is not a valid job but names a job id (its key or its {@code id} field): it goes into
 * the ledger as a FAILED job under that id, with the reason and the start of the record in its failure, so that it
 * shows on the dashboard and in {@code GET /jobs} instead of vanishing into a worker's log.
 *
 * @param id     the job id the record named
 * @param reason why it is not a job
 * @param record where it was and what it held, cut to {@value #MAX_RAW_CHARS} characters
 */
public record InvalidJobRecord(UUID id, String reason, String record, Instant at) {

    /** The job type under which such jobs are listed; no built-in handler has it, so a retry by hand fails at once. */
    public static final String TYPE = "conveyor.invalid-record";
    /** JobRunr's message of the failure; the reason is the exception's message, which the API shows as the error. */
    public static final String MESSAGE = "not a valid job request";
    public static final int MAX_RAW_CHARS = 2_000;

    public static InvalidJobRecord of(UUID id, ConsumerRecord<String, byte[]> record, Exception reason, Instant at) {
        return new InvalidJobRecord(id, reasonOf(reason), describe(record), at);
    }

    /** What is wrong with the record, in a line. */
    static String reasonOf(Exception e) {
        return switch (e) {
            case JsonProcessingException json -> "not valid JSON: " + json.getOriginalMessage();
            case InvalidJobException invalid -> invalid.getMessage();
            default -> e.toString();
        };
    }

    /** The record's place and value as text; U+0000 (which the ledger cannot store) and bad UTF-8 become U+FFFD. */
    static String describe(ConsumerRecord<String, byte[]> record) {
        String value = record.value() == null ? "(no value)" : new String(record.value(), StandardCharsets.UTF_8);
        String cut = value.length() > MAX_RAW_CHARS ? value.substring(0, MAX_RAW_CHARS) + "… (" + value.length() + " characters)" : value;
        return (record.topic() + "-" + record.partition() + "@" + record.offset() + ": " + cut).replace('\0', '\uFFFD');
    }

    Job toJob() {
        String message = reason + "; record " + record;
        // The dashboard shows a failure's stack trace; here the record is all there is to show.
        FailedState failed = new FailedState(MESSAGE, InvalidJobException.class.getName(), message, null, null,
                InvalidJobException.class.getName() + ": " + message, true, at);
        Job job = new Job(id, new JobDetails(new LedgerJobRequest(TYPE, "{}")), failed);
        job.setJobName(TYPE);
        job.setAmountOfRetries(0);
        return job;
    }
}
