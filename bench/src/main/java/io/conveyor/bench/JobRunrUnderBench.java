package io.conveyor.bench;

import io.conveyor.app.JavaCommand;
import io.conveyor.common.DatabaseSettings;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.scheduling.JobRequestScheduler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Plain JobRunr: its background job server in a JVM of its own ({@link JobRunrBaselineCommand}), and this JVM as its
 * client, enqueueing through JobRunr's {@link JobRequestScheduler} into a database of its own.
 */
final class JobRunrUnderBench implements SystemUnderBench {

    private final Process server;
    private final int workers;
    private final boolean defaultWorkers;
    private final LedgerProbe ledger;
    private final JobRequestScheduler scheduler;

    private JobRunrUnderBench(Process server, int workers, boolean defaultWorkers, LedgerProbe ledger) {
        this.server = server;
        this.workers = workers;
        this.defaultWorkers = defaultWorkers;
        this.ledger = ledger;
        this.scheduler = new JobRequestScheduler(ledger.ledger().storageProvider());
    }

    /**
     * Starts the server JVM with {@code workers} worker threads (0: JobRunr's default) and maximum heap {@code heap},
     * its output in {@code logDir}, and waits until it runs.
     */
    static JobRunrUnderBench start(DatabaseSettings database, int workers, String heap, Path logDir, int clientConnections)
            throws InterruptedException {
        int effective = workers > 0 ? workers : JobRunrBaselineCommand.defaultWorkerCount();
        ProcessBuilder builder = new ProcessBuilder(JavaCommand.forMainClass(System.getProperty("java.class.path"), heap, BenchMain.class, JobRunrBaselineCommand.NAME,
                "--workers", Integer.toString(effective), "--parent-pid", Long.toString(ProcessHandle.current().pid())));
        builder.environment().put(DatabaseSettings.URL, database.jdbcUrl());
        builder.environment().put(DatabaseSettings.USER, database.user());
        builder.environment().put(DatabaseSettings.PASSWORD, database.password());
        builder.redirectErrorStream(true);
        builder.redirectOutput(logDir.resolve("jobrunr-" + effective + "-workers.log").toFile());
        Process server;
        try {
            server = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the JobRunr baseline JVM", e);
        }
        try {
            BenchDatabases.awaitServers(database, 1, Duration.ofSeconds(90));
            return new JobRunrUnderBench(server, effective, effective == JobRunrBaselineCommand.defaultWorkerCount(), LedgerProbe.open(database, "bench-jobrunr-client", clientConnections));
        } catch (RuntimeException | InterruptedException e) {
            server.destroyForcibly();
            throw e;
        }
    }

    @Override
    public boolean atItsDefaults() {
        return defaultWorkers;
    }

    @Override
    public String name() {
        return "JobRunr " + workers;
    }

    @Override
    public String heading() {
        return "JobRunr, " + workers + " workers" + (defaultWorkers ? " (its default)" : "");
    }

    @Override
    public Submitted submit(BenchJob job) {
        Instant at = Instant.now();
        return new Submitted(scheduler.enqueue(request(job)).asUUID(), at);
    }

    @Override
    public void submitAll(BenchJob job, int count) {
        // JobRunr saves a stream in batches of StorageProvider.BATCH_SIZE (5000) jobs, one transaction each.
        scheduler.enqueue(Stream.generate(() -> request(job)).limit(count));
    }

    private static JobRequest request(BenchJob job) {
        if (job.isSleep()) {
            return new BaselineJobs.Sleep(job.from());
        }
        return job.isPrimes() ? new BaselineJobs.Primes(job.from(), job.to()) : new BaselineJobs.Noop();
    }

    @Override
    public LedgerProbe ledger() {
        return ledger;
    }

    @Override
    public List<Long> workerPids() {
        return server.isAlive() ? List.of(server.pid()) : List.of();
    }

    @Override
    public void close() {
        ledger.close();
        server.destroy();
        try {
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
