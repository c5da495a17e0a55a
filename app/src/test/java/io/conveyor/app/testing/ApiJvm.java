package io.conveyor.app.testing;

import io.conveyor.api.ApiSettings;
import io.conveyor.app.JavaCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API role in a JVM of its own, for a test that kills it (-9) and starts it again: its ports are chosen once, so a
 * client of it reaches the new process at the same address. Its output goes to {@code <logDir>/<name>.log}.
 */
public final class ApiJvm implements AutoCloseable {

    /** How long an API JVM may take to start and find Kafka and the ledger, on a starved 2-core machine. */
    private static final Duration START = Duration.ofMinutes(3);
    private static final String DEFAULT_HEAP = "256m";
    private static final int LOG_TAIL_LINES = 60;

    private final String name;
    private final Path logDir;
    private final Map<String, String> env;
    private final String heap;
    private final int port;
    private final int dashboardPort;
    private volatile Process process;

    private ApiJvm(String name, Path logDir, Map<String, String> env, String heap, int port, int dashboardPort) {
        this.name = name;
        this.logDir = logDir;
        this.env = env;
        this.heap = heap;
        this.port = port;
        this.dashboardPort = dashboardPort;
    }

    /** Starts an API with {@code env} (Kafka, database, secret...) on free ports; returns once it is ready. */
    public static ApiJvm start(String name, Path logDir, Map<String, String> env) {
        return start(name, logDir, env, DEFAULT_HEAP);
    }

    /** As {@link #start(String, Path, Map)}, with a maximum heap of {@code heap} (as {@code -Xmx} takes it). */
    public static ApiJvm start(String name, Path logDir, Map<String, String> env, String heap) {
        try {
            Files.createDirectories(logDir);
            int port;
            int dashboardPort;
            try (ServerSocket first = new ServerSocket(0); ServerSocket second = new ServerSocket(0)) {
                port = first.getLocalPort();
                dashboardPort = second.getLocalPort();
            }
            Map<String, String> all = new HashMap<>(env);
            all.put(ApiSettings.PORT, Integer.toString(port));
            all.put(ApiSettings.DASHBOARD_PORT, Integer.toString(dashboardPort));
            ApiJvm api = new ApiJvm(name, logDir, Map.copyOf(all), heap, port, dashboardPort);
            api.launch();
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    /** A client of this API (also after a restart) whose every request gives up after {@code requestTimeout}. */
    public ConveyorClient client(Duration requestTimeout) {
        return new ConveyorClient(port, dashboardPort, requestTimeout);
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

    /** Starts the API again with the same settings and ports; returns once it is ready. */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the API still runs (pid " + process.pid() + ")");
        }
        launch();
    }

    private void launch() {
        ProcessBuilder builder = new ProcessBuilder(JavaCommand.forRole(heap, "api"));
        builder.environment().putAll(env);
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ConveyorClient client = client(Duration.ofSeconds(10));
        try {
            await().atMost(START).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
                assertThat(process.isAlive()).as("API %s is running (see its log)", name).isTrue();
                HttpResponse<String> ready = client.get("/health/ready");
                assertThat(ready.statusCode()).as("readiness of API %s (%s)", name, ready.body()).isEqualTo(200);
            });
        } catch (AssertionError | RuntimeException notReady) {
            // An API that never got ready must not outlive the test and hold its ports and Kafka connections.
            process.destroyForcibly();
            System.out.println("[" + name + "] not ready; the end of its log:\n" + logTail());
            throw notReady;
        }
    }

    /** The last lines of this API's log, for a test that fails because the API did not get ready. */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logDir.resolve(name + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(its log could not be read: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
