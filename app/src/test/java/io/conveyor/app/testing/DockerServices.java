package io.conveyor.app.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL and Kafka containers that tests use where a Docker engine runs; docker-compose.yml runs the same
 * images (ComposeFileTest holds the two to each other), so the Docker path of the tests also vouches for them.
 */
public final class DockerServices {

    public static final String POSTGRES_IMAGE = "postgres:17-alpine";
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.0";

    private DockerServices() {
    }

    /** Whether Testcontainers finds a Docker engine; false quickly (and quietly, see logback-test.xml) where none runs. */
    public static boolean available() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /** A PostgreSQL container, not started yet. */
    public static PostgreSQLContainer postgres() {
        return new PostgreSQLContainer(POSTGRES_IMAGE);
    }

    /** A single-node KRaft Kafka container, not started yet. */
    public static KafkaContainer kafka() {
        return new KafkaContainer(KAFKA_IMAGE);
    }
}
