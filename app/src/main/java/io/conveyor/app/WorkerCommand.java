package io.conveyor.app;

import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.common.KafkaSettings;
import io.conveyor.worker.process.WorkerProcess;
import io.conveyor.worker.process.WorkerSettings;
import io.conveyor.worker.process.WorkerSupervisor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code conveyor worker}: one worker in this JVM, or with {@code --processes N} a supervisor of N worker JVMs.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker: Kafka intake into the ledger and job execution.")
public final class WorkerCommand implements Callable<Integer> {

    public static final String HEAP = "CONVEYOR_WORKER_HEAP";
    public static final String HEAP_DEFAULT = "512m";

    @Option(names = "--processes", paramLabel = "N",
            description = "Fork N worker JVMs and restart any that dies (default: run one worker in this JVM).")
    private int processes;

    @Option(names = "--heap", paramLabel = "SIZE",
            description = "Maximum heap of each forked worker JVM (default: $" + HEAP + " or " + HEAP_DEFAULT + ").")
    private String heap;

    @Override
    public Integer call() throws InterruptedException {
        Env env = Env.system();
        if (processes < 0) {
            throw new IllegalArgumentException("--processes must be 0 or more, was " + processes);
        }
        if (processes > 0) {
            String childHeap = heap != null ? heap : env.string(HEAP, HEAP_DEFAULT);
            WorkerSupervisor supervisor = new WorkerSupervisor(processes, JavaCommand.forRole(childHeap, "worker"), Map.of(), Optional.empty());
            Runtime.getRuntime().addShutdownHook(new Thread(supervisor::close, "conveyor-supervisor-stop"));
            supervisor.awaitStopped();
            return 0;
        }
        WorkerProcess worker = WorkerProcess.start(WorkerSettings.from(env), KafkaSettings.from(env), DatabaseSettings.from(env));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            stopped.countDown();
            // A drained worker stopped as asked: exit 0 (not 143), so a supervisor does not take it for a crash.
            Runtime.getRuntime().halt(0);
        }, "conveyor-worker-stop"));
        stopWhenSupervisorDies(env);
        stopped.await();
        return 0;
    }

    /** A worker forked by a supervisor must not outlive it: exiting runs the shutdown hook, which drains the worker. */
    private static void stopWhenSupervisorDies(Env env) {
        env.optional(WorkerSupervisor.SUPERVISOR_PID)
                .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid)))
                .ifPresent(supervisor -> supervisor.onExit().thenRun(() -> System.exit(0)));
    }
}
