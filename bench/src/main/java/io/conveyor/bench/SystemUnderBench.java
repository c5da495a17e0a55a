package io.conveyor.bench;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One system the benchmark measures, reached the way its users reach it: Conveyor over HTTP, plain JobRunr through
 * its client API. Both keep their jobs in a JobRunr ledger, which the benchmark reads for start and end times.
 */
interface SystemUnderBench extends AutoCloseable {

    /** A short name for progress lines. */
    String name();

    /** Whether it runs as a new user would run it, unconfigured (the waiting-jobs row compares systems at their defaults). */
    default boolean atItsDefaults() {
        return true;
    }

    /** The column heading of the results table. */
    String heading();

    /** Submits one job the way one client submits one; thread-safe. */
    Submitted submit(BenchJob job);

    /** Submits {@code count} jobs as fast as the client can, in this system's batches; returns once all are accepted. */
    void submitAll(BenchJob job, int count);

    /**
     * How many measured runs' time single submissions warm up for before they are measured: one by default, enough
     * for an in-process call.
     */
    default int submitWarmUpRuns() {
        return 1;
    }

    /** The ledger this system's jobs land in. */
    LedgerProbe ledger();

    /** The pids of the JVMs that run this system's jobs. */
    List<Long> workerPids();

    @Override
    void close();

    /** A job the system accepted, and when its submission began. */
    record Submitted(UUID id, Instant at) {
    }
}
