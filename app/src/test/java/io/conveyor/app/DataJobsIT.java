package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The data job types through the whole path: HTTP → API → Kafka → a worker JVM whose data root
 * ({@code CONVEYOR_DATA_DIR}) holds real files → JobRunr ledger → {@code GET /jobs/{id}} with result and progress.
 */
class DataJobsIT {

    private static Path dataDir;

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("data-jobs").withFleet(1, DataJobsIT::aDataRoot);

    private static Map<String, String> aDataRoot() throws IOException {
        dataDir = Files.createDirectories(Path.of("target", "it-data", "data-jobs-" + UUID.randomUUID().toString().substring(0, 8))).toAbsolutePath();
        writeFiles();
        return Map.of(
                "CONVEYOR_DATA_DIR", dataDir.toString(),
                "CONVEYOR_WORKER_THREADS", "2",
                "CONVEYOR_COMPUTE_THREADS", "2");
    }

    private static void writeFiles() throws IOException {
        Path docs = Files.createDirectories(dataDir.resolve("docs/chapters"));
        Files.writeString(dataDir.resolve("docs/readme.txt"), "Conveyor moves jobs.\nJobs run on workers.\n");
        Files.writeString(docs.resolve("one.txt"), "The worker runs the job; the job reports progress.\nTODO: more jobs\n");
        Files.writeString(docs.resolve("two.txt"), "Workers, workers, WORKERS!\nTODO tidy\n");
        SplittableRandom random = new SplittableRandom(1);
        StringBuilder numbers = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            numbers.append(random.nextLong(-1_000_000, 1_000_000)).append('\n');
        }
        Files.writeString(Files.createDirectories(dataDir.resolve("in")).resolve("numbers.txt"), numbers);
    }

    @Test
    void hashFilesGivesTheDigestOfTheSortedManifestAndAFullProgressBar() throws Exception {
        JsonNode job = succeeded(conveyor.client().submit("{\"type\":\"hash-files\",\"payload\":{\"dir\":\"docs\"}}"));

        StringBuilder manifest = new StringBuilder();
        for (String file : List.of("chapters/one.txt", "chapters/two.txt", "readme.txt")) {
            manifest.append(sha256(Files.readAllBytes(dataDir.resolve("docs").resolve(file)))).append("  ").append(file).append('\n');
        }
        assertThat(job.at("/result/files").asInt()).isEqualTo(3);
        assertThat(job.at("/result/digest").asText()).isEqualTo(sha256(manifest.toString().getBytes(StandardCharsets.UTF_8)));
        long bytes = job.at("/result/bytes").asLong();
        assertThat(job.get("progress").toString()).isEqualTo("{\"done\":" + bytes + ",\"total\":" + bytes + ",\"percent\":100}");

        JsonNode dashboard = conveyor.client().dashboardJob(UUID.fromString(job.get("id").asText()));
        assertThat(dashboard.get("metadata").toString()).as("JobRunr's own progress bar, as the dashboard shows it")
                .contains("jobRunrDashboardProgressBar-2").contains("\"succeededAmount\":" + bytes);
    }

    @Test
    void wordCountFindsTheTopWords() {
        JsonNode job = succeeded(conveyor.client().submit("{\"type\":\"word-count\",\"payload\":{\"dir\":\"docs\",\"top\":3}}"));

        assertThat(job.at("/result/top").toString())
                .isEqualTo("[{\"word\":\"workers\",\"count\":4},{\"word\":\"jobs\",\"count\":3},{\"word\":\"the\",\"count\":3}]");
        assertThat(job.at("/result/files").asInt()).isEqualTo(3);
    }

    @Test
    void sortWritesASortedFileUnderTheDataRootAndReturnsItsCountAndChecksum() throws Exception {
        JsonNode job = succeeded(conveyor.client().submit("{\"type\":\"sort\",\"payload\":{\"input\":\"in/numbers.txt\",\"output\":\"out/sorted.txt\"}}"));

        Path output = dataDir.resolve("out/sorted.txt");
        long[] sorted = Files.readAllLines(output).stream().mapToLong(Long::parseLong).toArray();
        long[] input = Files.readAllLines(dataDir.resolve("in/numbers.txt")).stream().mapToLong(Long::parseLong).toArray();
        Arrays.sort(input);
        assertThat(sorted).isSorted().containsExactly(input);
        assertThat(job.at("/result/count").asLong()).isEqualTo(50_000);
        assertThat(job.at("/result/crc32c").asText()).isEqualTo(crc32c(Files.readAllBytes(output)));
        assertThat(job.at("/progress/percent").asInt()).isEqualTo(100);
    }

    @Test
    void sortGeneratesSeededNumbers() throws Exception {
        JsonNode job = succeeded(conveyor.client().submit("{\"type\":\"sort\",\"payload\":{\"count\":100000,\"seed\":7,\"output\":\"generated.txt\"}}"));

        SplittableRandom random = new SplittableRandom(7);
        long[] expected = new long[100_000];
        Arrays.setAll(expected, i -> random.nextLong());
        Arrays.sort(expected);
        assertThat(Files.readAllLines(dataDir.resolve("generated.txt")).stream().mapToLong(Long::parseLong).toArray()).containsExactly(expected);
        assertThat(job.at("/result/min").asLong()).isEqualTo(expected[0]);
    }

    @Test
    void searchCountsMatchesAndShowsWhereTheFirstAre() {
        JsonNode job = succeeded(conveyor.client().submit("{\"type\":\"search\",\"payload\":{\"dir\":\"docs\",\"regex\":\"TODO:?\\\\s+\\\\w+\",\"locations\":1}}"));

        assertThat(job.at("/result/matches").asLong()).isEqualTo(2);
        assertThat(job.at("/result/filesWithMatches").asInt()).isEqualTo(2);
        assertThat(job.at("/result/locations").toString())
                .isEqualTo("[{\"path\":\"chapters/one.txt\",\"line\":2,\"column\":1,\"text\":\"TODO: more jobs\"}]");
    }

    @Test
    void primesRunsOnTheComputePoolWithProgress() {
        JsonNode job = succeeded(conveyor.client().submit("{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":200000}}"));

        assertThat(job.at("/result/count").asLong()).isEqualTo(17_984);
        assertThat(job.get("progress").toString()).isEqualTo("{\"done\":200000,\"total\":200000,\"percent\":100}");
    }

    @Test
    void pathsOutsideTheDataRootAndBadPatternsFailAtOnceWithTheReason() {
        UUID escape = conveyor.client().submit("{\"type\":\"hash-files\",\"payload\":{\"dir\":\"../..\"},\"maxAttempts\":5}");
        UUID absolute = conveyor.client().submit("{\"type\":\"word-count\",\"payload\":{\"dir\":\"/etc\"}}");
        UUID missing = conveyor.client().submit("{\"type\":\"search\",\"payload\":{\"dir\":\"nowhere\",\"literal\":\"x\"}}");
        UUID badRegex = conveyor.client().submit("{\"type\":\"search\",\"payload\":{\"dir\":\"docs\",\"regex\":\"(\"}}");
        UUID tooMany = conveyor.client().submit("{\"type\":\"sort\",\"payload\":{\"count\":1000000000,\"output\":\"x.txt\"}}");

        assertThat(failed(escape).get("error").asText()).isEqualTo("payload field 'dir': '../..' leads outside the data root");
        assertThat(failed(absolute).get("error").asText()).contains("absolute path outside the data root");
        assertThat(failed(missing).get("error").asText()).contains("does not exist under the data root");
        assertThat(failed(badRegex).get("error").asText()).contains("not a valid RE2 regular expression");
        assertThat(failed(tooMany).get("error").asText()).contains("'count' must be between 0 and 100000000");
        assertThat(List.of(escape, absolute, missing, badRegex, tooMany))
                .allSatisfy(id -> assertThat(conveyor.client().job(id).get("attempts").asInt()).as("attempts of %s", id).isEqualTo(1));
    }

    private static JsonNode succeeded(UUID id) {
        return awaitEnd(id, "SUCCEEDED");
    }

    private static JsonNode failed(UUID id) {
        return awaitEnd(id, "FAILED");
    }

    private static JsonNode awaitEnd(UUID id, String state) {
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(conveyor.client().job(id).get("state").asText()).as("state of %s: %s", id, conveyor.client().job(id)).isIn(state, oppositeOf(state)));
        JsonNode job = conveyor.client().job(id);
        assertThat(job.get("state").asText()).as("job %s", job).isEqualTo(state);
        return job;
    }

    private static String oppositeOf(String state) {
        return state.equals("SUCCEEDED") ? "FAILED" : "SUCCEEDED";
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }
}
