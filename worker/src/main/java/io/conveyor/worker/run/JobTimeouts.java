package io.conveyor.worker.run;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long an attempt runs: when its timeout passes, its job thread is interrupted (the compute pool passes the
 * interrupt on to the job's tasks, as for a cancel), and the dispatcher fails the attempt as timed out. A handler that
 * ignores the interrupt still holds its thread after {@link #grace}: the worker is told ({@link StuckJobs}), since only
 * a fresh JVM gets that thread back.
 */
public final class JobTimeouts implements AutoCloseable {

    /** Told of a job still running {@code grace} after its timeout interrupted it; called on the timer's thread. */
    @FunctionalInterface
    public interface StuckJobs {
        void stuck(UUID jobId, Duration timeout);
    }

    private final Duration grace;
    private final StuckJobs stuckJobs;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("conveyor-timeouts").daemon().factory());

    /** @param grace how long an interrupted job has to end before its worker gives up on its thread */
    public JobTimeouts(Duration grace, StuckJobs stuckJobs) {
        this.grace = grace;
        this.stuckJobs = stuckJobs;
    }

    /** Starts timing an attempt that runs on the calling thread; {@code timeout} null for none. */
    public Run start(UUID jobId, Duration timeout) {
        Run run = new Run(jobId, timeout, Thread.currentThread());
        if (timeout != null) {
            run.expiry = timer.schedule(run::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return run;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One attempt being timed. Its job thread's interrupt is the timer's only while the run lasts. */
    public final class Run {
        private final UUID jobId;
        private final Duration timeout;
        private final Thread thread;
        private ScheduledFuture<?> expiry;
        private ScheduledFuture<?> stuckCheck;
        private boolean timedOut;
        private boolean ended;

        private Run(UUID jobId, Duration timeout, Thread thread) {
            this.jobId = jobId;
            this.timeout = timeout;
            this.thread = thread;
        }

        private synchronized void expire() {
            if (ended) {
                return;
            }
            timedOut = true;
            thread.interrupt();
            stuckCheck = timer.schedule(this::checkStuck, grace.toNanos(), TimeUnit.NANOSECONDS);
        }

        private void checkStuck() {
            synchronized (this) {
                if (ended) {
                    return;
                }
            }
            stuckJobs.stuck(jobId, timeout);
        }

        /**
         * Ends the run, on its job thread; repeatable. Returns whether the attempt timed out, and if so clears the
         * interrupt it left on the thread, which runs other jobs after this one.
         */
        public synchronized boolean end() {
            if (!ended) {
                ended = true;
                if (expiry != null) {
                    expiry.cancel(false);
                }
                if (stuckCheck != null) {
                    stuckCheck.cancel(false);
                }
                if (timedOut) {
                    Thread.interrupted();
                }
            }
            return timedOut;
        }

        /** The failure of an attempt that timed out. */
        public JobTimedOutException failure() {
            return new JobTimedOutException(timeout);
        }
    }
}
