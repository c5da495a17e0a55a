package io.conveyor.app.testing;

import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;

/**
 * The PostgreSQL server and Kafka broker shared by all integration tests of one JVM, each chosen and started on first
 * use (environment variables, else a local server, else Testcontainers if Docker is available, else embedded) and
 * stopped when the JVM exits.
 */
public final class TestServices {

    private TestServices() {
    }

    /** The shared broker's bootstrap servers. */
    public static String kafkaBootstrap() {
        return SharedKafka.get().bootstrapServers();
    }

    /** A fresh, empty database {@code it_<hint>_<random>} on the shared server; dropped at exit unless the server is ours anyway. */
    public static DatabaseSettings newDatabase(String hint) {
        return SharedPostgres.get().newDatabase(hint);
    }

    /** The shared broker with Conveyor's topics created under a fresh prefix {@code it-<hint>-<random>.}. */
    public static KafkaSettings newKafka(String hint) {
        return SharedKafka.get().newKafka(hint);
    }

    /** One line for logs: which PostgreSQL and Kafka were chosen and why ("not used yet" for one not started so far). */
    public static String describe() {
        return "PostgreSQL: " + SharedPostgres.describeIfChosen() + "; Kafka: " + SharedKafka.describeIfChosen();
    }
}
