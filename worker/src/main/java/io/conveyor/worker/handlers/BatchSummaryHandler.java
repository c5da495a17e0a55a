package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.BatchMember;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.Payloads;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code batch-summary}: a batch's completion job ({@code "then"} of {@code POST /batches}) that reads every member
 * through {@link JobContext#batch()}, a page at a time, and counts them: result {@code {"members", "states": {state:
 * count}, "results"}}, {@code results} being how many members returned one. With {@code {"sum": "field"}} it also adds
 * up that numeric field of the members' results ({@code "sum": total}). The example of a completion job, and what a
 * batch that only needs to know it is done (or a total) can use.
 */
public final class BatchSummaryHandler implements JobHandler {

    @Override
    public String type() {
        return "batch-summary";
    }

    @Override
    public JsonNode handle(JobContext context) {
        Iterable<BatchMember> members;
        try {
            members = context.batch();
        } catch (IllegalStateException notACompletion) {
            throw new NonRetryableJobException(notACompletion.getMessage());
        }
        String sumField = Payloads.optionalString(context.payload(), "sum").orElse(null);
        long count = 0;
        long results = 0;
        long sum = 0;
        Map<String, Long> states = new TreeMap<>();
        for (BatchMember member : members) {
            count++;
            states.merge(member.state(), 1L, Long::sum);
            if (member.result() != null) {
                results++;
                if (sumField != null) {
                    sum += member.result().path(sumField).asLong();
                }
            }
        }
        ObjectNode result = Json.MAPPER.createObjectNode().put("members", count);
        ObjectNode byState = result.putObject("states");
        states.forEach(byState::put);
        result.put("results", results);
        return sumField == null ? result : result.put("sum", sum);
    }
}
