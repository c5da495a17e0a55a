package io.conveyor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.jobrunr.jobs.Job;
import org.jobrunr.storage.Page;
import org.jobrunr.utils.mapper.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON that JobRunr's dashboard sends its browser code: JobRunr's, with a job's queue shown as one more label,
 * {@code queue: reports} (none for the default queue), so that the jobs lists and the job page show it beside the
 * client's labels. The dashboard shows a job's name and labels and nothing else of Conveyor's; the name is the job
 * type, which the ledger's columns, {@code GET /jobs}, events and metrics read. So the label is added here, to what
 * the dashboard serves (its JSON API, its live updates of a job), and never stored: the ledger keeps the client's
 * labels, which {@code GET /jobs} shows and filters by (the label columns of {@code LedgerSchema}), and JobRunr's limit
 * of three labels, which is a stored job's, does not meet it. The queue is read where the ledger's trigger reads it,
 * the job request's {@code queue}.
 */
final class DashboardJson implements JsonMapper {

    static final String QUEUE_LABEL_PREFIX = "queue: ";

    private final JsonMapper jobRunr;

    DashboardJson(JsonMapper jobRunr) {
        this.jobRunr = jobRunr;
    }

    @Override
    public String serialize(Object object) {
        String json = jobRunr.serialize(object);
        return showsJobs(object) ? withQueues(json) : json;
    }

    @Override
    public void serialize(OutputStream outputStream, Object object) {
        if (!showsJobs(object)) {
            jobRunr.serialize(outputStream, object);
            return;
        }
        try {
            outputStream.write(serialize(object).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public <T> T deserialize(String serializedObjectAsString, Class<T> clazz) {
        return jobRunr.deserialize(serializedObjectAsString, clazz);
    }

    /** A job (the job page, its live updates) or a page of jobs (the lists). */
    private static boolean showsJobs(Object object) {
        return object instanceof Job || object instanceof Page<?> page && page.getItems().stream().anyMatch(Job.class::isInstance);
    }

    private static String withQueues(String json) {
        try {
            JsonNode tree = JobSubmissionJson.MAPPER.readTree(json);
            if (tree.has("items")) {
                tree.get("items").forEach(DashboardJson::labelQueue);
            } else {
                labelQueue(tree);
            }
            return JobSubmissionJson.MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JobRunr's JSON of a job is JSON", e);
        }
    }

    private static void labelQueue(JsonNode job) {
        JsonNode queue = job.at("/jobDetails/jobParameters/0/object/queue");
        if (!queue.isTextual() || queue.asText().equals(JobSubmission.DEFAULT_QUEUE) || !(job instanceof ObjectNode object)) {
            return;
        }
        ArrayNode labels = object.path("labels") instanceof ArrayNode existing ? existing : object.putArray("labels");
        labels.add(QUEUE_LABEL_PREFIX + queue.asText());
    }
}
