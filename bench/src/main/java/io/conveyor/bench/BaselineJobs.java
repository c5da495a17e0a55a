package io.conveyor.bench;

import io.conveyor.worker.handlers.PrimesHandler;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;

/**
 * The job requests and handlers of the plain-JobRunr baseline: the same work as Conveyor's {@code noop}, {@code sleep}
 * and {@code primes} types, written as any JobRunr user would write them.
 */
public final class BaselineJobs {

    private BaselineJobs() {
    }

    /** Does nothing, like Conveyor's {@code noop}. */
    public record Noop() implements JobRequest {
        @Override
        public Class<NoopHandler> getJobRequestHandler() {
            return NoopHandler.class;
        }
    }

    /** Counts the primes in [from, to), like Conveyor's {@code primes}, but on the job's own thread. */
    public record Primes(long from, long to) implements JobRequest {
        @Override
        public Class<PrimesRequestHandler> getJobRequestHandler() {
            return PrimesRequestHandler.class;
        }
    }

    /** Waits, like Conveyor's {@code sleep}: a job that calls a slow service. */
    public record Sleep(long millis) implements JobRequest {
        @Override
        public Class<SleepRequestHandler> getJobRequestHandler() {
            return SleepRequestHandler.class;
        }
    }

    /** JobRunr creates it by its no-argument constructor. */
    public static final class SleepRequestHandler implements JobRequestHandler<Sleep> {
        @Override
        public void run(Sleep request) throws InterruptedException {
            Thread.sleep(request.millis());
        }
    }

    /** JobRunr creates it by its no-argument constructor. */
    public static final class NoopHandler implements JobRequestHandler<Noop> {
        @Override
        public void run(Noop request) {
            // nothing: measures the queue itself
        }
    }

    /** JobRunr creates it by its no-argument constructor; the counting is Conveyor's own code. */
    public static final class PrimesRequestHandler implements JobRequestHandler<Primes> {
        /** Keeps the count observable, so that the JIT cannot drop the work as dead code. */
        static volatile long lastCount;

        @Override
        public void run(Primes request) {
            lastCount = PrimesHandler.countPrimes(request.from(), request.to());
        }
    }
}
