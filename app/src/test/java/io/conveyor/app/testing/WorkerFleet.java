package io.conveyor.app.testing;

import io.conveyor.app.JavaCommand;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.worker.process.WorkerSupervisor;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.ThrowingRunnable;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * Real worker JVMs for a test, started from the test's own class path under the production supervisor; each
 * worker's output goes to {@code target/it-logs/<name>/worker-<i>.log}.
 */
public final class WorkerFleet implements AutoCloseable {

    private static final int LINES_ON_FAILURE = 40;

    private final WorkerSupervisor supervisor;
    private final Path logDir;

    private WorkerFleet(WorkerSupervisor supervisor, Path logDir) {
        this.supervisor = supervisor;
        this.logDir = logDir;
    }

    public static WorkerFleet start(String name, int processes, KafkaSettings kafka, DatabaseSettings database, Map<String, String> extraEnv) {
        return start(name, processes, kafka, database, extraEnv, List.of());
    }

    /**
     * Workers whose class path is this test's plus {@code extraClassPath}, as an operator would start them with
     * {@code java -cp conveyor.jar:my-types.jar io.conveyor.app.ConveyorCommand worker}.
     */
    public static WorkerFleet start(String name, int processes, KafkaSettings kafka, DatabaseSettings database, Map<String, String> extraEnv,
                                    List<Path> extraClassPath) {
        Path logDir = Path.of("target", "it-logs", name);
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = new java.util.HashMap<>(kafka.asEnvironment());
        env.putAll(database.asEnvironment());
        env.putAll(extraEnv);
        StringBuilder classPath = new StringBuilder(System.getProperty("java.class.path"));
        extraClassPath.forEach(entry -> classPath.append(File.pathSeparator).append(entry.toAbsolutePath()));
        return new WorkerFleet(new WorkerSupervisor(processes, JavaCommand.forRoleOnClassPath(classPath.toString(), "256m", "worker"),
                env, Optional.of(logDir)), logDir);
    }

    /**
     * Waits up to {@link ConveyorUnderTest#WORKER_START} until {@code check} passes (the fleet's workers up and
     * registered, as the test sees them); if it never does, prints the fleet's state before failing.
     */
    public void awaitUp(ThrowingRunnable check) {
        try {
            await().atMost(ConveyorUnderTest.WORKER_START).pollInterval(Duration.ofMillis(200)).untilAsserted(check);
        } catch (ConditionTimeoutException e) {
            printState();
            throw e;
        }
    }

    /**
     * Prints, for a test that gave up waiting on the fleet, what CI's output otherwise hides: the pids alive, the
     * supervisor's restarts, and the last lines of every worker's log (a worker that cannot start says why there).
     */
    private void printState() {
        System.out.printf("[fleet] workers alive: %s, restarts by the supervisor: %d%n", supervisor.pids(), supervisor.restarts());
        try (Stream<Path> logs = Files.list(logDir)) {
            for (Path log : logs.filter(path -> path.getFileName().toString().startsWith("worker-")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                System.out.printf("[fleet] last %d lines of %s:%n", LINES_ON_FAILURE, log);
                lines.subList(Math.max(0, lines.size() - LINES_ON_FAILURE), lines.size()).forEach(line -> System.out.println("[fleet]   " + line));
            }
        } catch (IOException e) {
            System.out.println("[fleet] could not read the workers' logs: " + e);
        }
    }

    public WorkerSupervisor supervisor() {
        return supervisor;
    }

    @Override
    public void close() {
        supervisor.close();
    }
}
