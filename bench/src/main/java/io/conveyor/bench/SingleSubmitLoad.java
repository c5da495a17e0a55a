package io.conveyor.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Single submissions under load: {@code clients} concurrent clients (virtual threads in this JVM), each submitting one
 * {@code noop} job after another for a fixed time; accepted submissions per second. Conveyor's clients POST /jobs over
 * HTTP; JobRunr's call {@code enqueue} in-process (JobRunr has no HTTP API).
 */
final class SingleSubmitLoad {

    private SingleSubmitLoad() {
    }

    /** Accepted submissions per second; waits until the submitted jobs are done, so the next measurement starts idle. */
    static double measure(SystemUnderBench system, int clients, Duration duration, Duration drainTimeout) throws InterruptedException {
        system.ledger().clear();
        AtomicLong accepted = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        List<Thread> threads = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().name("bench-client-" + i).start(() -> {
                while (System.nanoTime() - deadline < 0) {
                    system.submit(BenchJob.NOOP);
                    accepted.incrementAndGet();
                }
            }));
        }
        ConveyorUnderBench.joinAll(threads);
        double seconds = (System.nanoTime() - start) / 1e9;
        system.ledger().awaitSucceeded(accepted.get(), drainTimeout);
        return accepted.get() / seconds;
    }
}
