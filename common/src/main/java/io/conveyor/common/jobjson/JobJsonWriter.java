package io.conveyor.common.jobjson;

import com.fasterxml.jackson.core.JsonGenerator;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.JobParameter;
import org.jobrunr.jobs.context.JobDashboardLogger.JobDashboardLogLines;
import org.jobrunr.jobs.context.JobDashboardProgressBar.JobDashboardProgress;
import org.jobrunr.jobs.states.DeletedState;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.SucceededState;
import org.jobrunr.utils.DurationUtils;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a job of Conveyor's shape as JobRunr's Jackson mapper does ({@code JacksonJsonMapper} with its
 * {@code JobRunrModule} and {@code JobRunrTimeModule}): the same fields in the same order, nulls left out, a state's and
 * a metadata object's class in {@code @class}, instants as ISO text to the nanosecond, durations as decimal seconds.
 * Anything else is an {@link UnknownJobShape}, before or after some JSON was written: the caller discards it.
 */
final class JobJsonWriter {

    private final Map<Class<?>, JobParameterJson<?>> parameters;

    JobJsonWriter(Map<Class<?>, JobParameterJson<?>> parameters) {
        this.parameters = parameters;
    }

    void write(Job job, JsonGenerator json) throws IOException, UnknownJobShape {
        json.writeStartObject();
        json.writeStringField(JobJsonNames.ID, job.getId().toString());
        json.writeNumberField(JobJsonNames.VERSION, job.getVersion());
        json.writeFieldName(JobJsonNames.JOB_DETAILS);
        details(job.getJobDetails(), json);
        json.writeArrayFieldStart(JobJsonNames.JOB_HISTORY);
        for (JobState state : job.getJobStates()) {
            state(state, json);
        }
        json.writeEndArray();
        json.writeFieldName(JobJsonNames.METADATA);
        metadata(job.getMetadata(), json);
        stringUnlessNull(JobJsonNames.JOB_SIGNATURE, job.getJobSignature(), json);
        stringUnlessNull(JobJsonNames.JOB_NAME, job.getJobName(), json);
        if (job.getAmountOfRetries() != null) {
            json.writeNumberField(JobJsonNames.AMOUNT_OF_RETRIES, job.getAmountOfRetries());
        }
        json.writeArrayFieldStart(JobJsonNames.LABELS);
        for (String label : job.getLabels()) {
            json.writeString(label);
        }
        json.writeEndArray();
        stringUnlessNull(JobJsonNames.RECURRING_JOB_ID, job.getRecurringJobId().orElse(null), json);
        json.writeEndObject();
    }

    private void details(JobDetails details, JsonGenerator json) throws IOException, UnknownJobShape {
        json.writeStartObject();
        stringUnlessNull(JobJsonNames.CLASS_NAME, details.getClassName(), json);
        stringUnlessNull(JobJsonNames.STATIC_FIELD_NAME, details.getStaticFieldName(), json);
        stringUnlessNull(JobJsonNames.METHOD_NAME, details.getMethodName(), json);
        json.writeArrayFieldStart(JobJsonNames.JOB_PARAMETERS);
        for (JobParameter parameter : details.getJobParameters()) {
            parameter(parameter, json);
        }
        json.writeEndArray();
        if (details.getCacheable() != null) {
            json.writeBooleanField(JobJsonNames.CACHEABLE, details.getCacheable());
        }
        json.writeEndObject();
    }

    /** JobRunr's own serializer of a parameter writes both class names even when null. */
    private void parameter(JobParameter parameter, JsonGenerator json) throws IOException, UnknownJobShape {
        Object object = parameter.getObject();
        JobParameterJson<?> codec = object == null ? null : parameters.get(object.getClass());
        if (codec == null) {
            throw new UnknownJobShape("a job parameter of " + (object == null ? "null" : object.getClass().getName()));
        }
        json.writeStartObject();
        json.writeStringField(JobJsonNames.CLASS_NAME, parameter.getClassName());
        json.writeStringField(JobJsonNames.ACTUAL_CLASS_NAME, parameter.getActualClassName());
        json.writeFieldName(JobJsonNames.OBJECT);
        writeWith(codec, object, json);
        json.writeEndObject();
    }

    @SuppressWarnings("unchecked")
    private static <T> void writeWith(JobParameterJson<T> codec, Object object, JsonGenerator json) throws IOException {
        codec.write((T) object, json);
    }

    /** Only the state classes Conveyor's jobs go through, each exactly: a subclass may have fields of its own. */
    private static void state(JobState state, JsonGenerator json) throws IOException, UnknownJobShape {
        Class<?> type = state.getClass();
        json.writeStartObject();
        json.writeStringField(JobJsonNames.TYPE, type.getName());
        json.writeStringField(JobJsonNames.STATE, state.getName().toString());
        instantUnlessNull(JobJsonNames.CREATED_AT, state.getCreatedAt(), json);
        if (type == EnqueuedState.class) {
            // nothing of its own
        } else if (type == ProcessingState.class) {
            ProcessingState processing = (ProcessingState) state;
            stringUnlessNull(JobJsonNames.SERVER_ID, processing.getServerId() == null ? null : processing.getServerId().toString(), json);
            stringUnlessNull(JobJsonNames.SERVER_NAME, processing.getServerName(), json);
            instantUnlessNull(JobJsonNames.UPDATED_AT, processing.getUpdatedAt(), json);
        } else if (type == SucceededState.class) {
            SucceededState succeeded = (SucceededState) state;
            durationUnlessNull(JobJsonNames.LATENCY_DURATION, succeeded.getLatencyDuration(), json);
            durationUnlessNull(JobJsonNames.PROCESS_DURATION, succeeded.getProcessDuration(), json);
        } else if (type == FailedState.class) {
            failed((FailedState) state, json);
        } else if (type == ScheduledState.class) {
            ScheduledState scheduled = (ScheduledState) state;
            instantUnlessNull(JobJsonNames.SCHEDULED_AT, scheduled.getScheduledAt(), json);
            stringUnlessNull(JobJsonNames.REASON, scheduled.getReason(), json);
        } else if (type == DeletedState.class) {
            stringUnlessNull(JobJsonNames.REASON, ((DeletedState) state).getReason(), json);
        } else {
            throw new UnknownJobShape("a state of " + type.getName());
        }
        json.writeEndObject();
    }

    private static void failed(FailedState failed, JsonGenerator json) throws IOException {
        stringUnlessNull(JobJsonNames.MESSAGE, failed.getMessage(), json);
        stringUnlessNull(JobJsonNames.EXCEPTION_TYPE, failed.getExceptionType(), json);
        stringUnlessNull(JobJsonNames.EXCEPTION_MESSAGE, failed.getExceptionMessage(), json);
        stringUnlessNull(JobJsonNames.EXCEPTION_CAUSE_TYPE, failed.getExceptionCauseType(), json);
        stringUnlessNull(JobJsonNames.EXCEPTION_CAUSE_MESSAGE, failed.getExceptionCauseMessage(), json);
        stringUnlessNull(JobJsonNames.STACK_TRACE, failed.getStackTrace(), json);
        json.writeBooleanField(JobJsonNames.DO_NOT_RETRY, failed.mustNotRetry());
    }

    /**
     * JobRunr's jobs keep their metadata in a {@link ConcurrentHashMap}, written with its class; Conveyor's values are
     * text (a result, a continuation), whole numbers and truth values written as JSON's own, progress bars, and the
     * dashboard log JobRunr gives every run (empty: Conveyor's handlers write no lines to it).
     */
    private static void metadata(Map<String, Object> metadata, JsonGenerator json) throws IOException, UnknownJobShape {
        if (metadata.getClass() != ConcurrentHashMap.class) {
            throw new UnknownJobShape("metadata in a " + metadata.getClass().getName());
        }
        json.writeStartObject();
        json.writeStringField(JobJsonNames.TYPE, JobJsonNames.METADATA_MAP_CLASS);
        for (Map.Entry<String, Object> entry : metadata.entrySet()) {
            Object value = entry.getValue();
            switch (value) {
                case String text -> json.writeStringField(entry.getKey(), text);
                case Integer number -> json.writeNumberField(entry.getKey(), number);
                case Boolean truth -> json.writeBooleanField(entry.getKey(), truth);
                case JobDashboardProgress progress when progress.getClass() == JobDashboardProgress.class -> {
                    json.writeFieldName(entry.getKey());
                    progress(progress, json);
                }
                case JobDashboardLogLines log when log.getClass() == JobDashboardLogLines.class && log.getLogLines().isEmpty() -> {
                    json.writeFieldName(entry.getKey());
                    emptyLog(json);
                }
                default -> throw new UnknownJobShape("metadata of " + value.getClass().getName());
            }
        }
        json.writeEndObject();
    }

    private static void progress(JobDashboardProgress progress, JsonGenerator json) throws IOException, UnknownJobShape {
        if (progress.getTotalAmount() == null || progress.getFailedAmount() == null) {
            throw new UnknownJobShape("a progress bar without its amounts");
        }
        json.writeStartObject();
        json.writeStringField(JobJsonNames.TYPE, JobJsonNames.PROGRESS_CLASS);
        json.writeNumberField(JobJsonNames.TOTAL_AMOUNT, progress.getTotalAmount());
        json.writeNumberField(JobJsonNames.SUCCEEDED_AMOUNT, progress.getSucceededAmount());
        json.writeNumberField(JobJsonNames.FAILED_AMOUNT, progress.getFailedAmount());
        json.writeNumberField(JobJsonNames.PROGRESS, progress.getProgressAsPercentage());
        json.writeEndObject();
    }

    /** JobRunr starts every run with a dashboard log in the job's metadata, which it keeps after the job ended. */
    private static void emptyLog(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField(JobJsonNames.TYPE, JobJsonNames.LOG_CLASS);
        json.writeArrayFieldStart(JobJsonNames.LOG_LINES);
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void stringUnlessNull(String name, String value, JsonGenerator json) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    private static void instantUnlessNull(String name, Instant value, JsonGenerator json) throws IOException {
        if (value != null) {
            json.writeStringField(name, InstantText.format(value));
        }
    }

    /** As JobRunr's duration serializer: seconds as a decimal of scale 9, in {@code BigDecimal}'s own text. */
    private static void durationUnlessNull(String name, Duration value, JsonGenerator json) throws IOException {
        if (value != null) {
            json.writeFieldName(name);
            json.writeNumber(DurationUtils.toBigDecimal(value).toString());
        }
    }
}
