package io.conveyor.bench;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.SucceededState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Idle latency: {@code noop} jobs submitted one at a time, a fixed gap apart, to a system with nothing else to do;
 * submit→start and submit→succeeded of each, from the PROCESSING and SUCCEEDED states the ledger recorded (the
 * workers run on this machine, so their clock is the benchmark's).
 */
final class IdleLatency {

    /** Milliseconds, over all jobs of one run. */
    record Result(double startP50, double startP95, double startMax, double doneP50, double doneP95, double doneMax) {
    }

    private IdleLatency() {
    }

    static Result measure(SystemUnderBench system, int jobs, Duration gap) throws InterruptedException {
        system.ledger().clear();
        List<SystemUnderBench.Submitted> submitted = new ArrayList<>(jobs);
        long next = System.nanoTime();
        for (int i = 0; i < jobs; i++) {
            submitted.add(system.submit(BenchJob.NOOP));
            next += gap.toNanos();
            LockSupport.parkNanos(next - System.nanoTime()); // the pacing itself, not a wait for an outcome
        }
        system.ledger().awaitSucceeded(jobs, Duration.ofSeconds(60));
        List<Double> toStart = new ArrayList<>(jobs);
        List<Double> toDone = new ArrayList<>(jobs);
        for (SystemUnderBench.Submitted job : submitted) {
            Job stored = system.ledger().job(job.id());
            toStart.add(millisBetween(job.at(), firstOf(stored, ProcessingState.class)));
            toDone.add(millisBetween(job.at(), firstOf(stored, SucceededState.class)));
        }
        return new Result(Stats.percentile(toStart, 50), Stats.percentile(toStart, 95), Stats.max(toStart),
                Stats.percentile(toDone, 50), Stats.percentile(toDone, 95), Stats.max(toDone));
    }

    private static Instant firstOf(Job job, Class<? extends JobState> type) {
        return job.getJobStates().stream().filter(type::isInstance).findFirst()
                .orElseThrow(() -> new IllegalStateException("job " + job.getId() + " has no " + type.getSimpleName()))
                .getCreatedAt();
    }

    private static double millisBetween(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }
}
