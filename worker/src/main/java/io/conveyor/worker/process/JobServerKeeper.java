package io.conveyor.worker.process;

import io.conveyor.worker.claim.ConveyorJobServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps this worker's JobRunr job server running. JobRunr's server zookeeper stops the server at the first heartbeat
 * that fails for any reason other than a timeout verdict (with the ledger database unreachable, within one poll
 * interval, 5 s) and never starts it again, so a database restart used to leave every worker alive and idle for good.
 * Here a stop that Conveyor did not ask for is logged once, and a new run of the server starts as soon as the ledger
 * answers again (the server's own {@code beforeRestart} first records what finished meanwhile and hands back what did
 * not). A server that cannot be started although the ledger answers is a broken process: it exits with
 * {@link #EXIT_CODE} so that its supervisor, or a container's restart policy, replaces it. Whatever a start throws counts
 * as a failed start, an {@link Error} too (only a {@link VirtualMachineError} is left to {@code FatalJobErrors}), and
 * should the keeper itself meet something unexpected the process exits the same way: the keeper never dies silently,
 * leaving a worker that looks alive and runs nothing.
 */
final class JobServerKeeper implements AutoCloseable {

    /** Exit code of a worker that stopped because a part of it could not be brought back. */
    static final int EXIT_CODE = 4;
    private static final Logger LOGGER = LoggerFactory.getLogger(JobServerKeeper.class);
    /** How often the ledger is looked at while waiting for it; the liveness watchdog checks it every 200 ms. */
    private static final Duration LEDGER_CHECK = Duration.ofMillis(200);
    private static final Duration RESTART_RETRY = Duration.ofSeconds(1);
    /** Failed starts in a row, with the ledger answering, before the process gives up and exits. */
    private static final int MAX_FAILED_STARTS = 30;

    private final String workerName;
    private final Server server;
    private final BooleanSupplier ledgerAnswers;
    private final Runnable afterRestart;
    private final ProcessExit exit;
    private final Duration restartRetry;
    private final int maxFailedStarts;
    private final Semaphore stoppedSignal = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param ledgerAnswers whether the ledger database can be reached now (cheap: called every 200 ms while waiting)
     * @param afterRestart  runs after each successful restart (claim at once, tell the other workers)
     */
    JobServerKeeper(String workerName, ConveyorJobServer server, BooleanSupplier ledgerAnswers, Runnable afterRestart, ProcessExit exit) {
        this(workerName, new Server() {
            @Override
            public void start() {
                server.start();
            }

            @Override
            public boolean isRunning() {
                return server.isRunning();
            }

            @Override
            public boolean isStoppedUnasked() {
                return server.isStoppedUnasked();
            }
        }, ledgerAnswers, afterRestart, exit, RESTART_RETRY, MAX_FAILED_STARTS);
    }

    /** For tests: any server, quicker retries. */
    JobServerKeeper(String workerName, Server server, BooleanSupplier ledgerAnswers, Runnable afterRestart, ProcessExit exit,
                    Duration restartRetry, int maxFailedStarts) {
        this.workerName = workerName;
        this.server = server;
        this.ledgerAnswers = ledgerAnswers;
        this.afterRestart = afterRestart;
        this.exit = exit;
        this.restartRetry = restartRetry;
        this.maxFailedStarts = maxFailedStarts;
        this.thread = Thread.ofPlatform().name("conveyor-job-server-keeper").daemon().start(this::loop);
    }

    /** Called when the server stopped without Conveyor asking; returns at once. */
    void serverStoppedUnasked() {
        stoppedSignal.release();
    }

    /** Whether this worker can take jobs now: the ledger answers and the job server runs. */
    boolean ready() {
        return ledgerAnswers.getAsBoolean() && server.isRunning() && !server.isStoppedUnasked();
    }

    /** What the keeper needs of the job server. */
    interface Server {
        void start();

        boolean isRunning();

        boolean isStoppedUnasked();
    }

    private void loop() {
        try {
            while (running) {
                stoppedSignal.acquire();
                stoppedSignal.drainPermits();
                if (running && server.isStoppedUnasked()) {
                    restart();
                }
            }
        } catch (InterruptedException e) {
            // closed
        } catch (VirtualMachineError e) {
            throw e; // FatalJobErrors, the default handler, exits at once
        } catch (Throwable e) {
            LOGGER.error("worker {}: the job server's keeper stopped on an unexpected error", workerName, e);
            exit.exit(EXIT_CODE, "the keeper of its job server stopped on an unexpected error: " + e);
        }
    }

    private void restart() throws InterruptedException {
        long stoppedAt = System.nanoTime();
        boolean ledgerDown = !ledgerAnswers.getAsBoolean();
        LOGGER.error("worker {}: JobRunr stopped its job server by itself{}; a new run of it starts as soon as the ledger answers",
                workerName, ledgerDown ? " (the ledger database cannot be reached)" : "");
        int failedStarts = 0;
        while (running && server.isStoppedUnasked()) {
            if (!ledgerAnswers.getAsBoolean()) {
                TimeUnit.MILLISECONDS.sleep(LEDGER_CHECK.toMillis()); // polling the liveness watchdog's last verdict
                continue;
            }
            try {
                server.start();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) { // an Error too: the keeper must outlive whatever a start throws
                failedStarts++;
                if (failedStarts >= maxFailedStarts) {
                    exit.exit(EXIT_CODE, "its job server could not be started again " + failedStarts + " times although the ledger answers: " + e);
                    return;
                }
                LOGGER.warn("worker {}: could not start the job server again (trying every {} ms): {}", workerName, restartRetry.toMillis(), e.toString());
                TimeUnit.MILLISECONDS.sleep(restartRetry.toMillis());
                continue;
            }
            LOGGER.warn("worker {}: job server running again, {} s after it stopped", workerName,
                    String.format("%.1f", (System.nanoTime() - stoppedAt) / 1e9));
            try {
                afterRestart.run();
            } catch (RuntimeException e) { // only a nudge to claim at once: the server's poll claims anyway
                LOGGER.warn("worker {}: could not claim at once after the restart; the next poll does: {}", workerName, e.toString());
            }
            return;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
