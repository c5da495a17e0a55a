package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.Ledger;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.JobParameter;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.storage.Page;
import org.jobrunr.storage.navigation.OffsetBasedPageRequest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DashboardJsonTest {

    private static final String REQUEST_CLASS = "io.conveyor.worker.LedgerJobRequest";
    private final DashboardJson json = new DashboardJson(Ledger.newJsonMapper());

    @Test
    void aJobOnAQueueOtherThanDefaultShowsItAsOneMoreLabelOnTheJobPageAndInItsLiveUpdates() throws Exception {
        Job job = job("{\"type\":\"noop\",\"payload\":\"{}\",\"queue\":\"reports\"}", List.of("a", "b", "c"));
        assertThat(labels(json.serialize(job))).containsExactly("a", "b", "c", "queue: reports");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        json.serialize(out, job);
        assertThat(labels(out.toString(StandardCharsets.UTF_8))).containsExactly("a", "b", "c", "queue: reports");
        assertThat(job.getLabels()).as("the job itself keeps the client's labels").containsExactly("a", "b", "c");
    }

    @Test
    void theListsShowTheQueueOfEachJobThatHasOne() throws Exception {
        Page<Job> page = new OffsetBasedPageRequest(null, 0L, 20).mapToNewPage(2, List.of(
                job("{\"type\":\"noop\",\"payload\":\"{}\",\"queue\":\"nightly\"}", List.of()),
                job("{\"type\":\"noop\",\"payload\":\"{}\"}", List.of("x"))));
        JsonNode items = JobSubmissionJson.MAPPER.readTree(json.serialize(page)).get("items");
        assertThat(strings(items.get(0).get("labels"))).containsExactly("queue: nightly");
        assertThat(strings(items.get(1).get("labels"))).as("the default queue is not shown").containsExactly("x");
    }

    @Test
    void whatIsNotAJobIsJobRunrsJsonUnchanged() {
        Map<String, Object> other = Map.of("queue", "reports");
        assertThat(json.serialize(other)).isEqualTo(Ledger.newJsonMapper().serialize(other));
    }

    /** A job as the API reads it from the ledger: its request's class is the worker's, absent here, so JSON. */
    private static Job job(String request, List<String> labels) throws Exception {
        ObjectNode object = (ObjectNode) JobSubmissionJson.MAPPER.readTree(request);
        Job job = new Job(new JobDetails("io.conveyor.worker.JobDispatcher", null, "run", List.of(new JobParameter(REQUEST_CLASS, REQUEST_CLASS, object))),
                new EnqueuedState());
        job.setJobName(object.get("type").asText());
        job.setLabels(labels);
        return job;
    }

    private static List<String> labels(String jobJson) throws Exception {
        return strings(JobSubmissionJson.MAPPER.readTree(jobJson).get("labels"));
    }

    private static List<String> strings(JsonNode array) {
        return array == null ? List.of() : java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
