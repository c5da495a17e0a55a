package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.PrometheusText;
import io.conveyor.app.testing.SseStream;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API's Server-Sent Events streams on the real stack: a job's stream from its current state to its end, the fleet's
 * stream resumed with {@code Last-Event-ID}, and a thousand streams at once with a client that reads nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventStreamsIT {

    private static final Duration ENDS = Duration.ofSeconds(90);

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("events").withFleet(1, Map.of(WorkerSettings.JOB_THREADS, "2"))
            .awaitingFleet();

    @Test
    void aJobsStreamSendsItsStateAtOnceThenEveryChangeAndClosesWhenTheJobEnds() throws Exception {
        // Due 5 s from now: the stream opens while the job waits, whatever the machine's load.
        UUID id = conveyor.client().submit("{\"type\":\"fail\",\"delayMillis\":5000,\"payload\":{\"n\":1},\"maxAttempts\":2,\"backoff\":{\"baseMillis\":100,\"maxMillis\":200}}");
        List<SseStream.Event> events = new ArrayList<>();
        try (SseStream stream = conveyor.client().events("/jobs/" + id + "/events", null)) {
            assertThat(stream.status()).isEqualTo(200);
            SseStream.Event first = stream.next(ENDS);
            assertThat(first).isNotNull();
            assertThat(first.name()).isEqualTo("job");
            assertThat(json(first).get("id").asText()).isEqualTo(id.toString());
            await().atMost(ENDS).until(() -> {
                events.addAll(stream.drain());
                return stream.ended();
            });
            events.addAll(stream.drain());
        }
        List<String> states = events.stream().filter(event -> event.name().equals("state")).map(event -> json(event).get("state").asText()).toList();
        assertThat(states).as("the changes after the first view, up to the end").contains("FAILED").endsWith("SUCCEEDED");
        assertThat(states.subList(states.indexOf("FAILED"), states.size())).containsSubsequence("FAILED", "PROCESSING", "SUCCEEDED");
        SseStream.Event last = events.getLast();
        assertThat(json(last).get("ends").asBoolean()).isTrue();
        assertThat(events).allSatisfy(event -> assertThat(event.id()).isNotBlank());
        JsonNode failed = events.stream().filter(event -> event.name().equals("state")).map(EventStreamsIT::json)
                .filter(event -> event.get("state").asText().equals("FAILED")).findFirst().orElseThrow();
        assertThat(failed.path("ends").asBoolean(false)).as("a FAILED that a retry follows does not end the stream").isFalse();

        try (SseStream ended = conveyor.client().events("/jobs/" + id + "/events", null)) {
            SseStream.Event only = ended.next(ENDS);
            assertThat(json(only).get("state").asText()).isEqualTo("SUCCEEDED");
            await().atMost(ENDS).until(ended::ended);
            assertThat(ended.drain()).as("an ended job's stream sends its view and closes").isEmpty();
        }
        assertThat(conveyor.client().get("/jobs/" + UUID.randomUUID() + "/events").statusCode()).isEqualTo(404);
        assertThat(conveyor.client().get("/events?state=RUNNING").statusCode()).isEqualTo(400);
    }

    @Test
    void aRunningJobsProgressReportsReachItsStream() throws Exception {
        UUID id = conveyor.client().submit("{\"type\":\"primes\",\"delayMillis\":5000,\"payload\":{\"from\":0,\"to\":2000000}}");
        List<SseStream.Event> events = new ArrayList<>();
        try (SseStream stream = conveyor.client().events("/jobs/" + id + "/events", null)) {
            await().atMost(ENDS).until(() -> {
                events.addAll(stream.drain());
                return stream.ended();
            });
            events.addAll(stream.drain());
        }
        List<JsonNode> progress = events.stream().filter(event -> event.name().equals("progress")).map(EventStreamsIT::json).toList();
        assertThat(progress).as("the first report and the last are forwarded at once").isNotEmpty();
        assertThat(progress.getLast().get("progress").get("done").asLong()).isEqualTo(2_000_000);
        assertThat(progress.getLast().get("progress").get("percent").asInt()).isEqualTo(100);
        assertThat(progress).allSatisfy(report -> assertThat(report.get("state").asText()).isEqualTo("PROCESSING"));
        assertThat(json(events.getLast()).get("state").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    @Order(1) // first: a stream another test left open would keep the reader reading
    void whileNoStreamIsOpenTheApiReadsNoEventsAndAStreamOpenedThenGetsEveryLaterEvent() throws Exception {
        double readBefore = eventsRead();
        List<UUID> unheard = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // three events each, while no stream is open
            unheard.add(conveyor.client().submit("{\"type\":\"noop\"}"));
        }
        for (UUID id : unheard) {
            conveyor.awaitState(id, "SUCCEEDED", ENDS);
        }
        List<JsonNode> received = new ArrayList<>();
        UUID heard;
        try (SseStream stream = conveyor.client().events("/events?type=sleep", null)) {
            assertThat(stream.status()).isEqualTo(200);
            heard = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":5}}");
            await().atMost(ENDS).untilAsserted(() -> {
                stream.drain().forEach(event -> received.add(json(event)));
                assertThat(received.stream().filter(event -> event.get("id").asText().equals(heard.toString()))
                        .map(event -> event.get("state").asText())).containsExactly("ENQUEUED", "PROCESSING", "SUCCEEDED");
            });
        }
        double read = eventsRead() - readBefore;
        System.out.println("[events] the API read " + read + " events; 60 were published while no stream was open");
        // A stream may get events of the last moments before it opened (the reader looks where the topic ends every
        // 250 ms while idle), never the whole idle period's.
        assertThat(read).as("events read by the API").isLessThan(60);
    }

    private static double eventsRead() throws Exception {
        return PrometheusText.parse(conveyor.client().get("/metrics").body()).value("conveyor_events_read_total");
    }

    @Test
    void theFleetsStreamResumedWithLastEventIdMissesNothingAndRepeatsNothing() throws Exception {
        String type = "sleep";
        String filter = "/events?type=" + type;
        List<JsonNode> received = new ArrayList<>();
        Set<UUID> ids = new HashSet<>();
        String lastId;
        try (SseStream first = conveyor.client().events(filter, null)) {
            for (int i = 0; i < 40; i++) {
                ids.add(conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":5}}"));
            }
            SseStream.Event event = null;
            while (received.size() < 30) {
                event = first.next(ENDS);
                assertThat(event).as("events of the first stream").isNotNull();
                received.add(json(event));
            }
            lastId = event.id();
        }
        for (int i = 0; i < 40; i++) { // while no stream is open
            ids.add(conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":5}}"));
        }
        try (SseStream resumed = conveyor.client().events(filter, lastId)) {
            // The jobs first (a busy machine may take a while), then what the stream must hold by then.
            for (UUID id : ids) {
                conveyor.awaitState(id, "SUCCEEDED", Duration.ofMinutes(3));
            }
            await().atMost(ENDS).untilAsserted(() -> {
                resumed.drain().forEach(event -> received.add(json(event)));
                assertThat(succeeded(received)).as("jobs with a SUCCEEDED event among %d events received (stream ended: %s)",
                        received.size(), resumed.ended()).containsAll(ids);
            });
        }
        Map<String, Integer> seen = new HashMap<>();
        for (JsonNode event : received) {
            if (ids.contains(UUID.fromString(event.get("id").asText()))) {
                seen.merge(event.get("id").asText() + " " + event.get("state").asText() + " " + event.get("attempt").asInt(), 1, Integer::sum);
            }
        }
        assertThat(seen).as("each job's every change, once").allSatisfy((change, times) -> assertThat(times).as(change).isEqualTo(1));
        for (UUID id : ids) {
            assertThat(seen).containsKeys(id + " ENQUEUED 1", id + " PROCESSING 1", id + " SUCCEEDED 1");
        }
    }

    @Test
    void aThousandStreamsAtOnceGetEveryEventWhileAClientThatReadsNothingHoldsNobodyUp() throws Exception {
        int streams = 1_000;
        int jobs = 100;
        HttpClient http = HttpClient.newHttpClient();
        List<SseStream> open = new ArrayList<>();
        Map<SseStream, Set<UUID>> succeededPerStream = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Long> delays = new ConcurrentLinkedQueue<>();
        try (Socket idle = new Socket()) {
            idle.setReceiveBufferSize(1024);
            URI api = URI.create(conveyor.client().apiBase());
            idle.connect(new java.net.InetSocketAddress(api.getHost(), api.getPort()));
            OutputStream request = idle.getOutputStream();
            request.write("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            request.flush(); // and never read a byte
            try {
                for (int i = 0; i < streams; i++) {
                    open.add(SseStream.open(http, conveyor.client().apiBase() + "/events?type=noop&state=SUCCEEDED", null));
                }
                assertThat(open).allSatisfy(stream -> assertThat(stream.status()).isEqualTo(200));
                Set<UUID> ids = new HashSet<>(conveyor.client().submitBatch(java.util.Collections.nCopies(jobs, "{\"type\":\"noop\"}")));
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    for (SseStream stream : open) {
                        for (SseStream.Event event : stream.drain()) {
                            JsonNode json = json(event);
                            delays.add(Duration.between(Instant.parse(json.get("at").asText()), event.receivedAt()).toMillis());
                            succeededPerStream.computeIfAbsent(stream, s -> ConcurrentHashMap.newKeySet()).add(UUID.fromString(json.get("id").asText()));
                        }
                    }
                    assertThat(open).allSatisfy(stream -> assertThat(succeededPerStream.getOrDefault(stream, Set.of())).containsAll(ids));
                });
                assertThat(conveyor.client().get("/health").statusCode()).isEqualTo(200);
            } finally {
                open.forEach(SseStream::close);
            }
        }
        List<Long> sorted = delays.stream().sorted().toList();
        System.out.printf("[benchmark] %d SSE streams held at once, %d events each: from the job's SUCCEEDED to a client reading it p50 %d ms, p95 %d ms, max %d ms%n",
                streams, jobs, sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.95)), sorted.getLast());
    }

    private static Set<UUID> succeeded(List<JsonNode> events) {
        Set<UUID> ids = new HashSet<>();
        events.stream().filter(event -> event.get("state").asText().equals("SUCCEEDED")).forEach(event -> ids.add(UUID.fromString(event.get("id").asText())));
        return ids;
    }

    private static JsonNode json(SseStream.Event event) {
        return ConveyorClient.json(event.data());
    }
}
