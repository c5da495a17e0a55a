package io.conveyor.worker.claim;

import io.conveyor.worker.ledger.SucceededJobsWriter;
import io.conveyor.worker.run.Attempts;
import io.conveyor.worker.retry.RetryElsewhere;
import org.jobrunr.jobs.Job;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.server.JobSteward;
import org.jobrunr.server.tasks.steward.OnboardNewWorkTask;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;

import java.util.concurrent.atomic.AtomicInteger;


/**
 * JobRunr's background job server, extended through its public and protected extension points:
 * <ul>
 * <li>claim enqueued jobs now rather than at the next poll (JobRunr polls SQL storage at most every 5 s), through
 * JobRunr's own task ({@link OnboardNewWorkTask}: {@code FOR UPDATE SKIP LOCKED}, the server's free worker count,
 * its lock), so its guarantees hold;</li>
 * <li>look at each claimed job before it runs: hand a retry back if another worker should take it, and note which
 * attempt this is for the handler;</li>
 * <li>record succeeded jobs in batches ({@link BatchingJobPerformer});</li>
 * <li>tell a stop that Conveyor asked for ({@link #shutDown()}) from one JobRunr decided on by itself: its server
 * zookeeper stops the server at the first heartbeat that fails, e.g. while the ledger database is unreachable, and
 * never starts it again ({@code process.JobServerKeeper} does).</li>
 * </ul>
 */
public final class ConveyorJobServer extends BackgroundJobServer {

    private final Attempts attempts;
    private volatile RetryElsewhere retryElsewhere;
    private volatile SucceededJobsWriter succeededJobsWriter;
    private volatile Runnable onStoppedUnasked = () -> { };
    private volatile Runnable beforeRestart = () -> { };
    private volatile boolean shutDown;
    /** Set when JobRunr stopped the server by itself; cleared once a restart prepared for it. */
    private volatile boolean stoppedUnasked;

    public ConveyorJobServer(StorageProvider storageProvider, JsonMapper jsonMapper, JobActivator jobActivator,
                      BackgroundJobServerConfiguration configuration, Attempts attempts) {
        super(storageProvider, jsonMapper, jobActivator, configuration);
        this.attempts = attempts;
    }

    public void useRetryElsewhere(RetryElsewhere retryElsewhere) {
        this.retryElsewhere = retryElsewhere;
    }

    /** Records succeeded jobs in batches (see {@link BatchingJobPerformer}); set before the server starts. */
    public void useSucceededJobsWriter(SucceededJobsWriter writer) {
        this.succeededJobsWriter = writer;
    }

    SucceededJobsWriter succeededJobsWriter() {
        return succeededJobsWriter;
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
        super.start();
    }

    @Override
    public void stop() {
        boolean wasRunning = isRunning();
        super.stop();
        if (!shutDown && wasRunning) {
            stoppedUnasked = true;
            onStoppedUnasked.run();
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
        return new ClaimingJobSteward(this);
    }

    @Override
    public void processJob(Job job) {
        if (retryElsewhere != null && retryElsewhere.handBack(job)) {
            return;
        }
        attempts.noteStarting(job);
        steward().jobHandedToWorker();
        super.processJob(job);
    }

    /** Runs each time one of this server's workers becomes free; set before the server starts. */
    public void onWorkerFree(Runnable listener) {
        steward().onWorkerFree = listener;
    }

    private ClaimingJobSteward steward() {
        return (ClaimingJobSteward) getJobSteward();
    }

    /** Claims as many enqueued jobs as this server has free workers; a no-op while another claim runs. */
    public void claimNow() {
        steward().claimNow();
    }

    /** How many of this server's workers are free. */
    public int freeWorkers() {
        return getWorkDistributionStrategy().getWorkerCount() - getJobSteward().getOccupiedWorkerCount();
    }

    /**
     * JobRunr's job steward, except that a worker thread that becomes free does not claim work itself: JobRunr lets it
     * try the claim lock and gives up if another claim holds it, and short jobs then finish while that claim is still
     * running, leaving every worker idle with jobs waiting until the next poll. Here a free worker signals the one
     * claim thread ({@link ClaimTrigger}), which coalesces signals and never drops one. Workers are counted as busy
     * from the moment a claimed job is handed to the executor, so that two claims in a row never take more jobs than
     * there are workers.
     */
    private static final class ClaimingJobSteward extends JobSteward {

        private final AtomicInteger busyWorkers = new AtomicInteger();
        private volatile Runnable onWorkerFree = () -> { };

        ClaimingJobSteward(BackgroundJobServer server) {
            super(server);
        }

        void claimNow() {
            getTaskOfType(OnboardNewWorkTask.class).runTaskThreadSafe();
        }

        void jobHandedToWorker() {
            busyWorkers.incrementAndGet();
        }

        @Override
        public int getOccupiedWorkerCount() {
            return busyWorkers.get();
        }

        @Override
        public void notifyThreadOccupied() {
            // counted when the job was handed to the executor (jobHandedToWorker)
        }

        @Override
        public void notifyThreadIdle() {
            busyWorkers.decrementAndGet();
            onWorkerFree.run();
        }
    }
}
