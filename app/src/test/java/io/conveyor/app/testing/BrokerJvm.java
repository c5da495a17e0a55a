package io.conveyor.app.testing;

import io.conveyor.app.EmbeddedKafka;
import io.conveyor.app.JavaCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kafka broker in a JVM of its own, for a test that freezes it (SIGSTOP) or kills it (-9) without harming
 * itself: its own data directory, and ports chosen once, so that {@link #restart()} brings back the same broker at the
 * same address. A single node ({@link #start}), or one node of a {@link BrokerCluster}. Its output goes to
 * {@code <logDir>/<name>.log} (once it is ready) and {@code <name>.err}; its data directory is deleted at {@link #close()}.
 */
public final class BrokerJvm implements AutoCloseable {

    private static final String HEAP = "512m";

    private final String name;
    private final Path logDir;
    private final Path dataDir;
    private final String clusterId;
    private final List<EmbeddedKafka.Node> cluster;
    private final EmbeddedKafka.Node self;
    private volatile Process process;

    private BrokerJvm(String name, Path logDir, String clusterId, List<EmbeddedKafka.Node> cluster, EmbeddedKafka.Node self) {
        this.name = name;
        this.logDir = logDir;
        this.clusterId = clusterId;
        this.cluster = List.copyOf(cluster);
        this.self = self;
        try {
            Files.createDirectories(logDir);
            this.dataDir = Files.createTempDirectory("conveyor-test-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a single-node broker on a fresh data directory and free ports; returns once it accepts clients. */
    public static BrokerJvm start(Path logDir) {
        int[] ports = freePorts(2);
        EmbeddedKafka.Node node = new EmbeddedKafka.Node(1, ports[0], ports[1]);
        BrokerJvm broker = new BrokerJvm("broker", logDir, UUID.randomUUID().toString(), List.of(node), node);
        broker.restart();
        return broker;
    }

    /** Node {@code self} of {@code cluster}, not started yet: {@link #spawn()} it, with the others, then {@link #awaitReady()}. */
    static BrokerJvm node(Path logDir, String clusterId, List<EmbeddedKafka.Node> cluster, EmbeddedKafka.Node self) {
        return new BrokerJvm("broker-" + self.id(), logDir, clusterId, cluster, self);
    }

    /** {@code count} ports free on this machine at once. */
    static int[] freePorts(int count) {
        return EmbeddedKafka.freePorts(count);
    }

    /** The {@code host:port} clients connect to; the same after a restart. */
    public String bootstrapServers() {
        return "127.0.0.1:" + self.port();
    }

    /** Its node id in the cluster. */
    public int nodeId() {
        return self.id();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** kill -9, and returns once the process is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts the broker (again) on the same data directory and ports; returns once it accepts clients, which in a
     * cluster needs a majority of its nodes running.
     */
    public void restart() {
        spawn();
        awaitReady();
    }

    /** SIGSTOP or SIGCONT: freeze or thaw the broker without closing its connections. */
    public void signal(String signal) {
        try {
            if (isAlive()) {
                new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts its JVM and returns at once. */
    void spawn() {
        if (isAlive()) {
            throw new IllegalStateException(name + " still runs (pid " + process.pid() + ")");
        }
        try {
            process = new ProcessBuilder(JavaCommand.forMainClass(System.getProperty("java.class.path"), HEAP, BrokerJvmMain.class,
                    dataDir.toString(), clusterId, Integer.toString(self.id()), BrokerJvmMain.argument(cluster)))
                    .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".err").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the broker's output to its log until it says it is ready, then goes on copying in the background. */
    void awaitReady() {
        Process started = process;
        BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
        try {
            Writer log = Files.newBufferedWriter(logDir.resolve(name + ".log"), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                copy(line, log);
                if (line.startsWith(BrokerJvmMain.READY)) {
                    Thread.ofVirtual().start(() -> keepCopying(out, log)); // its pipe must be drained, or the broker blocks
                    return;
                }
            }
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(name + "'s JVM ended before it was ready; see " + logDir.resolve(name + ".log") + " and " + name + ".err");
    }

    private static void keepCopying(BufferedReader out, Writer log) {
        try (log) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                copy(line, log);
            }
        } catch (IOException e) {
            // the broker is gone; a restart copies its new output
        }
    }

    private static void copy(String line, Writer log) throws IOException {
        log.write(line);
        log.write(System.lineSeparator());
        log.flush();
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        signal("CONT");
        process.destroyForcibly();
        try {
            if (process.waitFor(30, TimeUnit.SECONDS)) {
                deleteRecursively(dataDir);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // a temporary directory left behind
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
