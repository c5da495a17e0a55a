package io.conveyor.worker.claim;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The thread that claims work for this worker: turns "jobs are waiting" and "a job ended" signals into immediate
 * claims ({@link LaneClaim}), and claims at each poll interval even without a signal (a lost notification, a retry
 * that JobRunr's master enqueued). (The succeeded jobs' writer claims too, for the places its jobs freed, when the
 * claim's turn is free: {@link Turnover}.) Signals that arrive while a claim runs are coalesced into one more claim; a claim
 * that found jobs is followed by another while room remains, so a deep queue fills every free place at once.
 */
public final class ClaimTrigger implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(ClaimTrigger.class);

    /** The longest a stopping worker waits for a claim under way (a claim is one short transaction). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    private final LaneClaim claim;
    private final Duration pollInterval;
    private final Semaphore signal = new Semaphore(0);
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-claim-later").daemon().factory());
    private final Thread thread;
    private volatile boolean running = true;
    private boolean failureReported; // claim thread only

    public ClaimTrigger(LaneClaim claim, Duration pollInterval) {
        this.claim = claim;
        this.pollInterval = pollInterval;
        this.thread = Thread.ofPlatform().name("conveyor-claim-trigger").daemon().start(this::loop);
    }

    /** Says that jobs were enqueued or a place became free; returns at once. */
    public void claimSoon() {
        if (signal.availablePermits() == 0) {
            signal.release();
        }
    }

    /**
     * Claims once more after {@code delay}: for work this worker left to the others first (a retry that prefers another
     * worker), which it must take itself if none of them did; otherwise only its poll would bring it back.
     */
    public void claimAfter(Duration delay) {
        if (!later.isShutdown()) {
            later.schedule(this::claimSoon, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void loop() {
        while (running) {
            try {
                signal.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS); // a signal, or the poll's time
                signal.drainPermits();
                while (running && claim.claim() > 0) {
                    signal.drainPermits(); // what these signals asked for is being done
                }
                failureReported = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!failureReported) { // once until a claim succeeds again, not at every signal of an outage
                    LOGGER.warn("claim failed; trying again at the next signal or poll: {}", e.toString());
                    failureReported = true;
                }
            }
        }
    }

    /**
     * Stops claiming, the thread's and the writer's ({@link LaneClaim#close}), and waits (up to {@link #CLOSE_WAIT}) for a
     * claim under way to end: the worker hands back its
     * PROCESSING jobs once this returns, and a claim that committed after that hand-back left its jobs PROCESSING on a
     * server that was gone from JobRunr's table, where no rescuer looks (seen in {@code RoutingIT}'s rolling upgrade
     * on a busy machine: 32 jobs stuck until JobRunr's orphan check, four poll intervals later).
     */
    @Override
    public void close() {
        running = false;
        later.shutdownNow();
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(CLOSE_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        claim.close(CLOSE_WAIT);
    }
}
