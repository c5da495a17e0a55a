package io.conveyor.worker.run;

import io.conveyor.worker.ledger.LedgerTransitions;
import io.conveyor.common.failure.JobHistory;
import io.conveyor.common.failure.WorkerKilledException;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * What a worker does when the JVM itself is broken (out of memory, or another {@link VirtualMachineError}): it
 * exits at once rather than limp on. When a job's own thread hit the error, that job is first recorded in the ledger
 * as the one that killed its worker, so it counts toward quarantine and the jobs that merely shared the process do not.
 */
public final class FatalJobErrors {

    /** Exit code of a worker that stopped because its JVM broke. */
    public static final int EXIT_CODE = 3;
    private static final Logger LOGGER = LoggerFactory.getLogger(FatalJobErrors.class);
    /**
     * How long a thread that hit OutOfMemoryError outside a job waits for a job thread to start recording the culprit:
     * the culprit's own allocation may fail only after seconds of collections on a busy machine.
     */
    private static final java.time.Duration CULPRIT_GRACE = java.time.Duration.ofSeconds(15);
    private static final String RECORD_FAILED = "could not record the job that filled the heap as the one that killed its worker; it will be re-run as if its worker had merely died";
    /** How long it then waits for a record under way to be written: a loaded machine can take seconds for it. */
    private static final java.time.Duration RECORD_GRACE = java.time.Duration.ofSeconds(30);
    /** Tries of the record: the first may meet the heap still full (another thread's allocations, a slow collector). */
    private static final int RECORD_TRIES = 3;

    private final UUID self;
    private final int quarantineKills;
    private volatile LedgerTransitions transitions;
    /** Set when a job thread starts recording its job as the culprit, and when that record is done (written or not). */
    private volatile boolean recording;
    private volatile boolean recorded;

    public FatalJobErrors(UUID self, int quarantineKills) {
        this.self = self;
        this.quarantineKills = quarantineKills;
    }

    public void useTransitions(LedgerTransitions transitions) {
        this.transitions = transitions;
    }

    /** Makes every thread's fatal JVM error stop the process, not just the thread. */
    public void installAsDefaultHandler() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (error instanceof VirtualMachineError) {
                try {
                    awaitCulpritsRecord(error);
                } catch (Throwable whileWaiting) {
                    // even the wait can fail to allocate on a full heap: halt now rather than lose this thread silently
                }
                exit(error);
            } else if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                LOGGER.error("uncaught exception in {}", thread.getName(), error);
            }
        });
    }

    /** The job {@code jobId} broke the JVM: record it against the job, then exit. Never returns. */
    public void jobKilledWorker(UUID jobId, VirtualMachineError error) {
        recording = true; // other threads that hit the error now wait for this record before halting
        try {
            for (int tries = 1; tries <= RECORD_TRIES; tries++) {
                try {
                    record(jobId, error);
                    return;
                } catch (Throwable failed) {
                    // The heap may still be full (a slow collector, another thread's allocations): free what the job
                    // held, its stack has unwound, and try again. Unrecorded, the job would escape quarantine.
                    System.gc();
                    if (tries == RECORD_TRIES) {
                        printQuietly(RECORD_FAILED);
                    }
                }
            }
        } finally {
            recorded = true;
            exit(error);
        }
    }

    /** Prints without allocating much, and never throws: the heap may be full. */
    private static void printQuietly(String line) {
        try {
            System.err.println(line);
        } catch (Throwable ignored) {
            // nothing more can be done
        }
    }

    private void record(UUID jobId, VirtualMachineError error) {
        transitions.change(jobId, this::runsHere, job -> {
            int kills = JobHistory.of(job).kills() + 1;
            String reason = kills >= quarantineKills
                    ? "killed its worker process " + kills + " times (" + error + "); quarantined, not retried"
                    : "killed its worker process (" + error + "); retried on another worker";
            job.failed(reason, new WorkerKilledException(reason));
            return job;
        });
    }

    /**
     * A heap filled by one job makes whichever thread allocates next fail, often not the job's own (a heartbeat, the
     * liveness watchdog). Halting at once would lose the job's own record, and the job would be re-run as if its worker
     * had merely died, escaping quarantine. So a thread that is not the culprit's waits a moment for a job thread to
     * start recording, and then for that record to be written (a loaded machine can take seconds): the culprit's thread
     * records its job and halts the JVM itself; if no job is to blame, this one halts after the pause.
     */
    private void awaitCulpritsRecord(Throwable error) {
        if (error instanceof OutOfMemoryError) {
            long start = System.nanoTime();
            waitUntilRecorded(start + CULPRIT_GRACE.toNanos());
            if (!recorded && recording) {
                waitUntilRecorded(System.nanoTime() + RECORD_GRACE.toNanos());
            }
        }
    }

    /**
     * Waits without allocating: on a full heap a latch's wait (it queues a node) failed at once, and this thread then
     * halted the JVM before the culprit's record, which is how a job escaped quarantine on a busy machine.
     */
    private void waitUntilRecorded(long deadlineNanos) {
        while (!recorded && System.nanoTime() - deadlineNanos < 0) {
            LockSupport.parkNanos(10_000_000L);
        }
    }

    private boolean runsHere(org.jobrunr.jobs.Job job) {
        return job.getState() == StateName.PROCESSING && job.<ProcessingState>getJobState().getServerId().equals(self);
    }

    private static void exit(Throwable error) {
        try {
            System.err.println("worker exits: the JVM hit " + error);
        } finally {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }
}
