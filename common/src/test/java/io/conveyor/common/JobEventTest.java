package io.conveyor.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** An event's JSON is the text its tree would give (what consumers of the events topic have always read), and reads back. */
class JobEventTest {

    private static final ObjectMapper TREES = new ObjectMapper();
    private static final UUID ID = UUID.fromString("5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f");
    private static final Instant AT = Instant.parse("2026-12-03T14:00:00.123456789Z");

    static Stream<JobEvent> events() throws IOException {
        return Stream.of(
                new JobEvent(ID, "noop", "ENQUEUED", AT, 1, null, null, null, null, false),
                new JobEvent(ID, "noop", "PROCESSING", Instant.parse("2026-12-03T14:00:00Z"), 1, "bench-worker-1", null, null, null, false),
                new JobEvent(ID, "noop", "SUCCEEDED", AT, 1, "bench-worker-1", null, null, null, true),
                new JobEvent(ID, "sort", "SUCCEEDED", AT, 2, "w", null, TREES.readTree("{\"lines\":42,\"note\":\"é \\\"q\\\"\",\"list\":[1,2.5,null,true]}"), null, true),
                new JobEvent(ID, "sört \"x\"", "FAILED", AT, 3, "w", "handler failed: \"boom\"\n\tat ✗", null, null, true),
                new JobEvent(ID, null, "DELETED", AT, 1, null, "cancelled", null, null, true),
                JobEvent.progress(ID, "hash-files", 2, "w", 250, 1_000));
    }

    @ParameterizedTest
    @MethodSource("events")
    void theJsonIsTheTreesText(JobEvent event) {
        assertThat(new String(event.toJson(), StandardCharsets.UTF_8)).isEqualTo(asTree(event).toString());
    }

    @ParameterizedTest
    @MethodSource("events")
    void theJsonReadsBackIntoAnEventOfTheSameJson(JobEvent event) throws IOException {
        JobEvent read = JobEvent.fromJson(event.toJson());

        assertThat(read.toJson()).isEqualTo(event.toJson());
        assertThat(read.id()).isEqualTo(event.id());
        assertThat(read.at()).isEqualTo(event.at());
        assertThat(read.ends()).isEqualTo(event.ends());
    }

    /** The event as a tree, as it was built before it was written field by field. */
    private static JsonNode asTree(JobEvent event) {
        ObjectNode json = TREES.createObjectNode()
                .put("id", event.id().toString())
                .put("type", event.type())
                .put("state", event.state())
                .put("at", event.at().toString())
                .put("attempt", event.attempt());
        if (event.worker() != null) {
            json.put("worker", event.worker());
        }
        if (event.error() != null) {
            json.put("error", event.error());
        }
        if (event.result() != null) {
            json.set("result", event.result());
        }
        if (event.progress() != null) {
            json.set("progress", event.progress());
        }
        if (event.ends()) {
            json.put("ends", true);
        }
        return json;
    }
}
