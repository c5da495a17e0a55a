package io.conveyor.worker;

import io.conveyor.common.DataRoot;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.common.JobHandler;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Ledger;
import io.conveyor.worker.handlers.FailHandler;
import io.conveyor.worker.handlers.HashFilesHandler;
import io.conveyor.worker.handlers.NoopHandler;
import io.conveyor.worker.handlers.PrimesHandler;
import io.conveyor.worker.handlers.SearchHandler;
import io.conveyor.worker.handlers.SleepHandler;
import io.conveyor.worker.handlers.SortHandler;
import io.conveyor.worker.handlers.WordCountHandler;
import org.jobrunr.jobs.filters.RetryFilter;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.configuration.BackgroundJobServerThreadType;
import org.jobrunr.server.configuration.DefaultBackgroundJobServerWorkerPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * One worker JVM's parts, wired in one place: the ledger, JobRunr's job server with the handler registry and the
 * compute pool, the immediate-claim trigger and its cross-worker signal, and the Kafka intake.
 */
public final class WorkerProcess implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(WorkerProcess.class);
    /** The built-in job types. */
    public static final List<JobHandler> BUILT_IN_HANDLERS = List.of(new NoopHandler(), new SleepHandler(), new FailHandler(),
            new PrimesHandler(), new HashFilesHandler(), new WordCountHandler(), new SortHandler(), new SearchHandler());
    /** How long a stopping worker lets running jobs finish before JobRunr interrupts them. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final Ledger ledger;
    private final ForkJoinComputePool computePool;
    private final ConveyorJobServer jobServer;
    private final ClaimTrigger claimTrigger;
    private final JobsWaitingSignal jobsWaitingSignal;
    private final JobIntake intake;

    private WorkerProcess(WorkerSettings settings, KafkaSettings kafka, DatabaseSettings database, Clock clock) {
        DataRoot dataRoot = openDataRoot(settings);
        KafkaTopics.ensureExist(kafka);
        // Connections: one per job thread for state updates, plus JobRunr's own tasks, intake and signalling.
        this.ledger = Ledger.open(database, "conveyor-worker", settings.jobThreads() + 4);
        this.computePool = new ForkJoinComputePool(settings.computeThreads());
        HandlerRegistry registry = HandlerRegistry.withBuiltInsAndServiceLoader(BUILT_IN_HANDLERS);
        JobResults results = new JobResults();
        JobDispatcher dispatcher = new JobDispatcher(registry, computePool, dataRoot, results);
        this.jobServer = new ConveyorJobServer(ledger.storageProvider(), ledger.jsonMapper(), new DispatcherActivator(dispatcher),
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                        .andName(settings.name())
                        .andPollIntervalInSeconds(settings.pollIntervalSeconds())
                        .andInterruptJobsAwaitDurationOnStopBackgroundJobServer(STOP_GRACE)
                        .andBackgroundJobServerWorkerPolicy(new DefaultBackgroundJobServerWorkerPolicy(
                                settings.jobThreads(), BackgroundJobServerThreadType.PlatformThreads)));
        jobServer.setJobFilters(List.of(new ElectStateFilterChain(List.of(new RetryFilter(), results))));
        jobServer.start();
        this.claimTrigger = new ClaimTrigger(jobServer);
        this.jobsWaitingSignal = new JobsWaitingSignal(database, ledger.dataSource(), claimTrigger::jobsWaiting);
        LedgerWriter ledgerWriter = new LedgerWriter(ledger.storageProvider(), ledger.dataSource());
        this.intake = new JobIntake(kafka, settings.name(), settings.intakeMaxRecords(), ledgerWriter, this::jobsEnqueued, clock);
        LOGGER.info("worker {} started: {} job threads, {} compute threads, data root {}, job types {}",
                settings.name(), settings.jobThreads(), settings.computeThreads(), dataRoot.path(), registry.types());
    }

    private static DataRoot openDataRoot(WorkerSettings settings) {
        try {
            return DataRoot.open(settings.dataDir());
        } catch (IOException e) {
            throw new Env.SettingsException(WorkerSettings.DATA_DIR + " must be a directory this worker can create or use, was "
                    + settings.dataDir() + ": " + e);
        }
    }

    public static WorkerProcess start(WorkerSettings settings, KafkaSettings kafka, DatabaseSettings database) {
        return new WorkerProcess(settings, kafka, database, Clock.systemUTC());
    }

    /** This process's JobRunr server id, as recorded in the ledger for each job it runs. */
    public java.util.UUID serverId() {
        return jobServer.getId();
    }

    private void jobsEnqueued() {
        claimTrigger.jobsWaiting();
        jobsWaitingSignal.announce();
    }

    /** Stops taking new work, lets running jobs finish (up to a grace period), then releases every resource. */
    @Override
    public void close() {
        intake.close();
        claimTrigger.close();
        jobsWaitingSignal.close();
        jobServer.stop();
        computePool.close();
        ledger.close();
        LOGGER.info("worker stopped");
    }

    /** Gives JobRunr the one dispatcher instance for every job, whatever its type. */
    private record DispatcherActivator(JobDispatcher dispatcher) implements org.jobrunr.server.JobActivator {
        @Override
        public <T> T activateJob(Class<T> type) {
            return type.isInstance(dispatcher) ? type.cast(dispatcher) : null;
        }
    }
}
