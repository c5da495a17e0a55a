package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.NonRetryableJobException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SortHandlerTest {

    @TempDir
    Path dataDir;

    @Test
    void sortsTheNumbersOfAFileIntoASortedOutputFileWithItsChecksum() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        long[] numbers = new long[60_003];
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = switch (i) {
                case 0 -> Long.MIN_VALUE;
                case 1 -> Long.MAX_VALUE;
                case 2 -> 0;
                default -> i % 5 == 0 ? random.nextLong(-1000, 1000) : random.nextLong(); // plenty of duplicates
            };
            text.append(i % 7 == 0 ? " +" : "").append(numbers[i]).append(i % 3 == 0 ? "\r\n" : "\n");
            if (i % 1000 == 0) {
                text.append("\n  \n"); // blank lines are skipped
            }
        }
        Files.createDirectories(dataDir.resolve("in"));
        Files.writeString(dataDir.resolve("in/numbers.txt"), text.toString().replace("+-", "-"));

        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            JsonNode result = runner.run(new SortHandler(), "{\"input\":\"in/numbers.txt\",\"output\":\"out/sorted.txt\"}");

            Path output = dataDir.resolve("out/sorted.txt");
            long[] written = Files.readAllLines(output).stream().mapToLong(Long::parseLong).toArray();
            Arrays.sort(numbers);
            assertThat(written).isSorted().containsExactly(numbers);
            assertThat(result.get("count").asLong()).isEqualTo(numbers.length);
            assertThat(result.get("min").asLong()).isEqualTo(Long.MIN_VALUE);
            assertThat(result.get("max").asLong()).isEqualTo(Long.MAX_VALUE);
            assertThat(result.get("output").asText()).isEqualTo("out/sorted.txt");
            assertThat(result.get("bytes").asLong()).isEqualTo(Files.size(output));
            assertThat(result.get("crc32c").asText()).isEqualTo(crc32c(output));
            assertThat(runner.lastContext().progressDone()).isEqualTo(runner.lastContext().progressTotal());
        }
    }

    @Test
    void generatesSeededNumbersAsSplittableRandomDoesAndTheOutputDoesNotDependOnThreads() throws Exception {
        int count = 100_000;
        long[] expected = new long[count];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < count; i++) {
            expected[i] = random.nextLong();
        }
        Arrays.sort(expected);
        String payload = "{\"count\":" + count + ",\"seed\":42,\"output\":\"gen-%d.txt\"}";
        List<JsonNode> results = new ArrayList<>();
        for (int threads : new int[]{1, 2, 5}) {
            try (HandlerRunner runner = new HandlerRunner(dataDir, threads)) {
                results.add(runner.run(new SortHandler(), payload.formatted(threads)).deepCopy());
            }
        }
        assertThat(Files.readAllLines(dataDir.resolve("gen-1.txt")).stream().mapToLong(Long::parseLong).toArray()).containsExactly(expected);
        assertThat(Files.readAllBytes(dataDir.resolve("gen-5.txt"))).isEqualTo(Files.readAllBytes(dataDir.resolve("gen-1.txt")));
        assertThat(results).extracting(result -> result.get("crc32c").asText()).containsOnly(crc32c(dataDir.resolve("gen-1.txt")));
        assertThat(results).extracting(result -> result.get("count").asLong()).containsOnly((long) count);
    }

    @Test
    void sortsLinesByTheirBytesKeepingEmptyLinesAndDuplicates() throws Exception {
        List<String> lines = new ArrayList<>(List.of("pear", "Apple", "apple", "", "äpfel", "zebra", "apple", "10", "9", "apple pie"));
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 30_000; i++) {
            lines.add(Long.toString(random.nextLong(1_000_000), 36));
        }
        Files.write(dataDir.resolve("words.txt"), lines, StandardCharsets.UTF_8);

        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            JsonNode result = runner.run(new SortHandler(), "{\"input\":\"words.txt\",\"kind\":\"lines\",\"output\":\"words.sorted\"}");

            byte[][] expected = lines.stream().map(line -> line.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
            Arrays.sort(expected, Arrays::compareUnsigned); // what LC_ALL=C sort does
            List<String> written = Files.readAllLines(dataDir.resolve("words.sorted"), StandardCharsets.UTF_8);
            assertThat(written).containsExactlyElementsOf(Arrays.stream(expected).map(bytes -> new String(bytes, StandardCharsets.UTF_8)).toList());
            assertThat(written.getFirst()).isEmpty();
            assertThat(written.indexOf("10")).isLessThan(written.indexOf("9"));
            assertThat(written.indexOf("9")).isLessThan(written.indexOf("Apple"));
            assertThat(written.indexOf("Apple")).isLessThan(written.indexOf("apple"));
            assertThat(written.lastIndexOf("apple") + 1).isEqualTo(written.indexOf("apple pie"));
            assertThat(written.getLast()).isEqualTo("äpfel");
            assertThat(result.get("count").asLong()).isEqualTo(lines.size());
        }
    }

    @Test
    void canSortAFileInPlace() throws Exception {
        Files.writeString(dataDir.resolve("n.txt"), "3\n1\n2\n");
        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            runner.run(new SortHandler(), "{\"input\":\"n.txt\",\"output\":\"n.txt\"}");
        }
        assertThat(Files.readString(dataDir.resolve("n.txt"))).isEqualTo("1\n2\n3\n");
        try (var files = Files.list(dataDir)) {
            assertThat(files).as("no temporary file is left behind").hasSize(1);
        }
    }

    @Test
    void refusesANonNumberNamingItsLineAndBadPayloads() throws Exception {
        Files.writeString(dataDir.resolve("bad.txt"), "1\n2\n\n 3 \n4x\n5\n");
        Files.writeString(dataDir.resolve("huge.txt"), "99999999999999999999\n");
        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            assertThatThrownBy(() -> runner.run(new SortHandler(), "{\"input\":\"bad.txt\",\"output\":\"o.txt\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("line 5 ").hasMessageContaining("'4x'");
            assertThatThrownBy(() -> runner.run(new SortHandler(), "{\"input\":\"huge.txt\",\"output\":\"o.txt\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("line 1 ");
            assertThatThrownBy(() -> runner.run(new SortHandler(), "{\"count\":" + (SortHandler.MAX_ITEMS + 1) + ",\"output\":\"o.txt\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'count'");
            assertThatThrownBy(() -> runner.run(new SortHandler(), "{\"count\":10,\"input\":\"bad.txt\",\"output\":\"o.txt\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("exactly one of 'input'");
            assertThatThrownBy(() -> runner.run(new SortHandler(), "{\"count\":10,\"output\":\"../o.txt\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'output'").hasMessageContaining("outside the data root");
            assertThatThrownBy(() -> runner.run(new SortHandler(), "{\"count\":10}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'output' is required");
            assertThatThrownBy(() -> runner.run(new SortHandler(), "{\"input\":\"bad.txt\",\"kind\":\"words\",\"output\":\"o.txt\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'kind'");
        }
        assertThat(dataDir.resolve("o.txt")).doesNotExist();
    }

    @Test
    void refusesASortThatWouldTakeMoreThanHalfTheHeap() {
        long tooMany = Runtime.getRuntime().maxMemory() / 16;
        assertThatThrownBy(() -> SortHandler.requireHeap(tooMany * 16))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("CONVEYOR_WORKER_HEAP");
    }

    private static String crc32c(Path file) throws Exception {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }
}
