package io.conveyor.worker;

import io.conveyor.worker.retry.RetryElsewhere;
import org.jobrunr.jobs.Job;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.server.JobSteward;
import org.jobrunr.server.tasks.steward.OnboardNewWorkTask;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;


/**
 * JobRunr's background job server, extended through its public and protected extension points:
 * <ul>
 * <li>claim enqueued jobs now rather than at the next poll (JobRunr polls SQL storage at most every 5 s), through
 * JobRunr's own task ({@link OnboardNewWorkTask}: {@code FOR UPDATE SKIP LOCKED}, the server's free worker count,
 * its lock), so its guarantees hold;</li>
 * <li>look at each claimed job before it runs: hand a retry back if another worker should take it, and note which
 * attempt this is for the handler.</li>
 * </ul>
 */
public final class ConveyorJobServer extends BackgroundJobServer {

    private final Attempts attempts;
    private volatile RetryElsewhere retryElsewhere;

    ConveyorJobServer(StorageProvider storageProvider, JsonMapper jsonMapper, JobActivator jobActivator,
                      BackgroundJobServerConfiguration configuration, Attempts attempts) {
        super(storageProvider, jsonMapper, jobActivator, configuration);
        this.attempts = attempts;
    }

    void useRetryElsewhere(RetryElsewhere retryElsewhere) {
        this.retryElsewhere = retryElsewhere;
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
        super.processJob(job);
    }

    /** Claims as many enqueued jobs as this server has free workers; a no-op while another claim runs. */
    public void claimNow() {
        ((ClaimingJobSteward) getJobSteward()).claimNow();
    }

    /** How many of this server's workers are free. */
    public int freeWorkers() {
        return getWorkDistributionStrategy().getWorkerCount() - getJobSteward().getOccupiedWorkerCount();
    }

    private static final class ClaimingJobSteward extends JobSteward {

        ClaimingJobSteward(BackgroundJobServer server) {
            super(server);
        }

        void claimNow() {
            getTaskOfType(OnboardNewWorkTask.class).runTaskThreadSafe();
        }
    }
}
