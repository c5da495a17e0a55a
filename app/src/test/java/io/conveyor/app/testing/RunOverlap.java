package io.conveyor.app.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** How many runs of some jobs overlapped in time, read from their history in {@code GET /jobs/{id}}. */
public final class RunOverlap {

    private RunOverlap() {
    }

    /** The most runs that overlapped: each PROCESSING entry lasts until the job's next entry. */
    public static int mostAtOnce(List<JsonNode> jobs) {
        return mostAtOnce(jobs, entry -> true);
    }

    /** The most runs on the worker named {@code worker} that overlapped. */
    public static int mostAtOnceOn(List<JsonNode> jobs, String worker) {
        return mostAtOnce(jobs, entry -> entry.path("worker").asText().equals(worker));
    }

    private static int mostAtOnce(List<JsonNode> jobs, Predicate<JsonNode> counted) {
        List<long[]> edges = new ArrayList<>();
        for (JsonNode job : jobs) {
            List<JsonNode> entries = ConveyorUnderTest.history(job);
            for (int i = 0; i + 1 < entries.size(); i++) {
                if (entries.get(i).get("state").asText().equals("PROCESSING") && counted.test(entries.get(i))) {
                    edges.add(new long[]{at(entries.get(i)).toEpochMilli(), 1});
                    edges.add(new long[]{at(entries.get(i + 1)).toEpochMilli(), -1});
                }
            }
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1])); // ends before starts
        int now = 0;
        int most = 0;
        for (long[] edge : edges) {
            now += (int) edge[1];
            most = Math.max(most, now);
        }
        return most;
    }

    /** When the job's first run started. */
    public static Instant firstStart(JsonNode job) {
        return ConveyorUnderTest.history(job).stream().filter(entry -> entry.get("state").asText().equals("PROCESSING"))
                .map(RunOverlap::at).findFirst().orElseThrow(() -> new AssertionError("job " + job.get("id") + " never started"));
    }

    /** When the job reached {@code state} last. */
    public static Instant reached(JsonNode job, String state) {
        return ConveyorUnderTest.history(job).stream().filter(entry -> entry.get("state").asText().equals(state))
                .map(RunOverlap::at).reduce((first, second) -> second).orElseThrow(() -> new AssertionError("job " + job.get("id") + " never " + state));
    }

    private static Instant at(JsonNode entry) {
        return Instant.parse(entry.get("at").asText());
    }
}
