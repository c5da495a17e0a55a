package io.conveyor.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.jobrunr.configuration.JobRunr;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/** What the benchmark ran on: processor, cores, memory, load, and the versions of Java, PostgreSQL, Kafka and JobRunr. */
final class MachineInfo {

    /** The version this build depends on, should the jar not say (a shaded jar drops the manifest entry). */
    private static final String JOBRUNR_VERSION_FALLBACK = "8.7.0";

    private MachineInfo() {
    }

    static List<String> describe(String postgresVersion) {
        return List.of(
                "processor: " + cpuModel().orElse("unknown") + ", " + Runtime.getRuntime().availableProcessors() + " cores",
                "memory: " + memoryTotal().orElse("unknown"),
                "Java: " + System.getProperty("java.vm.name") + " " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                "PostgreSQL: " + postgresVersion,
                "Kafka: " + kafkaVersion() + " (one broker in the benchmark's JVM)",
                "JobRunr: " + Optional.ofNullable(JobRunr.class.getPackage().getImplementationVersion()).orElse(JOBRUNR_VERSION_FALLBACK));
    }

    /** The 1, 5 and 15 minute load averages, e.g. {@code 1.02 0.87 0.95}. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    /** From the properties file kafka-clients carries (its own reader of it is internal API). */
    private static String kafkaVersion() {
        try (InputStream in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Optional<String> cpuModel() {
        return procLine("/proc/cpuinfo", "model name").map(line -> line.substring(line.indexOf(':') + 1).trim());
    }

    private static Optional<String> memoryTotal() {
        return procLine("/proc/meminfo", "MemTotal:").map(line -> {
            long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
            return String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
        });
    }

    private static Optional<String> procLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(line -> line.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
