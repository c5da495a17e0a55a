package io.conveyor.worker.process;

import io.conveyor.common.Metrics;
import io.conveyor.handler.ForkJoinComputePool;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.claim.ConveyorJobServer;
import io.conveyor.worker.ledger.JobMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Locale;

/**
 * A worker JVM's metrics: the JVM's and the process's, the jobs' ({@link JobMetrics}, a state-applied filter), and
 * what the worker holds now: jobs running and slots per lane ({@code conveyor_worker_jobs_running{lane}},
 * {@code conveyor_worker_job_slots{lane}}, lanes {@code compute} and {@code waits}) and the compute pool's busy and
 * total threads ({@code conveyor_compute_threads_active}, {@code conveyor_compute_threads}). Served at
 * {@code GET /metrics} on {@code CONVEYOR_METRICS_PORT}; recorded whether or not that is set.
 */
final class WorkerMetrics implements AutoCloseable {

    private final Metrics metrics = new Metrics();
    private final JobMetrics jobs = new JobMetrics(metrics.registry());

    JobMetrics jobs() {
        return jobs;
    }

    void watch(ConveyorJobServer server, ForkJoinComputePool computePool) {
        MeterRegistry registry = metrics.registry();
        for (JobKind lane : JobKind.values()) {
            String name = lane.name().toLowerCase(Locale.ROOT);
            Gauge.builder("conveyor.worker.jobs.running", server, s -> s.running(lane)).tag("lane", name)
                    .description("Jobs this worker's lane holds now").register(registry);
            Gauge.builder("conveyor.worker.job.slots", server, s -> s.slots(lane)).tag("lane", name)
                    .description("Jobs this worker's lane runs at most").register(registry);
        }
        Gauge.builder("conveyor.compute.threads.active", computePool, ForkJoinComputePool::activeThreads)
                .description("Compute pool threads running a task now").register(registry);
        Gauge.builder("conveyor.compute.threads", computePool, ForkJoinComputePool::parallelism)
                .description("Threads of the compute pool").register(registry);
    }

    String scrape() {
        return metrics.scrape();
    }

    @Override
    public void close() {
        metrics.close();
    }
}
