package io.conveyor.app.testing;

import io.conveyor.app.JavaCommand;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One real worker JVM without a supervisor, started from the test's class path; its output goes to
 * {@code target/it-logs/<group>/<name>.log}. Its worker name is {@code name}, so the ledger history names it.
 */
public final class WorkerJvm implements AutoCloseable {

    private final String name;
    private final Process process;

    private WorkerJvm(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    public static WorkerJvm start(String group, String name, Map<String, String> env) {
        return start(group, name, env, List.of());
    }

    /** A worker whose class path is this test's plus {@code extraClassPath} (a jar of job types of one's own). */
    public static WorkerJvm start(String group, String name, Map<String, String> env, List<Path> extraClassPath) {
        Path logDir = Path.of("target", "it-logs", group);
        try {
            Files.createDirectories(logDir);
            StringBuilder classPath = new StringBuilder(System.getProperty("java.class.path"));
            extraClassPath.forEach(entry -> classPath.append(File.pathSeparator).append(entry.toAbsolutePath()));
            ProcessBuilder builder = new ProcessBuilder(JavaCommand.forRoleOnClassPath(classPath.toString(), "256m", "worker"));
            builder.environment().putAll(env);
            builder.environment().put("CONVEYOR_WORKER_NAME", name);
            builder.redirectErrorStream(true);
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
            return new WorkerJvm(name, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public Process process() {
        return process;
    }

    /** kill -9. */
    public void kill() {
        process.destroyForcibly();
    }

    /** SIGTERM: a graceful stop. */
    public void terminate() {
        process.destroy();
    }

    /** SIGSTOP or SIGCONT: freeze or thaw the process without closing its connections. */
    public void signal(String signal) {
        try {
            int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops it gracefully (so it leaves the consumer group at once), or kills it if it does not stop in time. */
    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT");
            process.destroy();
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
