package io.conveyor.common.jobjson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static io.conveyor.common.jobjson.JsonValues.booleanValue;
import static io.conveyor.common.jobjson.JsonValues.expect;
import static io.conveyor.common.jobjson.JsonValues.expectField;
import static io.conveyor.common.jobjson.JsonValues.intValue;
import static io.conveyor.common.jobjson.JsonValues.longValue;
import static io.conveyor.common.jobjson.JsonValues.requiredString;
import static io.conveyor.common.jobjson.JsonValues.string;
import static io.conveyor.common.jobjson.JsonValues.unknownField;

/**
 * Reads JobRunr's JSON of a job of Conveyor's shape into the job JobRunr's Jackson mapper would make of it, through
 * the public constructors and setters of JobRunr's classes. Wherever Jackson would make something those cannot (a
 * field set to null that a constructor never leaves null, a value made up when a field is missing, a job signature
 * other than the one its details give, labels its setter would refuse), this throws {@link UnknownJobShape}, as it does
 * for any field, class or value it does not know, so that the caller leaves the job to Jackson.
 */
final class JobJsonReader {

    /** What makes one state class from the fields after its {@code @class}. */
    @FunctionalInterface
    private interface StateReader {
        JobState read(JsonParser json) throws IOException, UnknownJobShape;
    }

    private static final Map<String, StateReader> STATES = Map.of(
            EnqueuedState.class.getName(), JobJsonReader::enqueued,
            ProcessingState.class.getName(), JobJsonReader::processing,
            SucceededState.class.getName(), JobJsonReader::succeeded,
            FailedState.class.getName(), JobJsonReader::failed,
            ScheduledState.class.getName(), JobJsonReader::scheduled,
            DeletedState.class.getName(), JobJsonReader::deleted);

    /** JobRunr's limits of a job's labels, which {@link Job#setLabels} holds a job to. */
    private static final int MAX_LABELS = 3;
    private static final int MAX_LABEL_LENGTH = 45;

    private final Map<String, JobParameterJson<?>> parameters;

    /** @param parameters the codecs of the parameter classes this reader knows, by class name */
    JobJsonReader(Map<String, JobParameterJson<?>> parameters) {
        this.parameters = parameters;
    }

    Job read(JsonParser json) throws IOException, UnknownJobShape {
        expect(json, JsonToken.START_OBJECT);
        UUID id = null;
        Integer version = null;
        JobDetails details = null;
        List<JobState> history = null;
        ConcurrentHashMap<String, Object> metadata = null;
        String signature = null;
        String name = null;
        Integer retries = null;
        List<String> labels = List.of();
        String recurringJobId = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            switch (json.currentName()) {
                case JobJsonNames.ID -> id = uuid(json);
                case JobJsonNames.VERSION -> version = intValue(json);
                case JobJsonNames.JOB_DETAILS -> details = details(json);
                case JobJsonNames.JOB_HISTORY -> history = history(json);
                case JobJsonNames.METADATA -> metadata = metadata(json);
                case JobJsonNames.JOB_SIGNATURE -> signature = requiredString(json);
                case JobJsonNames.JOB_NAME -> name = string(json);
                case JobJsonNames.AMOUNT_OF_RETRIES -> retries = intValue(json);
                case JobJsonNames.LABELS -> labels = labels(json);
                case JobJsonNames.RECURRING_JOB_ID -> recurringJobId = string(json);
                default -> throw unknownField(json, "a job");
            }
        }
        if (id == null || version == null || details == null || history == null || history.isEmpty() || metadata == null) {
            throw new UnknownJobShape("a job without its id, version, details, history or metadata");
        }
        Job job = new Job(id, version, details, history, metadata);
        if (signature != null && !signature.equals(job.getJobSignature())) {
            throw new UnknownJobShape("a job signature other than its details'");
        }
        job.setJobName(name);
        job.setAmountOfRetries(retries);
        job.setLabels(labels);
        job.setRecurringJobId(recurringJobId);
        return job;
    }

    /** Jackson reads a UUID only from its 36 characters; {@link UUID#fromString} would take shorter forms too. */
    private static UUID uuid(JsonParser json) throws IOException, UnknownJobShape {
        String text = requiredString(json);
        if (text.length() != 36) {
            throw new UnknownJobShape("an id of " + text.length() + " characters");
        }
        return UUID.fromString(text);
    }

    private JobDetails details(JsonParser json) throws IOException, UnknownJobShape {
        expect(json, JsonToken.START_OBJECT);
        String className = null;
        String staticFieldName = null;
        String methodName = null;
        List<JobParameter> jobParameters = null;
        Boolean cacheable = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            switch (json.currentName()) {
                case JobJsonNames.CLASS_NAME -> className = requiredString(json);
                case JobJsonNames.STATIC_FIELD_NAME -> staticFieldName = string(json);
                case JobJsonNames.METHOD_NAME -> methodName = requiredString(json);
                case JobJsonNames.JOB_PARAMETERS -> jobParameters = jobParameters(json);
                case JobJsonNames.CACHEABLE -> cacheable = requiredBoolean(json);
                default -> throw unknownField(json, "the job details");
            }
        }
        if (className == null || methodName == null || jobParameters == null) {
            throw new UnknownJobShape("job details without their class, method or parameters");
        }
        JobDetails details = new JobDetails(className, staticFieldName, methodName, jobParameters);
        if (cacheable != null) {
            details.setCacheable(cacheable);
        }
        return details;
    }

    private List<JobParameter> jobParameters(JsonParser json) throws IOException, UnknownJobShape {
        expect(json, JsonToken.START_ARRAY);
        List<JobParameter> jobParameters = new ArrayList<>(1);
        while (json.nextToken() == JsonToken.START_OBJECT) {
            jobParameters.add(jobParameter(json));
        }
        return jobParameters;
    }

    /** Only a parameter whose class names are both those of a codec's class; its object after them. */
    private JobParameter jobParameter(JsonParser json) throws IOException, UnknownJobShape {
        expectField(json, JobJsonNames.CLASS_NAME);
        String className = requiredString(json);
        expectField(json, JobJsonNames.ACTUAL_CLASS_NAME);
        String actualClassName = string(json);
        JobParameterJson<?> codec = parameters.get(className);
        if (codec == null || !className.equals(actualClassName)) {
            throw new UnknownJobShape("a job parameter of " + className + " (" + actualClassName + ")");
        }
        expectField(json, JobJsonNames.OBJECT);
        expect(json, JsonToken.START_OBJECT);
        Object object = codec.read(json);
        expect(json, JsonToken.END_OBJECT);
        return new JobParameter(className, actualClassName, object);
    }

    private static List<JobState> history(JsonParser json) throws IOException, UnknownJobShape {
        expect(json, JsonToken.START_ARRAY);
        List<JobState> history = new ArrayList<>();
        while (json.nextToken() == JsonToken.START_OBJECT) {
            expectField(json, JobJsonNames.TYPE);
            String type = requiredString(json);
            StateReader reader = STATES.get(type);
            if (reader == null) {
                throw new UnknownJobShape("a state of " + type);
            }
            history.add(reader.read(json));
        }
        return history;
    }

    /** The fields every state has: its name, which Jackson ignores when it reads a state, and its creation time. */
    private static boolean commonField(JsonParser json, StateFields fields) throws IOException, UnknownJobShape {
        switch (json.currentName()) {
            case JobJsonNames.STATE -> {
                json.nextToken();
                json.skipChildren();
                return true;
            }
            case JobJsonNames.CREATED_AT -> {
                fields.createdAt = instant(json);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** The fields of any state, as read so far. */
    private static final class StateFields {
        Instant createdAt;
    }

    private static JobState enqueued(JsonParser json) throws IOException, UnknownJobShape {
        StateFields fields = new StateFields();
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            if (!commonField(json, fields)) {
                throw unknownField(json, "a state");
            }
        }
        return new EnqueuedState(createdAt(fields));
    }

    private static JobState processing(JsonParser json) throws IOException, UnknownJobShape {
        StateFields fields = new StateFields();
        UUID serverId = null;
        String serverName = null;
        Instant updatedAt = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            if (!commonField(json, fields)) {
                switch (json.currentName()) {
                    case JobJsonNames.SERVER_ID -> serverId = uuid(json);
                    case JobJsonNames.SERVER_NAME -> serverName = string(json);
                    case JobJsonNames.UPDATED_AT -> updatedAt = instant(json);
                    default -> throw unknownField(json, "a state");
                }
            }
        }
        if (updatedAt == null) {
            throw new UnknownJobShape("a PROCESSING state without its update time"); // Jackson would make one up
        }
        return new ProcessingState(serverId, serverName, createdAt(fields), updatedAt);
    }

    private static JobState succeeded(JsonParser json) throws IOException, UnknownJobShape {
        StateFields fields = new StateFields();
        Duration latency = null;
        Duration process = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            if (!commonField(json, fields)) {
                switch (json.currentName()) {
                    case JobJsonNames.LATENCY_DURATION -> latency = duration(json);
                    case JobJsonNames.PROCESS_DURATION -> process = duration(json);
                    default -> throw unknownField(json, "a state");
                }
            }
        }
        return new SucceededState(latency, process, createdAt(fields));
    }

    private static JobState failed(JsonParser json) throws IOException, UnknownJobShape {
        StateFields fields = new StateFields();
        String message = null;
        String exceptionType = null;
        String exceptionMessage = null;
        String causeType = null;
        String causeMessage = null;
        String stackTrace = null;
        boolean doNotRetry = false;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            if (!commonField(json, fields)) {
                switch (json.currentName()) {
                    case JobJsonNames.MESSAGE -> message = string(json);
                    case JobJsonNames.EXCEPTION_TYPE -> exceptionType = string(json);
                    case JobJsonNames.EXCEPTION_MESSAGE -> exceptionMessage = string(json);
                    case JobJsonNames.EXCEPTION_CAUSE_TYPE -> causeType = string(json);
                    case JobJsonNames.EXCEPTION_CAUSE_MESSAGE -> causeMessage = string(json);
                    case JobJsonNames.STACK_TRACE -> stackTrace = string(json);
                    case JobJsonNames.DO_NOT_RETRY -> doNotRetry = requiredBoolean(json);
                    default -> throw unknownField(json, "a state");
                }
            }
        }
        return new FailedState(message, exceptionType, exceptionMessage, causeType, causeMessage, stackTrace, doNotRetry, createdAt(fields));
    }

    private static JobState scheduled(JsonParser json) throws IOException, UnknownJobShape {
        StateFields fields = new StateFields();
        Instant scheduledAt = null;
        String reason = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            if (!commonField(json, fields)) {
                switch (json.currentName()) {
                    case JobJsonNames.SCHEDULED_AT -> scheduledAt = instant(json);
                    case JobJsonNames.REASON -> reason = string(json);
                    default -> throw unknownField(json, "a state");
                }
            }
        }
        return new ScheduledState(scheduledAt, reason, createdAt(fields));
    }

    private static JobState deleted(JsonParser json) throws IOException, UnknownJobShape {
        StateFields fields = new StateFields();
        String reason = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            if (!commonField(json, fields)) {
                if (!JobJsonNames.REASON.equals(json.currentName())) {
                    throw unknownField(json, "a state");
                }
                reason = string(json);
            }
        }
        return new DeletedState(reason, createdAt(fields));
    }

    /** Jackson would leave a missing creation time at the time it read the state. */
    private static Instant createdAt(StateFields fields) throws UnknownJobShape {
        if (fields.createdAt == null) {
            throw new UnknownJobShape("a state without its creation time");
        }
        return fields.createdAt;
    }

    private static Instant instant(JsonParser json) throws IOException, UnknownJobShape {
        String text = string(json);
        return text == null ? null : InstantText.parse(text);
    }

    /** As JobRunr's duration deserializer: decimal seconds, or ISO-8601 text. */
    private static Duration duration(JsonParser json) throws IOException, UnknownJobShape {
        JsonToken token = json.nextToken();
        return switch (token) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> DurationUtils.fromBigDecimal(json.getDecimalValue());
            case VALUE_STRING -> Duration.parse(json.getText());
            case VALUE_NULL -> null;
            default -> throw new UnknownJobShape(token + " as a duration");
        };
    }

    private static boolean requiredBoolean(JsonParser json) throws IOException, UnknownJobShape {
        Boolean value = booleanValue(json);
        if (value == null) {
            throw new UnknownJobShape("null at " + json.currentName());
        }
        return value;
    }

    /** Labels as {@link Job#setLabels} keeps them; Jackson would keep others as they are, which that setter refuses or changes. */
    private static List<String> labels(JsonParser json) throws IOException, UnknownJobShape {
        expect(json, JsonToken.START_ARRAY);
        List<String> labels = new ArrayList<>(MAX_LABELS);
        while (json.nextToken() == JsonToken.VALUE_STRING) {
            String label = json.getText();
            if (labels.size() == MAX_LABELS || label.length() > MAX_LABEL_LENGTH) {
                throw new UnknownJobShape("labels beyond JobRunr's limits");
            }
            labels.add(label);
        }
        if (json.currentToken() != JsonToken.END_ARRAY || new HashSet<>(labels).size() != labels.size()) {
            throw new UnknownJobShape("labels other than distinct strings");
        }
        return labels;
    }

    /** A {@link ConcurrentHashMap}, as JobRunr's jobs keep it, of the values {@link JobJsonWriter} writes. */
    private static ConcurrentHashMap<String, Object> metadata(JsonParser json) throws IOException, UnknownJobShape {
        expect(json, JsonToken.START_OBJECT);
        expectField(json, JobJsonNames.TYPE);
        if (!JobJsonNames.METADATA_MAP_CLASS.equals(requiredString(json))) {
            throw new UnknownJobShape("metadata in a " + json.getText());
        }
        ConcurrentHashMap<String, Object> metadata = new ConcurrentHashMap<>();
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String key = json.currentName();
            JsonToken token = json.nextToken();
            Object value = switch (token) {
                case VALUE_STRING -> json.getText();
                case VALUE_NUMBER_INT -> integer(json);
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case START_OBJECT -> metadataObject(json);
                default -> throw new UnknownJobShape(token + " in metadata");
            };
            metadata.put(key, value);
        }
        return metadata;
    }

    /** Jackson reads a whole number of the metadata as an Integer if it fits one (a Long is written with its class). */
    private static Integer integer(JsonParser json) throws IOException, UnknownJobShape {
        if (json.getNumberType() != JsonParser.NumberType.INT) {
            throw new UnknownJobShape("a number in metadata beyond an int");
        }
        return json.getIntValue();
    }

    /** An object of the metadata, by its {@code @class}: a progress bar or an empty dashboard log. */
    private static Object metadataObject(JsonParser json) throws IOException, UnknownJobShape {
        expectField(json, JobJsonNames.TYPE);
        String type = requiredString(json);
        if (JobJsonNames.PROGRESS_CLASS.equals(type)) {
            return progress(json);
        }
        if (JobJsonNames.LOG_CLASS.equals(type)) {
            return emptyLog(json);
        }
        throw new UnknownJobShape("metadata of " + type);
    }

    /** The dashboard log JobRunr gives every run, as long as it has no lines (Conveyor's handlers write none). */
    private static JobDashboardLogLines emptyLog(JsonParser json) throws IOException, UnknownJobShape {
        expectField(json, JobJsonNames.LOG_LINES);
        expect(json, JsonToken.START_ARRAY);
        expect(json, JsonToken.END_ARRAY);
        expect(json, JsonToken.END_OBJECT);
        return new JobDashboardLogLines();
    }

    /**
     * A progress bar, made again through its constructor and setter, which work out its percentage: only if that is
     * the percentage in the JSON.
     */
    private static JobDashboardProgress progress(JsonParser json) throws IOException, UnknownJobShape {
        Long total = null;
        Long succeeded = null;
        Long failed = null;
        Integer percentage = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            switch (json.currentName()) {
                case JobJsonNames.TOTAL_AMOUNT -> total = longValue(json);
                case JobJsonNames.SUCCEEDED_AMOUNT -> succeeded = longValue(json);
                case JobJsonNames.FAILED_AMOUNT -> failed = longValue(json);
                case JobJsonNames.PROGRESS -> percentage = intValue(json);
                default -> throw unknownField(json, "a progress bar");
            }
        }
        if (total == null || succeeded == null || failed == null || percentage == null) {
            throw new UnknownJobShape("a progress bar without all of its amounts");
        }
        JobDashboardProgress progress = new JobDashboardProgress(total);
        progress.setProgress(total, succeeded, failed);
        if (progress.getProgressAsPercentage() != percentage) {
            throw new UnknownJobShape("a progress bar whose percentage is not its amounts'");
        }
        return progress;
    }
}
