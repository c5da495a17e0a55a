package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.NonRetryableJobException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WordCountHandlerTest {

    @TempDir
    Path dataDir;

    @Test
    void findsTheMostFrequentWordsOverAllFilesCaseInsensitiveTiesAlphabetical() throws Exception {
        Path dir = Files.createDirectories(dataDir.resolve("texts/more"));
        Files.writeString(dir.getParent().resolve("one.txt"), "The cat and the hat.\nThe END");
        Files.writeString(dir.resolve("two.md"), "cat, cat; HAT? Überall über-all 42 42");

        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            JsonNode result = runner.run(new WordCountHandler(), "{\"dir\":\"texts\",\"top\":5}");

            assertThat(result.get("files").asInt()).isEqualTo(2);
            assertThat(result.get("words").asLong()).isEqualTo(15);
            assertThat(top(result)).containsExactly("cat=3", "the=3", "42=2", "hat=2", "all=1");
            assertThat(result.get("distinct").asInt()).isEqualTo(9); // the cat and hat end überall über all 42
            assertThat(runner.lastContext().progressDone()).isEqualTo(runner.lastContext().progressTotal());
        }
    }

    @Test
    void countsAsASimpleSplitWouldAlsoForWordsCutByTheReadBuffer() throws Exception {
        StringBuilder text = new StringBuilder();
        String[] vocabulary = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
        for (int i = 0; text.length() < 300_000; i++) {
            text.append(vocabulary[(i * 7 + i / 3) % vocabulary.length]).append(i % 11 == 0 ? "\n" : " ");
        }
        Files.createDirectories(dataDir.resolve("big"));
        Files.writeString(dataDir.resolve("big/words.txt"), text);

        Map<String, Long> expected = new HashMap<>();
        for (String word : text.toString().split("[^\\p{L}\\p{Nd}]+")) {
            if (!word.isEmpty()) {
                expected.merge(word.toLowerCase(Locale.ROOT), 1L, Long::sum);
            }
        }
        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            JsonNode result = runner.run(new WordCountHandler(), "{\"dir\":\"big\",\"top\":8}");
            Map<String, Long> counted = new HashMap<>();
            result.get("top").forEach(entry -> counted.put(entry.get("word").asText(), entry.get("count").asLong()));
            assertThat(counted).isEqualTo(expected);
        }
    }

    @Test
    void refusesATopBeyondTheCap() {
        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            assertThatThrownBy(() -> runner.run(new WordCountHandler(), "{\"dir\":\".\",\"top\":" + (WordCountHandler.MAX_TOP + 1) + "}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'top'");
        }
    }

    private static List<String> top(JsonNode result) {
        return StreamSupport.stream(result.get("top").spliterator(), false)
                .map(entry -> entry.get("word").asText() + "=" + entry.get("count").asLong()).toList();
    }
}
