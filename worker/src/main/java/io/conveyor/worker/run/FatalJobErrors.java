package io.conveyor.worker.run;


import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
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
    private static final long RECORD_GRACE_NANOS = Duration.ofSeconds(30).toNanos();
    /** How long another thread that met the error waits for the recording thread to halt the JVM. */
    private static final long HALT_GRACE_NANOS = RECORD_GRACE_NANOS + Duration.ofSeconds(15).toNanos();
    /**
     * What the dying JVM prints, encoded in advance and written straight to file descriptor 2: on a full heap building a
     * line, or printing one through {@code System.err} (its lock, buffers and encoder), can fail, and a worker that exits
     * without a word hides which way it went.
     */
    private static final byte[] RECORD_FAILED = line("could not leave the note naming the job that broke this JVM; it will be re-run as if its worker had merely died");
    private static final byte[] NO_CULPRIT = line("the JVM broke and no running job had allocated 1 MiB: none is blamed");
    private static final byte[] NOTED = line("the job that broke this JVM is noted for the rescuer");
    private static final byte[] NOT_HALTED = line("the thread noting the job that broke this JVM did not halt it in time");
    private static final byte[] BROKE = line("the JVM broke: noting the job that broke it before the worker exits");
    private static final byte[] WAITING = line("another thread met the JVM's error too: it waits for the note before the worker exits");
    private static final byte[] TRY_FAILED = line("a try at the note failed; trying again");
    private static final byte[] EXIT_OUT_OF_MEMORY = line("worker exits: the JVM hit an OutOfMemoryError");
    private static final byte[] EXIT_STACK_OVERFLOW = line("worker exits: the JVM hit a StackOverflowError");
    private static final byte[] EXIT_BROKEN = line("worker exits: the JVM hit a VirtualMachineError");
    private static final FileOutputStream STDERR = new FileOutputStream(FileDescriptor.err);
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * The least a job's thread must have allocated to be blamed: 1 MiB. The bar is low on purpose: a heap can fill while
     * the culprit has allocated little of it (a cold worker under a burst holds much already, and G1 stores each 1 MiB
     * array in two regions of a 256 MiB heap; a quarter, then a sixteenth, of the heap both missed culprits), and the
     * jobs beside it allocate kilobytes. Blaming the heaviest allocator at worst counts one kill against a bystander;
     * blaming nobody lets the culprit run once more elsewhere.
     */
    private static final long CULPRIT_ALLOCATION = 1L << 20;
    /** How long the recording thread waits for the culprit to let go of the heap before it writes the note anyway. */
    private static final long LET_GO_GRACE_NANOS = Duration.ofSeconds(10).toNanos();
    /** The job running on each job thread and how much that thread had allocated when it started. */
    private final Map<Thread, RunningJob> running = new ConcurrentHashMap<>();
    private final AtomicBoolean handling = new AtomicBoolean();
    /** The thread that won {@link #handling}: the one that writes the note, and the only one that may halt before it is written. */
    private volatile Thread recorder;
    /** Set once the note was written, or could not be: from then on any thread may halt the JVM. */
    private volatile boolean recorded;
    /** Released when the JVM breaks, so that the record has room on a full heap before the culprit lets go of its own. */
    @SuppressWarnings("unused")
    private volatile byte[] reserve = new byte[4 << 20];
    private volatile DeathNote deathNote;

    /** Where the dying worker's last words go: the job that broke its JVM, and how. */
    public interface DeathNote {
        /** The JVM broke: called once, before the culprit is sought; must not allocate. */
        void jvmBroke();

        void leave(UUID jobId, String cause) throws Exception;
    }

    private static final class RunningJob {
        final UUID jobId;
        final long allocatedAtStart;
        /** Set once the job's thread met the error: its handler has unwound, and what it held is garbage. */
        volatile boolean letGo;

        RunningJob(UUID jobId, long allocatedAtStart) {
            this.jobId = jobId;
            this.allocatedAtStart = allocatedAtStart;
        }
    }

    public void leaveNotesWith(DeathNote deathNote) {
        this.deathNote = deathNote;
    }

    /** Makes every thread's fatal JVM error stop the process, not just the thread. */
    public void installAsDefaultHandler() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            VirtualMachineError broken = brokenBy(error);
            if (broken != null) {
                jvmBroke(null, broken);
            } else if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                LOGGER.error("uncaught exception in {}", thread.getName(), error);
            }
        });
    }

    /**
     * The {@link VirtualMachineError} that {@code error} is or was caused by, if any: libraries wrap what their threads
     * meet (Kafka's clients an {@link OutOfMemoryError} in a {@code KafkaException}), and a part dying of a wrapped one must
     * not end the process as an ordinary death, by a graceful close that frees the liveness lock before the note is written.
     */
    static VirtualMachineError brokenBy(Throwable error) {
        Throwable cause = error;
        for (int depth = 0; cause != null && depth < 16; depth++) { // bounded: a cycle of causes must not hang the handler
            if (cause instanceof VirtualMachineError broken) {
                return broken;
            }
            cause = cause.getCause();
        }
        return null;
    }

    /** Whether the JVM broke: it halts once the note is written, and nothing else may end the process meanwhile. */
    public boolean broken() {
        return handling.get();
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
            RunningJob mine = running.get(Thread.currentThread()); // a lookup allocates nothing
            if (mine != null) {
                mine.letGo = true;
            }
        } catch (Throwable ignored) {
            // then the recording thread waits its grace for this one
        }
        if (!handling.compareAndSet(false, true)) {
            say(WAITING); // another thread writes the note; holding nothing, this one waits for it in exit
            exit(error);
        }
        recorder = Thread.currentThread();
        try {
            say(BROKE);
            recordCulprit(jobOfThisThread, error, System.nanoTime() + RECORD_GRACE_NANOS);
        } catch (Throwable whileHandling) {
            // recordCulprit throws nothing; halt rather than leave a broken JVM running should that ever change
        } finally {
            recorded = true;
        }
        exit(error);
    }

    /**
     * Finds the culprit and leaves the note, trying again until the deadline: on a full heap every step (even looking
     * at the running jobs) may fail until the culprit's own allocation fails and its stack unwinds.
     *
     * <p>The note is written only once the culprit let go of the heap (its thread met the error too), or after
     * {@link #LET_GO_GRACE_NANOS}: a culprit that still allocates takes whatever the writing frees, the reserve included, and
     * an {@link OutOfMemoryError} in the middle of the JDBC write can leave the session's protocol state half sent.
     */
    private void recordCulprit(UUID jobOfThisThread, VirtualMachineError error, long deadline) {
        long letGoDeadline = System.nanoTime() + LET_GO_GRACE_NANOS;
        try {
            deathNote.jvmBroke();
        } catch (Throwable ignored) {
            // the note is still worth trying
        }
        while (true) {
            try {
                RunningJob heaviest = error instanceof OutOfMemoryError ? heaviest() : null;
                UUID culprit = heaviest != null ? heaviest.jobId : jobOfThisThread;
                if (culprit == null) {
                    say(NO_CULPRIT);
                    return;
                }
                if (heaviest != null && !heaviest.letGo && System.nanoTime() - letGoDeadline < 0) {
                    parkUntil(System.nanoTime() + 10_000_000L);
                    continue;
                }
                reserve = null;
                deathNote.leave(culprit, error.toString());
                say(NOTED);
                return;
            } catch (Throwable failed) {
                say(TRY_FAILED);
                gcQuietly(); // the heap may still be full: give the collector what the culprit let go of
            }
            if (System.nanoTime() - deadline >= 0) {
                say(RECORD_FAILED);
                return;
            }
            parkUntil(System.nanoTime() + 100_000_000L);
        }
    }

    /** The running job whose thread allocated the most since it started, if that is at least {@link #CULPRIT_ALLOCATION}. */
    Optional<UUID> heaviestAllocator() {
        RunningJob heaviest = heaviest();
        return heaviest == null ? Optional.empty() : Optional.of(heaviest.jobId);
    }

    private RunningJob heaviest() {
        RunningJob heaviest = null;
        long most = CULPRIT_ALLOCATION;
        for (Map.Entry<Thread, RunningJob> entry : running.entrySet()) {
            long now = THREADS.getThreadAllocatedBytes(entry.getKey().threadId()); // -1 for a virtual thread: not counted
            long start = entry.getValue().allocatedAtStart;
            if (now >= 0 && start >= 0 && now - start >= most) {
                most = now - start;
                heaviest = entry.getValue();
            }
        }
        return heaviest;
    }

    /** Waits without allocating (a latch's wait queues a node, which fails on a full heap), and never throws. */
    private static void parkUntil(long deadlineNanos) {
        while (System.nanoTime() - deadlineNanos < 0) {
            try {
                LockSupport.parkNanos(10_000_000L);
            } catch (Throwable onFullHeap) {
                // a virtual thread's park can need heap: wait on, as a busy loop if need be
            }
        }
    }

    private static void gcQuietly() {
        try {
            System.gc();
        } catch (Throwable ignored) {
            // only a hint
        }
    }

    private static byte[] line(String text) {
        return (text + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a line encoded in advance, allocating nothing (a native write from a stack buffer), and never throws. */
    private static void say(byte[] line) {
        try {
            STDERR.write(line);
        } catch (Throwable ignored) {
            // nothing more can be done
        }
    }

    /**
     * Halts the JVM; a thread other than the recorder first waits (at most {@link #HALT_GRACE_NANOS}) for the note, whichever
     * way it came here: halting while the recorder writes would lose the note, and the rescuer would count the culprit's
     * kill as a bystander's death.
     */
    private void exit(VirtualMachineError error) {
        if (Thread.currentThread() != recorder) {
            long deadline = System.nanoTime() + HALT_GRACE_NANOS;
            while (!recorded && System.nanoTime() - deadline < 0) {
                parkUntil(System.nanoTime() + 10_000_000L); // throws nothing, so no error cuts the wait short
            }
            if (!recorded) {
                say(NOT_HALTED);
            }
        }
        try {
            say(error instanceof OutOfMemoryError ? EXIT_OUT_OF_MEMORY : error instanceof StackOverflowError ? EXIT_STACK_OVERFLOW : EXIT_BROKEN);
        } finally {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }
}
