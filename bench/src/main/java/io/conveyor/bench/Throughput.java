package io.conveyor.bench;

import org.jobrunr.jobs.states.StateName;

import java.time.Duration;
import java.time.Instant;

/**
 * Throughput: {@code count} jobs submitted as fast as the client can, in the system's batches, until all SUCCEEDED.
 * End to end runs from the first submission to the last SUCCEEDED state in the ledger; intake from the first
 * submission to the last acceptance.
 */
final class Throughput {

    /** Jobs per second. */
    record Result(double endToEnd, double intake) {
    }

    private Throughput() {
    }

    static Result measure(SystemUnderBench system, BenchJob job, int count, Duration timeout) throws InterruptedException {
        system.ledger().clear();
        Instant start = Instant.now();
        long startNanos = System.nanoTime();
        system.submitAll(job, count);
        double intakeSeconds = (System.nanoTime() - startNanos) / 1e9;
        system.ledger().awaitSucceeded(count, timeout);
        Instant last = system.ledger().lastReached(StateName.SUCCEEDED);
        double endToEndSeconds = Duration.between(start, last).toNanos() / 1e9;
        return new Result(count / endToEndSeconds, count / intakeSeconds);
    }
}
