package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.NonRetryableJobException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SearchHandlerTest {

    @TempDir
    Path dataDir;
    private HandlerRunner runner;

    @BeforeEach
    void writeFiles() throws IOException {
        Path logs = Files.createDirectories(dataDir.resolve("logs/old"));
        Files.writeString(logs.getParent().resolve("b.log"), "ok\nERROR disk full\r\nok\nerror: again, ERROR twice\n");
        Files.writeString(logs.getParent().resolve("a.log"), "start\nall fine\nERROR at the end");
        Files.writeString(logs.resolve("c.log"), "nothing here\n");
        runner = HandlerRunner.on(dataDir);
    }

    @AfterEach
    void closeRunner() {
        runner.close();
    }

    @Test
    void countsALiteralAcrossFilesAndShowsTheFirstLocationsInPathAndLineOrder() throws Exception {
        JsonNode result = runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"literal\":\"ERROR\",\"locations\":2}");

        assertThat(result.get("files").asInt()).isEqualTo(3);
        assertThat(result.get("matches").asLong()).isEqualTo(3);
        assertThat(result.get("filesWithMatches").asInt()).isEqualTo(2);
        assertThat(locations(result)).containsExactly("a.log:3:1:ERROR at the end", "b.log:2:1:ERROR disk full");
        assertThat(runner.lastContext().progressDone()).isEqualTo(runner.lastContext().progressTotal()).isPositive();
    }

    @Test
    void ignoresCaseWhenAskedAndMatchesARegex() throws Exception {
        assertThat(runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"literal\":\"error\",\"ignoreCase\":true}").get("matches").asLong())
                .isEqualTo(4);
        JsonNode regex = runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"regex\":\"(?i)error\\\\b:?\\\\s+\\\\w+\"}");
        assertThat(regex.get("matches").asLong()).isEqualTo(4);
        assertThat(locations(regex)).containsExactly("a.log:3:1:ERROR at the end", "b.log:2:1:ERROR disk full",
                "b.log:4:1:error: again, ERROR twice");
        JsonNode column = runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"regex\":\"t[a-z]+ce\"}");
        assertThat(locations(column)).containsExactly("b.log:4:21:error: again, ERROR twice");
    }

    @Test
    void refusesAnInvalidRegexOrAnUnclearPattern() {
        assertThatThrownBy(() -> runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"regex\":\"(unclosed\"}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("not a valid RE2 regular expression");
        // Backreferences make matching exponential in the worst case; RE2 does not have them.
        assertThatThrownBy(() -> runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"regex\":\"(a)\\\\1\"}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'regex'");
        assertThatThrownBy(() -> runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"regex\":\"a\",\"literal\":\"b\"}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("exactly one of 'literal' and 'regex'");
        assertThatThrownBy(() -> runner.run(new SearchHandler(), "{\"dir\":\"logs\"}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("exactly one of");
        assertThatThrownBy(() -> runner.run(new SearchHandler(), "{\"dir\":\"logs\",\"literal\":\"x\",\"locations\":101}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'locations'");
    }

    @Test
    void aHugeLineIsSearchedInPiecesWithColumnsCountedFromTheLineStart() throws Exception {
        String line = "x".repeat(3 * LineReader.MAX_LINE_CHARS) + "needle";
        Files.createDirectories(dataDir.resolve("huge"));
        Files.writeString(dataDir.resolve("huge/one-line.txt"), "first\n" + line + "\nlast needle\n");

        JsonNode result = runner.run(new SearchHandler(), "{\"dir\":\"huge\",\"literal\":\"needle\"}");

        assertThat(result.get("matches").asLong()).isEqualTo(2);
        assertThat(result.at("/locations/0/line").asLong()).isEqualTo(2);
        assertThat(result.at("/locations/0/column").asLong()).isEqualTo(3L * LineReader.MAX_LINE_CHARS + 1);
        assertThat(result.at("/locations/1/line").asLong()).isEqualTo(3);
    }

    private static List<String> locations(JsonNode result) {
        return StreamSupport.stream(result.get("locations").spliterator(), false)
                .map(l -> l.get("path").asText() + ":" + l.get("line").asLong() + ":" + l.get("column").asLong() + ":" + l.get("text").asText())
                .toList();
    }
}
