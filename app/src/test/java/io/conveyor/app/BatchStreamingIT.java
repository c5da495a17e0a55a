package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ApiJvm;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.common.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.conveyor.app.testing.ConveyorClient.json;
import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /batches} of 100,000 members to an API JVM with a 128 MiB heap: the body (about 30 MB, sent chunked,
 * with no declared length) streams through the API into a temporary file, never into its heap whole. A body whose
 * last member (index 99,999) is invalid is refused with 422 naming that index, and not one record reaches the jobs
 * topic; a valid one is accepted with 202, 100,001 records on the topic (the members, then the completion job), and
 * its completion job runs once, after every member succeeded. Times are printed, not asserted.
 */
class BatchStreamingIT {

    private static final String NAME = "batch-streaming";
    private static final int MEMBERS = 100_000;
    /** Makes each member about 300 bytes, the body about 30 MB: a body the old read-it-whole API could not hold in 128 MiB. */
    private static final String PAD = "x".repeat(240);

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named(NAME);

    @Test
    void aHundredThousandMembersStreamThroughASmallHeapAllOrNothing() throws Exception {
        Map<String, String> apiEnv = new HashMap<>(conveyor.kafka().asEnvironment());
        apiEnv.putAll(conveyor.database().asEnvironment());
        apiEnv.put(ApiSettings.ID_SECRET, "batch-streaming-test-secret-0123456789");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try (WorkerJvm first = WorkerJvm.start(NAME, NAME + "-1", conveyor.workerEnv(Map.of()));
             WorkerJvm second = WorkerJvm.start(NAME, NAME + "-2", conveyor.workerEnv(Map.of()));
             ApiJvm api = ApiJvm.start("api-" + NAME, Path.of("target", "it-logs", NAME), apiEnv, "128m");
             Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka().bootstrapServers()))) {
            conveyor.awaitRegistered(first, second);
            String batches = api.client(Duration.ofSeconds(10)).apiBase() + "/batches";
            long recordsBefore = records(admin);

            long refusedStarted = System.nanoTime();
            HttpResponse<String> refused = post(http, batches, MEMBERS - 1);
            double refusedSeconds = (System.nanoTime() - refusedStarted) / 1e9;
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
            JsonNode problem = json(refused.body());
            assertThat(problem.get("index").asInt()).isEqualTo(MEMBERS - 1);
            assertThat(problem.get("field").asText()).isEqualTo("[99999].maxAttempts");
            assertThat(records(admin)).as("records on the jobs topic after the refused batch").isEqualTo(recordsBefore);

            long acceptedStarted = System.nanoTime();
            HttpResponse<String> accepted = post(http, batches, -1);
            double acceptedSeconds = (System.nanoTime() - acceptedStarted) / 1e9;
            assertThat(accepted.statusCode()).as(accepted.body().substring(0, Math.min(accepted.body().length(), 2000))).isEqualTo(202);
            JsonNode batch = json(accepted.body());
            assertThat(batch.get("jobs").size()).isEqualTo(MEMBERS);
            assertThat(records(admin) - recordsBefore).as("records the accepted batch put on the jobs topic").isEqualTo(MEMBERS + 1);

            UUID then = UUID.fromString(batch.get("then").asText());
            JsonNode ran = conveyor.awaitState(then, "SUCCEEDED", Duration.ofMinutes(10));
            double runSeconds = (System.nanoTime() - acceptedStarted) / 1e9;
            assertThat(count(ran, "PROCESSING")).as("the completion job ran once").isEqualTo(1);
            assertThat(ran.get("result").get("members").asInt()).isEqualTo(MEMBERS);
            assertThat(ran.get("result").get("states").get("SUCCEEDED").asInt()).as("members that had succeeded when it ran").isEqualTo(MEMBERS);
            System.out.printf("[benchmark] POST /batches of %,d members (%.1f MB) to an API with a 128 MiB heap: refused (member %d invalid) in %.1f s,"
                    + " accepted (202) in %.1f s, completion job SUCCEEDED %.1f s after the POST began%n",
                    MEMBERS, bodyBytes() / 1e6, MEMBERS - 1, refusedSeconds, acceptedSeconds, runSeconds);
        }
    }

    /** POSTs a batch of {@link #MEMBERS} members, chunked (no length declared); the member at {@code invalidIndex} (if any) breaks a rule. */
    private static HttpResponse<String> post(HttpClient http, String url, int invalidIndex) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> stream(invalidIndex))).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The body, generated a member at a time as the client sends it. */
    private static InputStream stream(int invalidIndex) {
        return new SequenceInputStream(Collections.enumeration(List.of(
                new ByteArrayInputStream("{\"then\":{\"type\":\"batch-summary\"},\"jobs\":[".getBytes(StandardCharsets.UTF_8)),
                new MembersStream(invalidIndex),
                new ByteArrayInputStream("]}".getBytes(StandardCharsets.UTF_8)))));
    }

    private static long bodyBytes() throws Exception {
        try (InputStream in = stream(-1)) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static String member(int index, int invalidIndex) {
        return (index == 0 ? "" : ",") + "{\"type\":\"noop\",\"payload\":{\"i\":" + index + ",\"pad\":\"" + PAD + "\"}"
                + (index == invalidIndex ? ",\"maxAttempts\":0" : "") + "}";
    }

    /** The members' JSON, one member's bytes at a time. */
    private static final class MembersStream extends InputStream {

        private final int invalidIndex;
        private int next;
        private byte[] current = new byte[0];
        private int position;

        MembersStream(int invalidIndex) {
            this.invalidIndex = invalidIndex;
        }

        @Override
        public int read() {
            if (!fill()) {
                return -1;
            }
            return current[position++] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, n);
            position += n;
            return n;
        }

        private boolean fill() {
            while (position == current.length) {
                if (next == MEMBERS) {
                    return false;
                }
                current = member(next, invalidIndex).getBytes(StandardCharsets.UTF_8);
                position = 0;
                next++;
            }
            return true;
        }
    }

    /** The records on the jobs topic: the sum of its partitions' end offsets. */
    private static long records(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> ends = IntStream.range(0, Topics.JOBS_PARTITIONS).boxed()
                .collect(Collectors.toMap(p -> new TopicPartition(conveyor.kafka().topics().jobs(), p), p -> OffsetSpec.latest()));
        return admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).values().stream().mapToLong(end -> end.offset()).sum();
    }
}
