package io.conveyor.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.DataRoot;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.ForkJoinComputePool;
import io.conveyor.handler.StandaloneJobContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LineCountHandlerTest {

    @TempDir
    Path dataDir;
    private final ForkJoinComputePool pool = new ForkJoinComputePool(2);

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void countsTheLinesOfEveryFileAndNamesTheLongest() throws Exception {
        Files.createDirectories(dataDir.resolve("src/sub"));
        Files.writeString(dataDir.resolve("src/a.txt"), "one\ntwo\n");
        Files.writeString(dataDir.resolve("src/sub/b.txt"), "1\n2\n3\nno newline at the end");

        StandaloneJobContext context = context("{\"dir\":\"src\"}");
        JsonNode result = new LineCountHandler().handle(context);

        assertThat(result.toString()).isEqualTo("{\"files\":2,\"lines\":6,\"longest\":{\"path\":\"sub/b.txt\",\"lines\":4}}");
        assertThat(context.progressDone()).isEqualTo(2);
    }

    @Test
    void refusesADirectoryOutsideTheDataRoot() {
        assertThatThrownBy(() -> new LineCountHandler().handle(context("{\"dir\":\"../elsewhere\"}")))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("outside the data root");
    }

    /** The built classes, that is; that the jar itself carries the registration is CustomJobTypeIT's to show. */
    @Test
    void theServiceFileRegistersTheHandlerForServiceLoader() {
        assertThat(ServiceLoader.load(JobHandler.class).stream().map(ServiceLoader.Provider::type))
                .contains(LineCountHandler.class);
    }

    private StandaloneJobContext context(String payload) throws Exception {
        return new StandaloneJobContext("line-count", (ObjectNode) Json.MAPPER.readTree(payload),
                pool, DataRoot.open(dataDir));
    }
}
