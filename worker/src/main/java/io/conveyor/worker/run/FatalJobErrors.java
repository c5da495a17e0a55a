package io.conveyor.worker.run;


import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * What a worker does when the JVM itself is broken (out of memory, or another {@link VirtualMachineError}): it
 * exits at once rather than limp on. First it leaves a note naming the job that broke it (its last words, on the
 * liveness session: {@link DeathNote}); the rescuer that moves the dead worker's jobs then counts that job as having
 * killed its worker (toward quarantine) and the jobs that merely shared the process as bystanders. The note is one
 * small prepared insert, not a change of the job in the ledger: on a full heap the less the dying JVM must allocate,
 * the surer the record.
 *
 * <p>Which job broke it is not always the job whose thread met the error: a heap filled by one job makes whichever
 * thread allocates next fail, often another job's or a heartbeat's. So for an {@link OutOfMemoryError} the culprit is
 * the running job whose thread allocated the most since it started (at least 1 MiB), else the job
 * whose thread met the error. And exactly one thread writes the note, whichever met the error first.
 */
public final class FatalJobErrors {

    /** Exit code of a worker that stopped because its JVM broke. */
    public static final int EXIT_CODE = 3;
    private static final Logger LOGGER = LoggerFactory.getLogger(FatalJobErrors.class);
    /** How long the recording thread keeps trying: the culprit may still hold the heap until its own allocation fails. */
    private static final Duration RECORD_GRACE = Duration.ofSeconds(30);
    /** How long another thread that met the error waits for the recording thread to halt the JVM. */
    private static final Duration HALT_GRACE = RECORD_GRACE.plusSeconds(15);
    private static final String RECORD_FAILED = "could not leave the note naming the job that broke this JVM; it will be re-run as if its worker had merely died";
    /** Printed as constants: on a full heap a message built at the time may fail to print. */
    private static final String NO_CULPRIT = "the JVM broke and no running job had allocated 1 MiB: none is blamed";
    private static final String NOTED = "the job that broke this JVM is noted for the rescuer";
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * The least a job's thread must have allocated to be blamed: 1 MiB. The bar is low on purpose: a heap can fill while
     * the culprit has allocated little of it (a cold worker under a burst holds much already, and G1 stores each 1 MiB
     * array in two regions of a 256 MiB heap; a quarter, then a sixteenth, of the heap both missed culprits), and the
     * jobs beside it allocate kilobytes. Blaming the heaviest allocator at worst counts one kill against a bystander;
     * blaming nobody lets the culprit run once more elsewhere.
     */
    private static final long CULPRIT_ALLOCATION = 1L << 20;
    /** The job running on each job thread and how much that thread had allocated when it started. */
    private final Map<Thread, RunningJob> running = new ConcurrentHashMap<>();
    private final AtomicBoolean handling = new AtomicBoolean();
    /** Released when the JVM breaks, so that the record has room on a full heap before the culprit lets go of its own. */
    @SuppressWarnings("unused")
    private volatile byte[] reserve = new byte[4 << 20];
    private volatile DeathNote deathNote;

    /** Where the dying worker's last words go: the job that broke its JVM, and how. */
    @FunctionalInterface
    public interface DeathNote {
        void leave(UUID jobId, String cause) throws Exception;
    }

    private record RunningJob(UUID jobId, long allocatedAtStart) {
    }

    public void leaveNotesWith(DeathNote deathNote) {
        this.deathNote = deathNote;
    }

    /** Makes every thread's fatal JVM error stop the process, not just the thread. */
    public void installAsDefaultHandler() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (error instanceof VirtualMachineError broken) {
                jvmBroke(null, broken);
            } else if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                LOGGER.error("uncaught exception in {}", thread.getName(), error);
            }
        });
    }

    /** The job {@code jobId} starts on this thread: counted from here should the heap fill. */
    public void started(UUID jobId) {
        running.put(Thread.currentThread(), new RunningJob(jobId, THREADS.getCurrentThreadAllocatedBytes()));
    }

    /** The job that {@link #started} on this thread ended. */
    public void ended() {
        running.remove(Thread.currentThread());
    }

    /** The thread of job {@code jobId} met {@code error}: record the job that broke the JVM, then exit. Never returns. */
    public void jobKilledWorker(UUID jobId, VirtualMachineError error) {
        jvmBroke(jobId, error);
    }

    private void jvmBroke(UUID jobOfThisThread, VirtualMachineError error) {
        try {
            if (!handling.compareAndSet(false, true)) {
                // another thread records the culprit and halts the JVM; holding nothing, this one waits for that
                parkUntil(System.nanoTime() + HALT_GRACE.toNanos());
                exit(error);
            }
            reserve = null;
            recordCulprit(jobOfThisThread, error, System.nanoTime() + RECORD_GRACE.toNanos());
        } catch (Throwable whileHandling) {
            // even this can fail on a full heap: halt rather than leave a broken JVM running
        }
        exit(error);
    }

    /**
     * Finds the culprit and leaves the note, trying again until the deadline: on a full heap every step (even looking
     * at the running jobs) may fail until the culprit's own allocation fails and its stack unwinds.
     */
    private void recordCulprit(UUID jobOfThisThread, VirtualMachineError error, long deadline) {
        while (true) {
            try {
                UUID culprit = error instanceof OutOfMemoryError ? heaviestAllocator().orElse(jobOfThisThread) : jobOfThisThread;
                if (culprit == null) {
                    printQuietly(NO_CULPRIT);
                    return;
                }
                deathNote.leave(culprit, error.toString());
                printQuietly(NOTED);
                return;
            } catch (Throwable failed) {
                System.gc(); // the heap may still be full: give the collector what the culprit let go of
            }
            if (System.nanoTime() - deadline >= 0) {
                printQuietly(RECORD_FAILED);
                return;
            }
            parkUntil(System.nanoTime() + 100_000_000L);
        }
    }

    /** The running job whose thread allocated the most since it started, if that is at least {@link #CULPRIT_ALLOCATION}. */
    Optional<UUID> heaviestAllocator() {
        UUID heaviest = null;
        long most = CULPRIT_ALLOCATION;
        for (Map.Entry<Thread, RunningJob> entry : running.entrySet()) {
            long now = THREADS.getThreadAllocatedBytes(entry.getKey().threadId()); // -1 for a virtual thread: not counted
            long start = entry.getValue().allocatedAtStart();
            if (now >= 0 && start >= 0 && now - start >= most) {
                most = now - start;
                heaviest = entry.getValue().jobId();
            }
        }
        return Optional.ofNullable(heaviest);
    }

    /** Waits without allocating (a latch's wait queues a node, which fails on a full heap). */
    private static void parkUntil(long deadlineNanos) {
        while (System.nanoTime() - deadlineNanos < 0) {
            LockSupport.parkNanos(10_000_000L);
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

    private static void exit(Throwable error) {
        try {
            System.err.println("worker exits: the JVM hit " + error);
        } finally {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }
}
