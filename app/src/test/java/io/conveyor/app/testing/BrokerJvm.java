package io.conveyor.app.testing;

import io.conveyor.app.JavaCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A real Kafka broker in a JVM of its own, for a test that freezes it (SIGSTOP) or kills it (-9) without harming
 * itself: its own data directory, and ports chosen once, so that {@link #restart()} brings back the same broker at the
 * same address. Its output goes to {@code <logDir>/broker.log} (once it is ready) and {@code broker.err}.
 */
public final class BrokerJvm implements AutoCloseable {

    private static final String HEAP = "512m";

    private final Path logDir;
    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private volatile Process process;

    private BrokerJvm(Path logDir, Path dataDir, int port, int controllerPort) {
        this.logDir = logDir;
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker on a fresh data directory and free ports; returns once it accepts clients. */
    public static BrokerJvm start(Path logDir) {
        try {
            Files.createDirectories(logDir);
            int port;
            int controllerPort;
            try (ServerSocket first = new ServerSocket(0); ServerSocket second = new ServerSocket(0)) {
                port = first.getLocalPort();
                controllerPort = second.getLocalPort();
            }
            BrokerJvm broker = new BrokerJvm(logDir, Files.createTempDirectory("conveyor-test-kafka-"), port, controllerPort);
            broker.process = broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code host:port} clients connect to; the same after a restart. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
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

    /** Starts the broker again on the same data directory and ports; returns once it accepts clients. */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the broker still runs (pid " + process.pid() + ")");
        }
        process = launch();
    }

    /** SIGSTOP or SIGCONT: freeze or thaw the broker without closing its connections. */
    public void signal(String signal) {
        try {
            if (process.isAlive()) {
                new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Process launch() {
        try {
            Process started = new ProcessBuilder(JavaCommand.forMainClass(System.getProperty("java.class.path"), HEAP, BrokerJvmMain.class,
                    dataDir.toString(), Integer.toString(port), Integer.toString(controllerPort)))
                    .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve("broker.err").toFile())).start();
            awaitReady(started);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the broker's output to its log until it says it is ready, then goes on copying in the background. */
    private void awaitReady(Process started) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
        Writer log = Files.newBufferedWriter(logDir.resolve("broker.log"), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            copy(line, log);
            if (line.startsWith(BrokerJvmMain.READY)) {
                Thread.ofVirtual().start(() -> keepCopying(out, log)); // its pipe must be drained, or the broker blocks
                return;
            }
        }
        log.close();
        throw new IllegalStateException("the broker JVM ended before it was ready; see " + logDir.resolve("broker.log") + " and broker.err");
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
        signal("CONT");
        process.destroyForcibly();
    }
}
