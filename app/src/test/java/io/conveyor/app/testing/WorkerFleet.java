package io.conveyor.app.testing;

import io.conveyor.app.JavaCommand;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.worker.process.WorkerSupervisor;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Real worker JVMs for a test, started from the test's own class path under the production supervisor; each
 * worker's output goes to {@code target/it-logs/<name>/worker-<i>.log}.
 */
public final class WorkerFleet implements AutoCloseable {

    private final WorkerSupervisor supervisor;

    private WorkerFleet(WorkerSupervisor supervisor) {
        this.supervisor = supervisor;
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
                env, Optional.of(logDir)));
    }

    public WorkerSupervisor supervisor() {
        return supervisor;
    }

    @Override
    public void close() {
        supervisor.close();
    }
}
