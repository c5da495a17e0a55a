package io.conveyor.worker.process;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs N worker JVMs on this machine and keeps them running: a child that exits abnormally is restarted after a
 * delay that doubles while it keeps crashing; {@link #close()} stops the children with SIGTERM (so they drain) and
 * returns only after all of them exited.
 */
public final class WorkerSupervisor implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(WorkerSupervisor.class);
    static final Duration FIRST_RESTART_DELAY = Duration.ofMillis(500);
    static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(30);
    /** A child that ran this long before dying counts as healthy again: its next restart is quick. */
    static final Duration STABLE_AFTER = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /** Set in each child's environment: a worker whose supervisor is gone (even by kill -9) stops too. */
    public static final String SUPERVISOR_PID = "CONVEYOR_SUPERVISOR_PID";

    private final List<Child> children = new ArrayList<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile boolean stopping;

    /**
     * @param command     the command line of one worker JVM (java, JVM options, main class, arguments)
     * @param environment extra environment for each child
     * @param logDir      where each child's output goes ({@code worker-<i>.log}); empty to share this process's console
     */
    public WorkerSupervisor(int processes, List<String> command, Map<String, String> environment, Optional<Path> logDir) {
        for (int i = 1; i <= processes; i++) {
            Child child = new Child(i, command, environment, logDir);
            children.add(child);
            Thread.ofPlatform().name("conveyor-supervise-" + i).start(child::superviseUntilStopped);
        }
    }

    /** The pids of the worker JVMs alive now. */
    public List<Long> pids() {
        return children.stream().map(child -> child.process).filter(p -> p != null && p.isAlive()).map(Process::pid).toList();
    }

    /** How many times a child exited on its own and was (or is about to be) started again, since this supervisor began. */
    public int restarts() {
        return restarts.get();
    }

    /** Blocks until every child has stopped for good. */
    public void awaitStopped() throws InterruptedException {
        for (Child child : children) {
            child.stopped.await();
        }
    }

    @Override
    public void close() {
        stopping = true;
        children.forEach(Child::terminate);
        try {
            for (Child child : children) {
                if (!child.stopped.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOGGER.warn("worker {} did not stop within {} s, killing it", child.index, STOP_TIMEOUT.toSeconds());
                    child.kill();
                    child.stopped.await();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            children.forEach(Child::kill);
        }
    }

    private final class Child {
        final int index;
        final List<String> command;
        final Map<String, String> environment;
        final Optional<Path> logDir;
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile Process process;

        Child(int index, List<String> command, Map<String, String> environment, Optional<Path> logDir) {
            this.index = index;
            this.command = command;
            this.environment = environment;
            this.logDir = logDir;
        }

        void superviseUntilStopped() {
            Duration delay = FIRST_RESTART_DELAY;
            try {
                while (!stopping) {
                    long startedAt = System.nanoTime();
                    String ending;
                    try {
                        process = start();
                        if (stopping) {
                            terminate(); // close() ran while this child was starting
                        }
                        int exit = process.waitFor();
                        if (stopping) {
                            LOGGER.info("worker {} (pid {}) stopped with exit code {}", index, process.pid(), exit);
                            break;
                        }
                        ending = "(pid " + process.pid() + ") exited with code " + exit;
                    } catch (IOException e) {
                        // A fork refused for a moment (no memory, too many processes) is no reason to run one worker fewer for good.
                        ending = "could not be started (" + e.getMessage() + ")";
                    }
                    if (Duration.ofNanos(System.nanoTime() - startedAt).compareTo(STABLE_AFTER) > 0) {
                        delay = FIRST_RESTART_DELAY;
                    }
                    restarts.incrementAndGet();
                    LOGGER.warn("worker {} {}; restarting it in {} ms", index, ending, delay.toMillis());
                    Thread.sleep(delay); // the restart back-off itself, not a wait for an outcome
                    delay = delay.multipliedBy(2).compareTo(MAX_RESTART_DELAY) > 0 ? MAX_RESTART_DELAY : delay.multipliedBy(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }

        private Process start() throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            builder.environment().put(SUPERVISOR_PID, Long.toString(ProcessHandle.current().pid()));
            // Each child needs its own name in the ledger: a name given to the supervisor becomes name-1, name-2, ...
            String name = builder.environment().get(WorkerSettings.NAME);
            if (name != null && !name.isBlank()) {
                builder.environment().put(WorkerSettings.NAME, name + "-" + index);
            }
            // Likewise its own operations port: a port given to the supervisor is the first child's, the next ones follow.
            String metricsPort = builder.environment().get(WorkerSettings.METRICS_PORT);
            if (metricsPort != null && metricsPort.trim().matches("\\d{1,5}")) {
                builder.environment().put(WorkerSettings.METRICS_PORT, Integer.toString(Integer.parseInt(metricsPort.trim()) + index - 1));
            }
            builder.redirectErrorStream(true);
            if (logDir.isPresent()) {
                builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.get().resolve("worker-" + index + ".log").toFile()));
            } else {
                builder.inheritIO();
            }
            Process started = builder.start();
            LOGGER.info("worker {} started (pid {})", index, started.pid());
            return started;
        }

        void terminate() {
            Process current = process;
            if (current != null) {
                current.destroy(); // SIGTERM: the worker's shutdown hook drains it
            }
        }

        void kill() {
            Process current = process;
            if (current != null) {
                current.destroyForcibly();
            }
        }
    }
}
