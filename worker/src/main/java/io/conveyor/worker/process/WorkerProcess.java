package io.conveyor.worker.process;

import io.conveyor.worker.run.JobLanes;
import io.conveyor.worker.WaitingJobDispatcher;
import io.conveyor.worker.claim.LaneClaim;
import io.conveyor.worker.JobDispatcher;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.claim.ClaimTrigger;
import io.conveyor.worker.claim.ConveyorJobServer;
import io.conveyor.worker.claim.JobsCancelledSignal;
import io.conveyor.worker.claim.JobsWaitingSignal;
import io.conveyor.worker.claim.Turnover;
import io.conveyor.worker.intake.DeadLetters;
import io.conveyor.worker.intake.JobIntake;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.ledger.BatchCompletionRelay;
import io.conveyor.worker.ledger.BatchMembers;
import io.conveyor.worker.ledger.DeletedJobsRelay;
import io.conveyor.worker.ledger.ElectStateFilterChain;
import io.conveyor.worker.ledger.JobEventPublisher;
import io.conveyor.worker.ledger.JobFailureLog;
import io.conveyor.worker.ledger.JobResults;
import io.conveyor.worker.ledger.LedgerRetention;
import io.conveyor.worker.ledger.LedgerSchema;
import io.conveyor.worker.ledger.OnTimeStorageProvider;
import io.conveyor.worker.ledger.LedgerTransitions;
import io.conveyor.worker.ledger.AppliedStateFilters;
import io.conveyor.worker.ledger.LedgerStatistics;
import io.conveyor.worker.ledger.SucceededJobsWriter;
import io.conveyor.worker.ledger.FanOuts;
import io.conveyor.worker.run.Attempts;
import io.conveyor.worker.run.FatalJobErrors;
import io.conveyor.handler.ForkJoinComputePool;
import io.conveyor.worker.run.HandlerRegistry;
import io.conveyor.worker.run.JobTimedOutException;
import io.conveyor.worker.run.JobTimeouts;
import io.conveyor.handler.Backoff;
import io.conveyor.handler.DataRoot;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Ledger;
import io.conveyor.worker.fleet.Fleet;
import io.conveyor.worker.fleet.LivenessLock;
import io.conveyor.worker.fleet.OrphanRescuer;
import io.conveyor.worker.fleet.UnroutableJobs;
import io.conveyor.worker.fleet.WorkerAnnouncement;
import io.conveyor.worker.handlers.AllocateHandler;
import io.conveyor.worker.handlers.BatchSummaryHandler;
import io.conveyor.worker.handlers.FanOutHandler;
import io.conveyor.worker.handlers.FailHandler;
import io.conveyor.worker.handlers.HashFilesHandler;
import io.conveyor.worker.handlers.NoopHandler;
import io.conveyor.worker.handlers.PrimesHandler;
import io.conveyor.worker.handlers.SearchHandler;
import io.conveyor.worker.handlers.SleepHandler;
import io.conveyor.worker.handlers.SortHandler;
import io.conveyor.worker.handlers.WordCountHandler;
import io.conveyor.common.failure.HandedBackException;
import io.conveyor.worker.retry.RetryElsewhere;
import io.conveyor.worker.retry.RetryPolicy;
import io.conveyor.worker.retry.RetryTimer;
import io.conveyor.worker.retry.ScheduledJobsWatch;
import io.conveyor.worker.recurring.RecurringJobsTimer;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.JobFilter;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.configuration.BackgroundJobServerThreadType;
import org.jobrunr.server.configuration.DefaultBackgroundJobServerWorkerPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;

import static org.jobrunr.storage.Paging.AmountBasedList.ascOnUpdatedAt;

/**
 * One worker JVM's parts, wired in one place: its liveness lock, the ledger, JobRunr's job server with Conveyor's
 * filters (retry policy, results, retry timer, events), the handler registry and compute pool, immediate claims and their
 * cross-worker signal, the orphan rescuer, and the Kafka intake.
 */
public final class WorkerProcess implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(WorkerProcess.class);
    /** The exit code of a worker that replaces itself because a timed-out job ignored its interrupt. */
    static final int STUCK_JOB_EXIT_CODE = 5;
    /** How long a timed-out job has to end after its interrupt before its worker gives up on its thread. */
    static final Duration STUCK_JOB_GRACE = Duration.ofSeconds(5);
    /** The built-in job types. */
    public static final List<JobHandler> BUILT_IN_HANDLERS = List.of(
            new NoopHandler(), new SleepHandler(), new FailHandler(), new PrimesHandler(), new AllocateHandler(),
            new HashFilesHandler(), new WordCountHandler(), new SortHandler(), new SearchHandler(), new BatchSummaryHandler(), new FanOutHandler());

    private final UUID serverId = UUID.randomUUID();
    private final WorkerSettings settings;
    private final Ledger ledger;
    private final LivenessLock liveness;
    private final ForkJoinComputePool computePool;
    private final JobTimeouts timeouts;
    private final Fleet fleet = new Fleet();
    private final RetryTimer retryTimer;
    private final ScheduledJobsWatch scheduledJobs;
    private final RecurringJobsTimer recurringJobs;
    private final JobEventPublisher events;
    private final ConveyorJobServer jobServer;
    private final LedgerTransitions transitions;
    private final SucceededJobsWriter succeededJobs;
    private final ClaimTrigger claimTrigger;
    private final JobsWaitingSignal jobsWaitingSignal;
    private final JobsCancelledSignal jobsCancelledSignal;
    private final OrphanRescuer orphanRescuer;
    private final LedgerStatistics ledgerStatistics;
    private final WorkerAnnouncement announcement;
    private final UnroutableJobs unroutableJobs;
    private final JobIntake intake;
    private final DeadLetters deadLetters;
    private final DeletedJobsRelay deletedJobs;
    private final LedgerRetention retention;
    private final BatchCompletionRelay batchCompletions;
    private final JobServerKeeper jobServerKeeper;
    private final KafkaReachability kafkaReachability;
    private final WorkerHealth health;
    private final WorkerMetrics metrics = new WorkerMetrics();
    private final AtomicBoolean exiting = new AtomicBoolean();
    private final FatalJobErrors fatalErrors = new FatalJobErrors();

    private WorkerProcess(WorkerSettings settings, KafkaSettings kafka, DatabaseSettings database, Clock clock) throws SQLException {
        this.settings = settings;
        DataRoot dataRoot = openDataRoot(settings);
        KafkaTopics.ensureExist(kafka);
        // Connections: one per compute job thread for failures, plus JobRunr's own tasks, claims, intake, rescuer,
        // signalling, the deleted jobs' relay and the retention. Waiting jobs share a few more: they need one only to record
        // a failure (successes go in batches).
        this.ledger = Ledger.open(database, "conveyor-worker", settings.jobThreads() + Math.min(settings.waitingJobs(), 8) + 8,
                OnTimeStorageProvider::new);
        this.liveness = LivenessLock.acquire(database, serverId); // before the server registers: never seen alive without it
        BackgroundPartDeaths.endProcessOnDeath(settings.name(), this::exit);
        fatalErrors.leaveNotesWith(new FatalJobErrors.DeathNote() {
            @Override
            public void jvmBroke() {
                liveness.dying();
            }

            @Override
            public void leave(UUID jobId, String cause) throws SQLException {
                liveness.leaveDeathNote(jobId, cause);
            }
        });
        fatalErrors.installAsDefaultHandler(); // after: a broken JVM halts at once, whichever thread met it
        this.computePool = new ForkJoinComputePool(settings.computeThreads());
        HandlerRegistry registry = HandlerRegistry.withBuiltInsAndServiceLoader(BUILT_IN_HANDLERS);
        JobLanes lanes = new JobLanes(registry, settings.jobKinds());
        JobResults results = new JobResults();
        Attempts attempts = new Attempts();
        RetryPolicy retryPolicy = new RetryPolicy(job -> backoffOf(job, registry), settings.quarantineKills(), clock, RandomGenerator.getDefault());
        AtomicReference<LedgerTransitions> lateTransitions = new AtomicReference<>();
        this.retryTimer = new RetryTimer(lateTransitions::get, this::retryDue, clock);

        this.events = new JobEventPublisher(kafka, settings.name());
        this.timeouts = new JobTimeouts(STUCK_JOB_GRACE, this::replaceForStuckJob);
        FanOuts fanOuts = new FanOuts();
        JobDispatcher dispatcher = new JobDispatcher(registry, computePool, dataRoot, results, attempts, fatalErrors, timeouts, events::progress,
                batch -> new BatchMembers(ledger.dataSource(), batch),
                plan -> fanOuts.hold(plan.parent(), plan.jobs().stream().map(job -> LedgerWriter.toJob(job, lanes.kindOf(job.type()))).toList(),
                        plan.continuation()));
        this.jobServer = new ConveyorJobServer(ledger.storageProvider(), ledger.jsonMapper(), new DispatcherActivator(dispatcher),
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                        .andId(serverId)
                        .andName(settings.name())
                        .andPollIntervalInSeconds(settings.pollIntervalSeconds())
                        .andInterruptJobsAwaitDurationOnStopBackgroundJobServer(settings.stopGrace())
                        // Kept by Conveyor's LedgerRetention, not JobRunr's master (OnTimeStorageProvider); given here so that
                        // the dashboard shows the retention in force.
                        .andDeleteSucceededJobsAfter(settings.deleteSucceededAfter())
                        .andPermanentlyDeleteDeletedJobsAfter(settings.deleteDeletedAfter())
                        .andBackgroundJobServerWorkerPolicy(new DefaultBackgroundJobServerWorkerPolicy(
                                settings.jobThreads(), BackgroundJobServerThreadType.PlatformThreads)),
                attempts, settings.jobThreads(), settings.waitingJobs(), settings.stopGrace());
        ElectStateFilterChain election = new ElectStateFilterChain(List.of(retryPolicy, results, fanOuts));
        List<JobFilter> jobFilters = List.of(election, retryTimer, events, metrics.jobs(), new JobFailureLog());
        jobServer.setJobFilters(jobFilters);
        AppliedStateFilters appliedFilters = new AppliedStateFilters(jobFilters);
        jobServer.useElection(election);
        metrics.watch(jobServer, computePool);
        this.transitions = new LedgerTransitions(ledger.storageProvider(), jobServer.getJobFilters());
        this.succeededJobs = new SucceededJobsWriter(ledger.storageProvider(), ledger.dataSource(), new JobMapper(ledger.jsonMapper()),
                appliedFilters, liveness::held, fanOuts, written -> {
                    events.written(written);
                    jobsEnqueued();
                });
        jobServer.useSucceededJobsWriter(succeededJobs);
        lateTransitions.set(transitions);

        LedgerSchema.prepare(ledger.dataSource());
        this.deletedJobs = DeletedJobsRelay.start(ledger.dataSource(), new JobMapper(ledger.jsonMapper()), events, metrics.jobs());
        // After the relay's triggers exist: every job that retention moves to DELETED gets its event.
        this.retention = LedgerRetention.start(ledger.dataSource(), new JobMapper(ledger.jsonMapper()), settings.deleteSucceededAfter(),
                settings.deleteDeletedAfter(), clock);
        // Announced before the first claim: a job this worker takes is never one the fleet did not know it runs.
        this.announcement = WorkerAnnouncement.announce(ledger.dataSource(), serverId, settings.name(), registry.types(), settings.queues(),
                settings.jobThreads() + settings.waitingJobs(), () -> jobServer.running(JobKind.COMPUTE) + jobServer.running(JobKind.WAITS),
                fleet, clock);
        LaneClaim claim = new LaneClaim(ledger.dataSource(), new JobMapper(ledger.jsonMapper()), jobServer, appliedFilters, registry.types(), settings.queues(),
                settings.typeLimits(), settings.priorityAging(), clock);
        this.claimTrigger = new ClaimTrigger(claim, Duration.ofSeconds(settings.pollIntervalSeconds()));
        jobServer.onWorkerFree(claimTrigger::claimSoon);
        jobServer.useTurnover(new Turnover(claim, claimTrigger::claimSoon));
        this.jobsWaitingSignal = new JobsWaitingSignal(serverId.toString(), database, ledger.dataSource(), claimTrigger::claimSoon);
        this.jobsCancelledSignal = new JobsCancelledSignal(database, jobServer);
        // Before intake: every member and completion job this worker writes meets the batches' triggers.
        this.batchCompletions = BatchCompletionRelay.start(ledger.dataSource(), lateTransitions::get, this::jobsEnqueued);
        jobServer.useRetryElsewhere(new RetryElsewhere(serverId, fleet, transitions, this::othersFirst, clock));
        this.jobServerKeeper = new JobServerKeeper(settings.name(), jobServer, liveness::held, this::jobsEnqueued, this::exit);
        jobServer.onStoppedUnasked(jobServerKeeper::serverStoppedUnasked, this::prepareRestart);
        jobServer.start();
        claimTrigger.claimSoon(); // a worker that joins takes at once what waits for it, such as jobs of a type no other worker runs
        this.ledgerStatistics = new LedgerStatistics(ledger.dataSource());
        this.orphanRescuer = new OrphanRescuer(serverId, ledger.storageProvider(), ledger.dataSource(), lateTransitions::get,
                fleet, settings.hangTimeout(), settings.quarantineKills(), this::jobsEnqueued, clock);
        this.unroutableJobs = settings.unroutableAfter()
                .map(after -> new UnroutableJobs(ledger.dataSource(), lateTransitions::get, after, clock)).orElse(null);
        this.scheduledJobs = new ScheduledJobsWatch(ledger.dataSource(), new JobMapper(ledger.jsonMapper()), retryTimer, this::jobsEnqueued, clock);
        LedgerWriter ledgerWriter = new LedgerWriter(ledger.dataSource(), new JobMapper(ledger.jsonMapper()), written -> {
            events.written(written);
            scheduledJobs.written(written);
        }, lanes);
        OnTimeStorageProvider storage = (OnTimeStorageProvider) ledger.storageProvider();
        this.recurringJobs = new RecurringJobsTimer(storage::recurringJobDefinitions, storage::recurringJobDefinitionsChangedSince, ledgerWriter,
                this::jobsEnqueued, clock);
        this.deadLetters = new DeadLetters(kafka, settings.name());
        this.intake = new JobIntake(kafka, settings.name(), settings.intakeMaxRecords(), ledgerWriter, deadLetters, this::jobsEnqueued, clock,
                reason -> exit(JobServerKeeper.EXIT_CODE, reason));
        this.kafkaReachability = settings.metricsPort().isPresent() ? new KafkaReachability(kafka, settings.name()) : null;
        this.health = settings.metricsPort().isPresent()
                ? WorkerHealth.start(settings.metricsPort().getAsInt(), liveness::held, jobServerKeeper::ready, kafkaReachability::answers,
                metrics::scrape)
                : null;
        claimTrigger.claimSoon(); // what waits already (a worker replacing one that exited) is not announced again
        LOGGER.info("worker {} ({}) started: {} job threads, {} waiting jobs, {} compute threads, data root {}, queues {}, job types {}",
                settings.name(), serverId, settings.jobThreads(), settings.waitingJobs(), settings.computeThreads(), dataRoot.path(), settings.queues(),
                registry.types().stream().map(type -> type + (lanes.kindOf(type) == JobKind.WAITS ? " (waits)" : "")).toList());
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
        try {
            return new WorkerProcess(settings, kafka, database, Clock.systemUTC());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the ledger database " + database.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    /** This process's JobRunr server id, as recorded in the ledger for each job it runs. */
    public UUID serverId() {
        return serverId;
    }

    /** The job's own back-off, else its type's, else this worker's default. */
    private Backoff backoffOf(Job job, HandlerRegistry registry) {
        if (job.getJobDetails().getJobParameters().getFirst().getObject() instanceof LedgerJobRequest request) {
            return request.backoff()
                    .or(() -> registry.find(request.type()).map(JobHandler::backoff))
                    .orElse(settings.retryBackoff());
        }
        return settings.retryBackoff();
    }

    private void jobsEnqueued() {
        claimTrigger.claimSoon();
        jobsWaitingSignal.announce();
    }

    /** A retry is due: another worker should take it, so tell the others first, unless there are none. */
    private void retryDue() {
        if (fleet.hasOtherThan(serverId)) {
            othersFirst();
        } else {
            claimTrigger.claimSoon();
        }
    }

    /**
     * Jobs that another worker should take if it can: the others are told now, and this worker claims again once the
     * retry-elsewhere window has passed, in case they were all busy (it then runs the job itself).
     */
    private void othersFirst() {
        jobsWaitingSignal.announce();
        claimTrigger.claimAfter(RetryElsewhere.WINDOW.plusMillis(200));
    }

    /**
     * Before the job server runs again after JobRunr stopped it by itself: what succeeded meanwhile is recorded first,
     * then every job the ledger still shows running here is handed back (its thread ended with the server), so that
     * each runs again, on any worker, and none is left PROCESSING. Throws if the ledger does not take it all.
     */
    private void prepareRestart() {
        try {
            if (!succeededJobs.awaitWritten(Duration.ofSeconds(30))) {
                throw new IllegalStateException("succeeded jobs are still waiting to be recorded");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recording succeeded jobs", e);
        }
        int handedBack = handBackUnfinishedJobs();
        if (handedBack > 0) {
            LOGGER.info("worker {}: {} jobs that were running when the job server stopped handed back", settings.name(), handedBack);
            jobsWaitingSignal.announce();
        }
    }

    /**
     * A job ran past its timeout and ignored the interrupt: its thread is lost to this JVM. The attempt is recorded as
     * timed out (retried per its policy, on another worker), the job is dropped here (should its thread ever end, its
     * run is not saved), and the worker exits as it would on SIGTERM: no more claims, its other jobs get the grace period
     * and are handed back if they do not finish; its supervisor or restart policy starts a fresh JVM.
     */
    private void replaceForStuckJob(UUID jobId, Duration timeout) {
        String reason = "timed out after " + timeout.toMillis() + " ms and did not stop when interrupted; worker "
                + settings.name() + " replaced itself to free its thread";
        try {
            transitions.change(jobId,
                    job -> job.hasState(StateName.PROCESSING) && serverId.equals(job.<ProcessingState>getJobState().getServerId()),
                    job -> {
                        job.failed(reason, new JobTimedOutException(reason));
                        return job;
                    });
        } catch (RuntimeException e) { // the ledger unreachable: handed back on the way out, or rescued once this worker is gone
            LOGGER.warn("could not record job {} as timed out: {}", jobId, e.toString());
        } finally {
            jobServer.abandon(jobId, "timed out");
            exit(STUCK_JOB_EXIT_CODE, "job " + jobId + " " + reason);
        }
    }

    /** Ends this process because a part of it stopped for good: drains what it can, then exits with {@code code}. */
    private void exit(int code, String reason) {
        if (fatalErrors.broken()) {
            return; // a part died of the broken JVM: FatalJobErrors halts it once the note is written; a close would free the lock first
        }
        if (!exiting.compareAndSet(false, true)) {
            LOGGER.error("worker {} (exiting already): {}", settings.name(), reason);
            return;
        }
        LOGGER.error("worker {} exits with code {}: {}; its supervisor or restart policy starts a new worker", settings.name(), code, reason);
        Thread.ofPlatform().name("conveyor-exit").start(() -> {
            Thread.ofPlatform().daemon().start(() -> { // a close that hangs must not keep a broken process alive
                try {
                    Thread.sleep(settings.stopGrace().plusSeconds(30));
                } catch (InterruptedException ignored) {
                    // halt now
                }
                Runtime.getRuntime().halt(code);
            });
            try {
                close();
            } finally {
                Runtime.getRuntime().halt(code);
            }
        });
    }

    /**
     * Stops gracefully: no more intake or claims, running jobs get the grace period to finish, whatever did not
     * finish is handed back (ENQUEUED again, not counted as an attempt) and announced to the other workers.
     */
    @Override
    public void close() {
        if (health != null) {
            health.close();
            kafkaReachability.close();
        }
        intake.close();
        recurringJobs.close();
        deadLetters.close();
        claimTrigger.close();
        orphanRescuer.close();
        ledgerStatistics.close();
        jobServerKeeper.close();
        jobServer.shutDown();
        succeededJobs.close(); // before the hand-back: a succeeded job still queued is PROCESSING in the ledger
        int handedBack = handBackUnfinishedJobs();
        // Always: jobs interrupted past the grace were handed back by their own threads (JobRunr's "server stopped"),
        // not counted here, and without a word the others would find them only at their poll.
        jobsWaitingSignal.announce();
        jobsWaitingSignal.close();
        jobsCancelledSignal.close();
        scheduledJobs.close();
        timeouts.close();
        if (unroutableJobs != null) {
            unroutableJobs.close();
        }
        announcement.close();
        retryTimer.close();
        retention.close();
        deletedJobs.close();
        batchCompletions.close();
        events.close();
        liveness.close();
        computePool.close();
        ledger.close();
        metrics.close();
        LOGGER.info("worker {} stopped; {} unfinished jobs handed back", settings.name(), handedBack);
    }

    private int handBackUnfinishedJobs() {
        int handedBack = 0;
        for (Job job : ledger.storageProvider().getJobList(StateName.PROCESSING, ascOnUpdatedAt(10_000))) {
            if (job.<ProcessingState>getJobState().getServerId().equals(serverId)) {
                String reason = "handed back: worker " + settings.name() + " stopped before the job finished";
                job.failed(reason, new HandedBackException(reason));
                if (transitions.save(job).isPresent()) {
                    handedBack++;
                }
            }
        }
        return handedBack;
    }

    /** Gives JobRunr the one dispatcher instance for every job, whatever its type. */
    private record DispatcherActivator(JobDispatcher dispatcher, WaitingJobDispatcher waiting) implements org.jobrunr.server.JobActivator {

        DispatcherActivator(JobDispatcher dispatcher) {
            this(dispatcher, new WaitingJobDispatcher(dispatcher));
        }

        @Override
        public <T> T activateJob(Class<T> type) {
            if (type.isInstance(dispatcher)) {
                return type.cast(dispatcher);
            }
            return type.isInstance(waiting) ? type.cast(waiting) : null;
        }
    }
}
