package io.conveyor.worker.claim;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that claims work as it comes: turns "jobs are waiting" and "a worker is free" signals into immediate
 * claims. Signals that arrive while a claim runs are coalesced into one more claim. Because JobRunr skips a claim
 * while another one (its poll) holds its lock, and that one may have read the queue before our jobs were committed,
 * a claim is repeated a few times at growing intervals while this server still has free workers.
 */
public final class ClaimTrigger implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(ClaimTrigger.class);
    /** Pauses before re-claiming while workers are still free: cover a concurrent claim that read too early. */
    private static final List<Duration> RECLAIM_DELAYS = List.of(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(400));

    private final ConveyorJobServer server;
    private final Semaphore signal = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    public ClaimTrigger(ConveyorJobServer server) {
        this.server = server;
        this.thread = Thread.ofPlatform().name("conveyor-claim-trigger").daemon().start(this::loop);
    }

    /** Says that jobs were enqueued or a worker became free; returns at once. */
    public void claimSoon() {
        if (signal.availablePermits() == 0) {
            signal.release();
        }
    }

    private void loop() {
        while (running) {
            try {
                signal.acquire();
                signal.drainPermits();
                claimWhileWorkersFree();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOGGER.warn("immediate claim failed; JobRunr's next poll will pick the jobs up: {}", e.toString());
            }
        }
    }

    private void claimWhileWorkersFree() throws InterruptedException {
        server.claimNow();
        for (Duration delay : RECLAIM_DELAYS) {
            if (server.freeWorkers() <= 0) {
                return; // busy: JobRunr claims again by itself as each worker frees up
            }
            if (signal.tryAcquire(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                signal.release(); // a new signal: start over from the loop
                return;
            }
            server.claimNow();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
