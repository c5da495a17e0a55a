package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.run.FanOutPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The built-in data types with {@code "split": n} on two worker JVMs sharing a data root: the parts run across the
 * fleet, the merge job gives the client's one id the same result as an unsplit run of the same payload (plus
 * {@code parts}); a split sort's output equals {@code LC_ALL=C sort -n}'s, also when a worker running the split is
 * killed (kill -9) midway. Times are printed, not asserted.
 */
class SplitDataJobsIT {

    private static final Path DATA = Path.of("target", "it-data", "split-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("split");

    private static Map<String, String> env(String threads) {
        Map<String, String> env = new HashMap<>(Map.of("CONVEYOR_DATA_DIR", DATA.toString(), "CONVEYOR_WORKER_THREADS", threads,
                "CONVEYOR_COMPUTE_THREADS", "2"));
        return conveyor.workerEnv(env);
    }

    @Test
    void splitSortWordCountAndHashFilesGiveTheUnsplitResults() throws Exception {
        Path input = numbers("numbers.txt", 400_000, 1);
        writeCorpus();
        try (WorkerJvm first = WorkerJvm.start("split", "split-1", env("2"));
             WorkerJvm second = WorkerJvm.start("split", "split-2", env("2"))) {
            conveyor.awaitRegistered(first, second);
            JsonNode whole = succeeded("{\"type\":\"sort\",\"payload\":{\"input\":\"numbers.txt\",\"output\":\"whole.txt\"}}", "unsplit sort");
            JsonNode split = succeeded("{\"type\":\"sort\",\"payload\":{\"input\":\"numbers.txt\",\"output\":\"split.txt\",\"split\":4}}", "split sort (4)");
            assertSameResult(split, whole, "output");
            assertThat(split.at("/result/parts").asInt()).isEqualTo(4);
            assertThat(split.at("/result/output").asText()).isEqualTo("split.txt");
            assertThat(Files.mismatch(DATA.resolve("split.txt"), sortN(input))).as("the output against LC_ALL=C sort -n").isEqualTo(-1);
            assertThat(workersThatRanTheParts(split)).as("the parts ran on both workers").containsExactlyInAnyOrder(first.name(), second.name());
            assertThat(DATA.resolve(".conveyor-split").resolve(split.get("id").asText())).as("the parts' files, removed by the merge").doesNotExist();

            JsonNode wordsWhole = succeeded("{\"type\":\"word-count\",\"payload\":{\"dir\":\"corpus\",\"top\":25}}", "unsplit word-count");
            JsonNode wordsSplit = succeeded("{\"type\":\"word-count\",\"payload\":{\"dir\":\"corpus\",\"top\":25,\"split\":3}}", "split word-count (3)");
            assertSameResult(wordsSplit, wordsWhole);
            assertThat(wordsSplit.at("/result/parts").asInt()).isEqualTo(3);
            assertThat(wordsSplit.at("/result/top").size()).isEqualTo(25);

            JsonNode hashWhole = succeeded("{\"type\":\"hash-files\",\"payload\":{\"dir\":\"corpus\"}}", "unsplit hash-files");
            JsonNode hashSplit = succeeded("{\"type\":\"hash-files\",\"payload\":{\"dir\":\"corpus\",\"split\":5}}", "split hash-files (5)");
            assertSameResult(hashSplit, hashWhole);
            assertThat(hashSplit.at("/result/parts").asInt()).isEqualTo(5);
        }
    }

    /** 30 files in 4 directories, words from a small vocabulary with numbers, so that many words tie. */
    private static void writeCorpus() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        List<String> words = List.of("job", "worker", "queue", "ledger", "kafka", "merge", "split", "part", "zebra", "über");
        for (int f = 0; f < 30; f++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 2_000 + f * 100; w++) {
                text.append(words.get(random.nextInt(words.size()))).append(random.nextInt(50)).append(w % 13 == 0 ? ".\n" : " ");
            }
            Files.writeString(Files.createDirectories(DATA.resolve("corpus").resolve("d" + f % 4)).resolve("f" + f + ".txt"), text);
        }
    }

    @Test
    void killingAWorkerThatRunsPartOfASplitSortLeavesTheOutputAsSortNs() throws Exception {
        Path input = numbers("many.txt", 2_000_000, 3);
        Path expected = sortN(input);
        try (WorkerJvm first = WorkerJvm.start("split", "split-kill-1", env("1"));
             WorkerJvm second = WorkerJvm.start("split", "split-kill-2", env("1"))) {
            conveyor.awaitRegistered(first, second);
            long started = System.nanoTime();
            UUID id = conveyor.client().submit("{\"type\":\"sort\",\"payload\":{\"input\":\"many.txt\",\"output\":\"many-sorted.txt\",\"split\":6}}");
            UUID batch = FanOutPlan.batchOf(id);
            // A part running on a worker (or, on a fast machine, the merge): its worker is killed under it.
            String[] running = new String[2];
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).until(() -> {
                String row = conveyor.ledger().query("select coalesce(max(id), '') from jobrunr_jobs where state = 'PROCESSING' and (conveyor_batch = '"
                        + batch + "' or conveyor_completes = '" + batch + "')");
                running[0] = row.isBlank() ? null : row.trim();
                return running[0] != null;
            });
            running[1] = workersThatRan(conveyor.client().job(UUID.fromString(running[0]))).getLast();
            (running[1].equals(first.name()) ? first : second).kill();

            JsonNode done = conveyor.awaitState(id, "SUCCEEDED", Duration.ofMinutes(4));
            // Whether the kill met the job still running (it then ran again) or just after it ended is the machine's timing.
            int runs = workersThatRan(conveyor.client().job(UUID.fromString(running[0]))).size();
            System.out.printf("[benchmark] split sort of 2,000,000 numbers in 6 parts, worker %s killed as it ran job %s (which ran %d times): %.2f s%n",
                    running[1], running[0], runs, (System.nanoTime() - started) / 1e9);
            assertThat(conveyor.ledger().countJobs("conveyor_batch = '" + batch + "' and state = 'SUCCEEDED'")).as("every part, once").isEqualTo(6);
            assertThat(Files.mismatch(DATA.resolve("many-sorted.txt"), expected)).as("the output against LC_ALL=C sort -n").isEqualTo(-1);
            assertThat(done.at("/result/count").asLong()).isEqualTo(2_000_000);
        }
    }

    private static JsonNode succeeded(String submission, String what) {
        long started = System.nanoTime();
        UUID id = conveyor.client().submit(submission);
        JsonNode job = conveyor.awaitState(id, "SUCCEEDED", Duration.ofMinutes(3));
        System.out.printf("[benchmark] %s: %.2f s%n", what, (System.nanoTime() - started) / 1e9);
        return job;
    }

    /** The split job's result has every field of the unsplit one's with the same value (but those named), and {@code parts}. */
    private static void assertSameResult(JsonNode split, JsonNode whole, String... differing) {
        ObjectNode expected = whole.get("result").deepCopy();
        ObjectNode actual = split.get("result").deepCopy();
        for (String field : differing) {
            expected.remove(field);
            actual.remove(field);
        }
        actual.remove("parts");
        assertThat(actual).as("the split job's result, parts left out").isEqualTo(expected);
    }

    private static List<String> workersThatRanTheParts(JsonNode split) throws Exception {
        String batch = split.at("/continuation/batch").asText();
        String ids = conveyor.ledger().query("select string_agg(id, ',') from jobrunr_jobs where conveyor_batch = '" + batch + "'");
        return java.util.Arrays.stream(ids.split(",")).map(String::trim)
                .flatMap(part -> workersThatRan(conveyor.client().job(UUID.fromString(part))).stream()).distinct().toList();
    }

    private static Path numbers(String name, int count, long seed) throws IOException {
        Path file = Files.createDirectories(DATA).resolve(name);
        SplittableRandom random = new SplittableRandom(seed);
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int i = 0; i < count; i++) {
                out.write(Long.toString(random.nextLong()));
                out.write('\n');
            }
        }
        return file;
    }

    /** What {@code LC_ALL=C sort -n} makes of the file (the test's own copy, outside the data root). */
    private static Path sortN(Path input) throws Exception {
        Path sorted = Files.createTempFile("sort-n-", ".txt");
        ProcessBuilder sort = new ProcessBuilder("sort", "-n", input.toString()).redirectOutput(sorted.toFile());
        sort.environment().put("LC_ALL", "C");
        Process process = sort.start();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("sort -n ends").isTrue();
        assertThat(process.exitValue()).isZero();
        return sorted;
    }
}
