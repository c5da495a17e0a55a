package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.ConveyorUnderTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A job type of one's own: the {@code examples} module's jar, on the class path of a stock worker JVM and nowhere
 * else, is found through {@code ServiceLoader} and runs its type through the whole path.
 */
class CustomJobTypeIT {

    private static final Path EXAMPLES_JAR = Path.of(System.getProperty("conveyor.examples.jar", "../examples/target/conveyor-examples.jar"));

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("custom-type")
            .withFleet(1, CustomJobTypeIT::aDataRootForTheExampleJar, List.of(EXAMPLES_JAR));

    private static Map<String, String> aDataRootForTheExampleJar() throws IOException {
        assertThat(EXAMPLES_JAR).as("the examples jar (built by the reactor before app)").isRegularFile();
        Path dataDir = Files.createDirectories(Path.of("target", "it-data", "custom-" + UUID.randomUUID().toString().substring(0, 8))).toAbsolutePath();
        Files.createDirectories(dataDir.resolve("src"));
        Files.writeString(dataDir.resolve("src/a.txt"), "1\n2\n3\n");
        Files.writeString(dataDir.resolve("src/b.txt"), "just one line\n");
        return Map.of("CONVEYOR_DATA_DIR", dataDir.toString());
    }

    @Test
    void theExampleTypeIsNotOnThisClassPathButItsJarMakesAWorkerRunIt() {
        assertThatThrownBy(() -> Class.forName("io.conveyor.examples.LineCountHandler"))
                .as("the example must reach the worker only through its own jar").isInstanceOf(ClassNotFoundException.class);

        UUID id = conveyor.client().submit("{\"type\":\"line-count\",\"payload\":{\"dir\":\"src\"}}");

        // The worker's first job: it also waits for its intake to join the consumer group.
        await().atMost(ConveyorUnderTest.WORKER_START).untilAsserted(() -> assertThat(conveyor.client().job(id).get("state").asText()).isIn("SUCCEEDED", "FAILED"));
        JsonNode job = conveyor.client().job(id);
        assertThat(job.get("state").asText()).as("job %s", job).isEqualTo("SUCCEEDED");
        assertThat(job.get("result").toString()).isEqualTo("{\"files\":2,\"lines\":4,\"longest\":{\"path\":\"a.txt\",\"lines\":3}}");
        assertThat(job.get("progress").toString()).isEqualTo("{\"done\":2,\"total\":2,\"percent\":100}");
    }
}
