package io.conveyor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.conveyor.handler.JobHandler;
import io.conveyor.common.BatchCompletion;
import io.conveyor.common.Continuation;
import io.conveyor.common.failure.JobHistory;
import io.conveyor.common.JobSubmissionJson;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.context.JobDashboardProgressBar;
import org.jobrunr.jobs.states.CarbonAwareAwaitingState;
import org.jobrunr.jobs.states.DeletedState;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.StateName;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What {@code GET /jobs/{id}} answers: a job's state and history as the ledger records them, or {@code ACCEPTED}
 * for a job that Kafka holds but no worker has written to the ledger yet.
 *
 * @param state       {@value #ACCEPTED} or a JobRunr state name (ENQUEUED, PROCESSING, SUCCEEDED, FAILED, SCHEDULED, DELETED, AWAITING)
 * @param attempts    how many times the job started running, not counting runs a worker handed back unfinished
 * @param maxAttempts the most times it may run, or null when unknown
 * @param error       the message of the latest failure, or null if it never failed
 * @param result      the JSON result the job's handler returned, or null
 * @param progress    how far the latest attempt got, as its handler reported it, or null if it reported nothing
 * @param waiting     for an ENQUEUED job that no live worker can run: why (no worker runs its type, serves its queue)
 * @param timeoutMillis the submission's own timeout of an attempt, or null if it named none
 * @param queue       the queue the submission named, or null for the default queue
 * @param continuation for a job that fanned out ({@code JobContext.fanOut}) and succeeded: its children's batch and
 *                     the job that continues it, whose state and result this view then shows; else null
 */
public record JobView(UUID id, String type, String state, int attempts, Integer maxAttempts, List<String> labels,
                      Instant createdAt, Instant updatedAt, List<HistoryEntry> history, String error, JsonNode result,
                      Progress progress, String waiting, Long timeoutMillis, String queue, Continuation continuation) {

    /** The state of a job that was accepted but is not in the ledger yet. */
    public static final String ACCEPTED = "ACCEPTED";
    static final String ENQUEUED = StateName.ENQUEUED.name();

    public JobView {
        labels = labels == null ? List.of() : List.copyOf(labels);
        history = List.copyOf(history);
    }

    /**
     * One state change of a job.
     *
     * @param worker   for PROCESSING: the name of the worker process that ran the attempt
     * @param serverId for PROCESSING: the JobRunr server id of that process
     * @param message  why the job came to this state, where the ledger says (failure, retry schedule, deletion)
     */
    public record HistoryEntry(String state, Instant at, String worker, UUID serverId, String message) {
    }

    /**
     * A handler's progress report: {@code done} of {@code total} units. The worker saves it with JobRunr's periodic
     * update of running jobs (every poll interval, 5 s by default), and for good when the attempt ends.
     */
    public record Progress(long done, long total, int percent) {
    }

    /** The view of an id that was issued and accepted but has no ledger entry yet. */
    public static JobView accepted(UUID id) {
        return new JobView(id, null, ACCEPTED, 0, null, List.of(), null, null, List.of(), null, null, null, null, null, null, null);
    }

    /** The view of a job read from the ledger; never touches its job details, whose classes live in the worker. */
    public static JobView of(Job job) {
        List<HistoryEntry> history = job.getJobStates().stream().map(JobView::entry).toList();
        String error = job.getLastJobStateOfType(FailedState.class).map(JobView::failureMessage).orElse(null);
        Integer retries = job.getAmountOfRetries();
        JsonNode request = request(job);
        return new JobView(
                job.getId(),
                job.getJobName(),
                job.getState().name(),
                JobHistory.of(job).attemptsStarted(),
                retries == null ? null : retries + 1,
                job.getLabels(),
                job.getCreatedAt(),
                job.getUpdatedAt(),
                history,
                error,
                result(job),
                progress(job),
                null,
                request.path("timeoutMillis").isIntegralNumber() ? request.get("timeoutMillis").longValue() : null,
                request.path("queue").isTextual() ? request.get("queue").asText() : null,
                job.getState() == StateName.SUCCEEDED ? Continuation.parse(job.getMetadata().get(Continuation.METADATA_KEY)).orElse(null) : null);
    }

    /**
     * This view of a job that fanned out, as its continuation {@code then} (its view, itself followed) shows it: the
     * job's work is done only when its continuation's is. While the continuation waits for the children or runs, the
     * job is {@code PROCESSING}; then it has the continuation's end and result. A continuation deleted (a child failed
     * for good, or the batch was cancelled) makes the job {@code FAILED}, with the reason as its error. Its own history,
     * attempts and labels stay its own.
     */
    JobView continuedBy(JobView then) {
        String shown = switch (then.state()) {
            case "SUCCEEDED", "FAILED" -> then.state();
            case "DELETED" -> "FAILED";
            default -> StateName.PROCESSING.name();
        };
        String thenError = "DELETED".equals(then.state()) && !then.history().isEmpty() ? then.history().getLast().message() : then.error();
        return new JobView(id, type, shown, attempts, maxAttempts, labels, createdAt, then.updatedAt() == null ? updatedAt : then.updatedAt(),
                history, "FAILED".equals(shown) ? thenError : null, "SUCCEEDED".equals(shown) ? then.result() : null,
                then.progress(), null, timeoutMillis, queue, continuation);
    }

    /**
     * The job's request as JSON (its type, payload, timeout, queue): the worker's class when this JVM has it, else
     * the JSON JobRunr could not map to it; either way read as JSON, so that the API needs none of the worker's classes.
     */
    private static JsonNode request(Job job) {
        try {
            Object request = job.getJobDetails().getJobParameters().getFirst().getObject();
            return request == null ? MissingNode.getInstance() : JobSubmissionJson.MAPPER.valueToTree(request);
        } catch (RuntimeException e) {
            return MissingNode.getInstance();
        }
    }

    /** The batch this job waits for, if it is a batch's completion job (or a fan-out's continuation) still waiting. */
    Optional<UUID> waitsForBatch() {
        if (!StateName.SCHEDULED.name().equals(state) || history.isEmpty()) {
            return Optional.empty();
        }
        String message = history.getLast().message();
        if (message == null || !message.startsWith(BatchCompletion.WAITING_REASON_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(message.substring(BatchCompletion.WAITING_REASON_PREFIX.length())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** This view with {@code progress} as its progress. */
    JobView withProgress(Progress progress) {
        return new JobView(id, type, state, attempts, maxAttempts, labels, createdAt, updatedAt, history, error, result, progress, waiting, timeoutMillis, queue,
                continuation);
    }

    /** This view, saying why the job waits. */
    JobView waitingBecause(String reason) {
        return new JobView(id, type, state, attempts, maxAttempts, labels, createdAt, updatedAt, history, error, result, progress, reason, timeoutMillis, queue,
                continuation);
    }

    /**
     * The progress bar of the latest attempt. JobRunr keys each bar by the number of states the job had when the bar
     * was made, so the latest attempt's bar is the one keyed by the position of the last PROCESSING state; an older
     * attempt's bar is not shown as if it were the current one. (JobRunr's own {@code JobDashboardProgressBar.get}
     * compares those keys as text, which picks "-9" over "-10".)
     */
    private static Progress progress(Job job) {
        List<JobState> states = job.getJobStates();
        for (int i = states.size() - 1; i >= 0; i--) {
            if (states.get(i).getName() == StateName.PROCESSING) {
                Object stored = job.getMetadata().get(JobDashboardProgressBar.JOBRUNR_PROGRESSBAR_KEY + "-" + (i + 1));
                if (stored instanceof JobDashboardProgressBar.JobDashboardProgress bar) {
                    JobDashboardProgressBar progress = new JobDashboardProgressBar(bar);
                    return new Progress(progress.getSucceededAmount(), progress.getTotalAmount(), progress.getProgressAsPercentage());
                }
                return null;
            }
        }
        return null;
    }

    /** The handler's result, kept as JSON text in the job's metadata; unreadable text is shown as text. */
    private static JsonNode result(Job job) {
        Object stored = job.getMetadata().get(JobHandler.RESULT_METADATA_KEY);
        if (stored == null) {
            return null;
        }
        try {
            return JobSubmissionJson.MAPPER.readTree(stored.toString());
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(stored.toString());
        }
    }

    private static HistoryEntry entry(JobState state) {
        String name = state.getName().name();
        return switch (state) {
            case ProcessingState processing ->
                    new HistoryEntry(name, state.getCreatedAt(), processing.getServerName(), processing.getServerId(), null);
            case FailedState failed -> new HistoryEntry(name, state.getCreatedAt(), null, null, failureMessage(failed));
            case ScheduledState scheduled -> new HistoryEntry(name, state.getCreatedAt(), null, null, scheduled.getReason());
            case DeletedState deleted -> new HistoryEntry(name, state.getCreatedAt(), null, null, deleted.getReason());
            case CarbonAwareAwaitingState awaiting -> new HistoryEntry(name, state.getCreatedAt(), null, null, awaiting.getReason());
            default -> new HistoryEntry(name, state.getCreatedAt(), null, null, null);
        };
    }

    /** The exception's own message says what went wrong; JobRunr's message around it only says that something did. */
    private static String failureMessage(FailedState failed) {
        String message = failed.getExceptionMessage();
        return message == null || message.isBlank() ? failed.getMessage() : message;
    }

    /** The JSON body, leaving out what is unknown. */
    public ObjectNode toJson() {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        json.put("id", id.toString());
        putIfKnown(json, "type", type);
        json.put("state", state);
        if (!ACCEPTED.equals(state)) {
            json.put("attempts", attempts);
            if (maxAttempts != null) {
                json.put("maxAttempts", maxAttempts);
            }
            labels.forEach(json.putArray("labels")::add);
            putIfKnown(json, "createdAt", createdAt);
            putIfKnown(json, "updatedAt", updatedAt);
        }
        ArrayNode entries = json.putArray("history");
        for (HistoryEntry entry : history) {
            ObjectNode item = entries.addObject();
            item.put("state", entry.state());
            putIfKnown(item, "at", entry.at());
            putIfKnown(item, "worker", entry.worker());
            putIfKnown(item, "serverId", entry.serverId());
            putIfKnown(item, "message", entry.message());
        }
        if (timeoutMillis != null) {
            json.put("timeoutMillis", timeoutMillis.longValue());
        }
        putIfKnown(json, "queue", queue);
        putIfKnown(json, "error", error);
        putIfKnown(json, "waiting", waiting);
        if (progress != null) {
            json.putObject("progress").put("done", progress.done()).put("total", progress.total()).put("percent", progress.percent());
        }
        if (result != null) {
            json.set("result", result);
        }
        if (continuation != null) {
            json.putObject("continuation").put("batch", continuation.batch().toString()).put("then", continuation.then().toString())
                    .put("children", continuation.children());
        }
        return json;
    }

    private static void putIfKnown(ObjectNode json, String field, Object value) {
        if (value != null) {
            json.put(field, value.toString());
        }
    }
}
