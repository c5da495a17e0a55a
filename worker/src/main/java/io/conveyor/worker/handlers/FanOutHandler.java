package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.ChildJob;
import io.conveyor.handler.FanOut;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;
import io.conveyor.handler.Json;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.Payloads;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code fan-out} {@code {"jobs": [{"type", "payload"}...], "then": {"type", "payload"}, "holdMillis": n}}: submits the
 * jobs as children and {@code then} as their continuation through {@link JobContext#fanOut}, from inside a job (a
 * batch made by a job rather than by {@code POST /batches}). {@code holdMillis} keeps the job running that long after
 * its fan-out, to watch (or test) a parent that dies before its success: its children are then written by its next
 * attempt, once. Result: {@code {"batch", "then", "children"}}.
 */
public final class FanOutHandler implements JobHandler {

    @Override
    public String type() {
        return "fan-out";
    }

    /** It only hands jobs to the ledger (and may hold): no core needed. */
    @Override
    public JobKind kind() {
        return JobKind.WAITS;
    }

    @Override
    public JsonNode handle(JobContext context) throws InterruptedException {
        ObjectNode payload = context.payload();
        JsonNode jobs = payload.path("jobs");
        if (!jobs.isArray() || jobs.isEmpty() || jobs.size() > FanOut.MAX_CHILDREN) {
            throw new NonRetryableJobException("payload field 'jobs' must be an array of 1 to " + FanOut.MAX_CHILDREN + " jobs");
        }
        List<ChildJob> children = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            children.add(childJob(jobs.get(i), "jobs[" + i + "]"));
        }
        long holdMillis = Payloads.longField(payload, "holdMillis", 0, SleepHandler.MAX_MILLIS, 0);
        FanOut fanOut = context.fanOut(children, childJob(payload.path("then"), "then"));
        Thread.sleep(holdMillis);
        ObjectNode result = Json.MAPPER.createObjectNode().put("batch", fanOut.batch().toString()).put("then", fanOut.then().toString());
        return result.put("children", fanOut.children().size());
    }

    private static ChildJob childJob(JsonNode job, String field) {
        if (!job.path("type").isTextual() || !(job.path("payload").isMissingNode() || job.path("payload").isObject())) {
            throw new NonRetryableJobException("payload field '" + field + "' must be {\"type\": \"...\", \"payload\": {...}}");
        }
        return new ChildJob(job.get("type").asText(), job.path("payload").isObject() ? (ObjectNode) job.get("payload") : null);
    }
}
