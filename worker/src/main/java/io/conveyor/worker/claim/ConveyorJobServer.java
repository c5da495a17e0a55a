package io.conveyor.worker.claim;

import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.ledger.SucceededJobsWriter;
import io.conveyor.worker.run.Attempts;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.retry.RetryElsewhere;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ElectStateFilter;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.server.JobSteward;
import org.jobrunr.server.concurrent.ConcurrentJobModificationResolver;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.strategy.WorkDistributionStrategy;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.navigation.AmountRequest;
import org.jobrunr.utils.mapper.JsonMapper;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static org.jobrunr.storage.Paging.AmountBasedList.ascOnUpdatedAt;


/**
 * JobRunr's background job server, extended through its public and protected extension points:
 * <ul>
 * <li>two lanes: compute jobs run on JobRunr's job pool (one platform thread per core by default), waiting jobs on
 * virtual threads, many at once; each lane has its own room, and claims ask for each lane's jobs alone
 * ({@link LaneClaim}). JobRunr's own claim is switched off (its work distribution asks for nothing): it cannot tell
 * the lanes apart;</li>
 * <li>look at each claimed job before it runs: hand a retry back if another worker should take it, and note which
 * attempt this is for the handler;</li>
 * <li>record succeeded jobs in batches ({@link BatchingJobPerformer});</li>
 * <li>keep JobRunr's periodic update of running jobs (its heartbeat) off the runs that are ending, whose end only
 * their own thread saves (see {@code LaneCountingJobSteward}), and accept that it loses to a run ended here by another
 * thread ({@link EndedRunConflictResolver}), instead of counting that towards stopping the server;</li>
 * <li>stop a job that the API cancelled, at once ({@link #cancelRunning});</li>
 * <li>tell a stop that Conveyor asked for ({@link #shutDown()}) from one JobRunr decided on by itself: its server
 * zookeeper stops the server at the first heartbeat that fails, e.g. while the ledger database is unreachable, and
 * never starts it again ({@code process.JobServerKeeper} does).</li>
 * </ul>
 */
public final class ConveyorJobServer extends BackgroundJobServer {

    /** The reason of a cancelled job's DELETED state (the API's {@code JobCancellation.REASON}). */
    public static final String CANCELLED = "cancelled";
    /** How long a cancel of a job not running here is remembered, for a claim of it that is about to start. */
    private static final Duration REMEMBER_CANCEL = Duration.ofMinutes(1);

    private final Attempts attempts;
    private final int computeSlots;
    private final int waitingSlots;
    private final AtomicInteger computeBusy = new AtomicInteger();
    private final AtomicInteger waitingBusy = new AtomicInteger();
    private final Duration stopGrace;
    private volatile ExecutorService waitingLane;
    private volatile RetryElsewhere retryElsewhere;
    private volatile SucceededJobsWriter succeededJobsWriter;
    private volatile Turnover turnover;
    private volatile Runnable onWorkerFree = () -> { };
    private volatile ElectStateFilter election = (job, state) -> { };
    private volatile Runnable onStoppedUnasked = () -> { };
    private volatile Runnable beforeRestart = () -> { };
    private final Map<UUID, Instant> recentCancels = new ConcurrentHashMap<>();
    private volatile boolean shutDown;
    /** Set when JobRunr stopped the server by itself; cleared once a restart prepared for it. */
    private volatile boolean stoppedUnasked;

    /**
     * @param computeSlots compute jobs at once: the size of JobRunr's job pool, as the configuration's worker policy says
     * @param waitingSlots waiting jobs at once, each on a virtual thread of its own
     */
    public ConveyorJobServer(StorageProvider storageProvider, JsonMapper jsonMapper, JobActivator jobActivator,
                      BackgroundJobServerConfiguration configuration, Attempts attempts, int computeSlots, int waitingSlots,
                      Duration stopGrace) {
        super(storageProvider, jsonMapper, jobActivator, configuration);
        this.attempts = attempts;
        this.computeSlots = computeSlots;
        this.waitingSlots = waitingSlots;
        this.stopGrace = stopGrace;
    }

    public void useRetryElsewhere(RetryElsewhere retryElsewhere) {
        this.retryElsewhere = retryElsewhere;
    }

    /** Records succeeded jobs in batches (see {@link BatchingJobPerformer}); set before the server starts. */
    public void useSucceededJobsWriter(SucceededJobsWriter writer) {
        this.succeededJobsWriter = writer;
    }

    /** The worker's state election (its chain of election steps, also among the job filters); set before the server starts. */
    public void useElection(ElectStateFilter election) {
        this.election = election;
    }

    ElectStateFilter election() {
        return election;
    }

    /**
     * Claims for the places of succeeded jobs in the transaction of their successes ({@link Turnover}); set after the
     * writer, before the server starts. Without it every ended job signals the claim thread.
     */
    public void useTurnover(Turnover turnover) {
        this.turnover = turnover;
        succeededJobsWriter.rideWith(turnover);
    }

    /** Queues a job whose SUCCEEDED state is elected for the succeeded jobs' writer. */
    void queueSuccess(Job job) {
        Turnover claimsWithSuccesses = turnover;
        if (claimsWithSuccesses != null) {
            claimsWithSuccesses.successQueued(job); // before the writer can see it
        }
        succeededJobsWriter.write(job);
    }

    /**
     * @param onStoppedUnasked runs after the server stopped without Conveyor asking (on JobRunr's stopping thread)
     * @param beforeRestart    runs before the server starts again after such a stop, whoever starts it (JobRunr's own
     *                         reset does too); if it throws, the server stays stopped
     */
    public void onStoppedUnasked(Runnable onStoppedUnasked, Runnable beforeRestart) {
        this.onStoppedUnasked = onStoppedUnasked;
        this.beforeRestart = beforeRestart;
    }

    @Override
    public synchronized void start() {
        if (shutDown) {
            return;
        }
        if (stoppedUnasked) {
            beforeRestart.run();
            stoppedUnasked = false;
        }
        if (waitingLane == null || waitingLane.isShutdown()) {
            waitingLane = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("conveyor-waiting-", 0).factory());
        }
        super.start();
    }

    /**
     * Stops both lanes: JobRunr's pool gets the grace period (JobRunr's own stop), the waiting lane whatever is left
     * of it; then its jobs are interrupted, and JobRunr fails them as "server has stopped" (a hand-back).
     */
    @Override
    public void stop() {
        boolean wasRunning = isRunning();
        long startedAt = System.nanoTime();
        ExecutorService lane = waitingLane;
        if (lane != null) {
            lane.shutdown();
        }
        super.stop();
        if (lane != null) {
            drain(lane, stopGrace.minusNanos(System.nanoTime() - startedAt));
        }
        if (!shutDown && wasRunning) {
            stoppedUnasked = true;
            onStoppedUnasked.run();
        }
    }

    private static void drain(ExecutorService lane, Duration grace) {
        try {
            if (!lane.awaitTermination(Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS)) {
                lane.shutdownNow();
                lane.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            lane.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the server for good, as the worker stops: no restart follows. */
    public void shutDown() {
        shutDown = true;
        stop();
    }

    /** Whether JobRunr stopped the server by itself and it has not been started again yet. */
    public boolean isStoppedUnasked() {
        return stoppedUnasked;
    }

    @Override
    protected JobSteward createJobSteward() {
        return new LaneCountingJobSteward(this);
    }

    /** Called by JobRunr's constructor, after it made the steward. */
    @Override
    protected ConcurrentJobModificationResolver createConcurrentJobModificationResolver() {
        return new EndedRunConflictResolver(this);
    }

    /** JobRunr's own claim asks for nothing: {@link LaneClaim} claims, per lane. The worker count is both lanes'. */
    @Override
    protected WorkDistributionStrategy createWorkDistributionStrategy() {
        return new WorkDistributionStrategy() {
            @Override
            public int getWorkerCount() {
                return computeSlots + waitingSlots;
            }

            @Override
            public AmountRequest getWorkPageRequest() {
                return ascOnUpdatedAt(0);
            }
        };
    }

    /** Runs a claimed job on its lane, unless it is a retry that another worker should take. */
    @Override
    public void processJob(Job job) {
        if (retryElsewhere != null && retryElsewhere.handBack(job)) {
            return;
        }
        attempts.noteStarting(job);
        JobKind lane = LedgerJobRequest.laneOf(job);
        busy(lane).incrementAndGet();
        try {
            if (lane == JobKind.WAITS) {
                waitingLane.execute(BatchingJobPerformer.of(this, job));
            } else {
                super.processJob(job);
            }
        } catch (RuntimeException e) {
            busy(lane).decrementAndGet(); // not started (the server stopping): it stays PROCESSING here and is handed back
            throw e;
        }
    }

    /**
     * Stops the job if it runs here: it becomes DELETED locally (as JobRunr's own resolution of a job deleted while it
     * ran does) and its thread is interrupted; the performer then drops the run without saving a state over the API's
     * DELETED one. The cancel is remembered for a minute, so that a job claimed just before it was cancelled but not
     * started yet is stopped as it starts (a run claimed after the cancel, a retry of the job, is not).
     */
    public void cancelRunning(UUID id) {
        Instant now = Instant.now();
        recentCancels.values().removeIf(at -> at.isBefore(now.minus(REMEMBER_CANCEL)));
        recentCancels.put(id, now);
        JobSteward steward = getJobSteward();
        if (steward == null) {
            return;
        }
        for (Job job : steward.getJobsInProgress()) {
            if (job.getId().equals(id)) {
                stop(job, steward.getThreadProcessingJob(job));
            }
        }
    }

    /**
     * Gives up on a job whose thread does not end (the ledger has it recorded already): it is deleted here only, as a
     * cancelled one is, so that neither its run, should it ever end, nor JobRunr's heartbeat saves it again.
     */
    public void abandon(UUID id, String reason) {
        JobSteward steward = getJobSteward();
        if (steward == null) {
            return;
        }
        for (Job job : steward.getJobsInProgress()) {
            if (job.getId().equals(id)) {
                deleteLocally(job, reason);
            }
        }
    }

    private static void stop(Job job, Thread thread) {
        deleteLocally(job, CANCELLED);
        if (thread != null) {
            thread.interrupt();
        }
    }

    private static void deleteLocally(Job job, String reason) {
        synchronized (job) {
            if (job.getState() == StateName.PROCESSING) {
                job.delete(reason);
            }
        }
    }

    /**
     * Called by the performer when a job's run ended, whatever the outcome: frees its place, and signals unless the
     * writer of its success will claim for that place.
     */
    void jobEnded(Job job) {
        busy(LedgerJobRequest.laneOf(job)).decrementAndGet();
        Turnover claimsWithSuccesses = turnover;
        if (claimsWithSuccesses == null || !claimsWithSuccesses.placeFreed(job)) {
            onWorkerFree.run();
        }
    }

    /** Runs each time a job of this server ends, unless its place is claimed for with its success; set before the server starts. */
    public void onWorkerFree(Runnable listener) {
        this.onWorkerFree = listener;
    }

    /** How many more jobs {@code lane} can take now. */
    int room(JobKind lane) {
        return slots(lane) - busy(lane).get();
    }

    /** How many jobs {@code lane} runs at most. */
    public int slots(JobKind lane) {
        return lane == JobKind.WAITS ? waitingSlots : computeSlots;
    }

    /** How many jobs {@code lane} holds now, from their hand-over to the lane until their performer ended. */
    public int running(JobKind lane) {
        return busy(lane).get();
    }

    private AtomicInteger busy(JobKind lane) {
        return lane == JobKind.WAITS ? waitingBusy : computeBusy;
    }

    /**
     * JobRunr's job steward, except that jobs are counted per lane by the server, from the moment a claimed job is
     * handed to its lane until its performer ends ({@link #jobEnded}), so that two claims in a row never take more
     * jobs than a lane has room for, and that its heartbeat never saves the end of a run. JobRunr's steward still keeps
     * the jobs in progress and updates them periodically.
     */
    private static final class LaneCountingJobSteward extends JobSteward {

        private final ConveyorJobServer server;
        /**
         * Keeps the heartbeat (the steward's periodic run: JobRunr's {@code UpdateJobsInProgressTask} saves the very job
         * objects of the runs in progress, raising their {@code updatedAt}) off the runs that are ending. The heartbeat
         * picks each job ({@code updateProcessing()}, which skips one no longer PROCESSING), runs the election filters
         * and then saves them all; JobRunr locks each job for that save only. A job's thread that changed the state in
         * between (JobRunr's performer: {@code stopProcessing}, then {@code succeeded()} or {@code failed(..)}) had its
         * end saved by the heartbeat, in a transaction of the heartbeat's: a SUCCEEDED parent without the jobs it fanned
         * out, which the {@code SucceededJobsWriter} inserts only in the transaction of its own save of that success,
         * so a worker killed before that transaction lost them for good (the parent, SUCCEEDED, never runs again); a
         * failure elected and saved on the heartbeat's thread while its own thread elected it too.
         *
         * <p>So the heartbeat holds the write lock for its whole run, and a job's thread the read lock while it takes
         * its job off the runs in progress, which it does before it changes the job's state: it waits for a heartbeat
         * that may be saving its job, and a later heartbeat no longer sees it. Job threads share the read lock: they
         * wait only for a heartbeat's save (one per poll interval; while the ledger is unreachable, up to its connection
         * timeout), never for each other. The heartbeat may wait for a ledger connection while it holds the lock; a
         * job's thread holds none while it takes its job off, so the two never wait for each other in a circle.
         */
        private final ReentrantReadWriteLock heartbeat = new ReentrantReadWriteLock();

        LaneCountingJobSteward(ConveyorJobServer server) {
            super(server);
            this.server = server;
        }

        @Override
        public void startProcessing(Job job, Thread thread) {
            super.startProcessing(job, thread);
            Instant cancelledAt = server.recentCancels.get(job.getId());
            if (cancelledAt != null && job.getJobState().getCreatedAt().isBefore(cancelledAt)) {
                stop(job, thread);
            }
        }

        /** The heartbeat, which saves only jobs whose threads have not begun to end them (see {@link #heartbeat}). */
        @Override
        public void run() {
            heartbeat.writeLock().lock();
            try {
                super.run();
            } finally {
                heartbeat.writeLock().unlock();
            }
        }

        /** Takes the job off the runs in progress once no heartbeat is saving it; its thread then changes its state. */
        @Override
        public void stopProcessing(Job job) {
            heartbeat.readLock().lock();
            try {
                super.stopProcessing(job);
            } finally {
                heartbeat.readLock().unlock();
            }
        }

        @Override
        public int getOccupiedWorkerCount() {
            return server.computeBusy.get() + server.waitingBusy.get();
        }

        @Override
        public void notifyThreadOccupied() {
            // counted when the job was handed to its lane (processJob)
        }

        @Override
        public void notifyThreadIdle() {
            // counted down when the performer ended (jobEnded)
        }
    }
}
