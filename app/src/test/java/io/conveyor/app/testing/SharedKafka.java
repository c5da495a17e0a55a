package io.conveyor.app.testing;

import io.conveyor.app.EmbeddedKafka;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/** The one Kafka broker of this test JVM, chosen on first use, on which every test gets topics under a prefix of its own. */
final class SharedKafka {

    private static final Logger LOG = LoggerFactory.getLogger(SharedKafka.class);
    private static final String BOOTSTRAP_ENV = "CONVEYOR_TEST_KAFKA_BOOTSTRAP";

    private static SharedKafka instance;

    private final String bootstrapServers;
    private final String description;
    private final AutoCloseable ownedBroker;
    private final Path dataDir;

    private SharedKafka(String bootstrapServers, String description, AutoCloseable ownedBroker, Path dataDir) {
        this.bootstrapServers = bootstrapServers;
        this.description = description;
        this.ownedBroker = ownedBroker;
        this.dataDir = dataDir;
    }

    static synchronized SharedKafka get() {
        if (instance == null) {
            instance = resolve();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "shared-kafka-stop"));
            LOG.info("Kafka for tests: {}", instance.description);
        }
        return instance;
    }

    static synchronized String describeIfChosen() {
        return instance == null ? "not used yet" : instance.description;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates Conveyor's topics under the fresh prefix {@code it-<hint>-<random>.} and returns settings naming them. */
    KafkaSettings newKafka(String hint) {
        String cleaned = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        cleaned = cleaned.length() > 40 ? cleaned.substring(0, 40) : cleaned;
        String prefix = "it-" + (cleaned.isEmpty() ? "kafka" : cleaned) + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        KafkaSettings settings = new KafkaSettings(bootstrapServers, new Topics(prefix));
        KafkaTopics.ensureExist(settings);
        return settings;
    }

    /** {@code CONVEYOR_TEST_KAFKA_BOOTSTRAP}, else a container if Docker is available, else an embedded broker. */
    private static SharedKafka resolve() {
        String bootstrap = System.getenv(BOOTSTRAP_ENV);
        if (bootstrap != null && !bootstrap.isBlank()) {
            return new SharedKafka(bootstrap, bootstrap + " (from " + BOOTSTRAP_ENV + ")", null, null);
        }
        String noContainer = "Docker unavailable";
        if (DockerServices.available()) {
            KafkaContainer container = DockerServices.kafka();
            try {
                container.start();
                return new SharedKafka(container.getBootstrapServers(), "Testcontainers " + DockerServices.KAFKA_IMAGE + " at "
                        + container.getBootstrapServers() + " (" + BOOTSTRAP_ENV + " unset)", container, null);
            } catch (RuntimeException e) {
                LOG.warn("Kafka container did not start, falling back to the embedded broker", e);
                container.stop();
                noContainer = "Docker container failed: " + e.getMessage();
            }
        }
        try {
            Path dataDir = Files.createTempDirectory("conveyor-test-kafka-");
            EmbeddedKafka broker = EmbeddedKafka.start(dataDir);
            return new SharedKafka(broker.bootstrapServers(), "embedded broker at " + broker.bootstrapServers()
                    + " (" + BOOTSTRAP_ENV + " unset, " + noContainer + ")", broker, dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stop() {
        if (ownedBroker == null) {
            return;
        }
        try {
            ownedBroker.close();
            if (dataDir != null) {
                deleteRecursively(dataDir);
            }
        } catch (Exception e) {
            LOG.warn("could not stop the Kafka broker used by tests", e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
