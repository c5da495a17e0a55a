package io.conveyor.worker;

import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.server.JobSteward;
import org.jobrunr.server.tasks.steward.OnboardNewWorkTask;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;

/**
 * JobRunr's background job server, extended through its protected factory method with one ability: claim
 * enqueued jobs now rather than at the next poll (JobRunr polls SQL storage at most every 5 s).
 * The claim goes through JobRunr's own task ({@link OnboardNewWorkTask}: {@code FOR UPDATE SKIP LOCKED}, the
 * server's free worker count, its lock), so its guarantees hold.
 */
public final class ConveyorJobServer extends BackgroundJobServer {

    public ConveyorJobServer(StorageProvider storageProvider, JsonMapper jsonMapper, JobActivator jobActivator,
                             BackgroundJobServerConfiguration configuration) {
        super(storageProvider, jsonMapper, jobActivator, configuration);
    }

    @Override
    protected JobSteward createJobSteward() {
        return new ClaimingJobSteward(this);
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
