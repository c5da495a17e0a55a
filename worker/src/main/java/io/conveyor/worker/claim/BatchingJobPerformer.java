package io.conveyor.worker.claim;

import io.conveyor.worker.run.JobLogContext;
import io.conveyor.worker.ledger.SucceededJobsWriter;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.JobPerformingFilters;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobPerformer;
import org.jobrunr.server.BackgroundJobPerformerFactory;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.jobrunr.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * JobRunr's job performer, except that a SUCCEEDED state goes to the worker's {@link SucceededJobsWriter} (one
 * transaction per batch) instead of being saved on the job's thread (one transaction per job). Every other state
 * change is saved as JobRunr saves it, and tried again while the ledger refuses it.
 */
public final class BatchingJobPerformer extends BackgroundJobPerformer {

    private static final Logger LOGGER = LoggerFactory.getLogger(BatchingJobPerformer.class);
    /** How long a refused state change is tried again before it is left to JobRunr's orphan check. */
    private static final Duration SAVE_TRIES = Duration.ofSeconds(15);
    private static final Duration SAVE_PAUSE = Duration.ofMillis(250);

    private final ConveyorJobServer server;

    private final Job job;

    private BatchingJobPerformer(ConveyorJobServer server, Job job) {
        super(server, job);
        this.server = server;
        this.job = job;
    }

    static BatchingJobPerformer of(ConveyorJobServer server, Job job) {
        return new BatchingJobPerformer(server, job);
    }

    /** Runs the job as JobRunr does, then clears the job from the thread's logging context and frees its place on its lane. */
    @Override
    public void run() {
        try {
            super.run();
        } finally {
            JobLogContext.clear();
            server.jobEnded(job);
        }
    }

    /**
     * Elects the job's next state first, then saves as JobRunr does (or queues a success). The election runs here, not
     * only in JobRunr's filters, because JobRunr elects only while the job "has a state change", and its heartbeat of
     * running jobs (the steward's update task, on another thread) can take that change for its own filters while the
     * job thread records the attempt's end: JobRunr then elects nothing, and a failed attempt stayed FAILED instead of
     * being retried (seen once in `RetriesAndEventsIT`, a job that failed as its worker's first heartbeat ran). A second
     * election by JobRunr is a no-op: the state is no longer the one elected from.
     */
    @Override
    protected void saveAndRunStateRelatedJobFilters(Job job) {
        server.election().onStateElection(job, job.getJobState());
        if (!job.hasState(StateName.SUCCEEDED)) {
            saveTryingAgain(job);
            return;
        }
        new JobPerformingFilters(job, server.getJobFilters()).runOnStateElectionFilter();
        server.queueSuccess(job);
    }

    /**
     * Saves as JobRunr does, trying again for up to {@link #SAVE_TRIES} while the ledger refuses (a terminated session,
     * a moment's outage). JobRunr logs a refused save and goes on: the job then stayed PROCESSING on a worker that no
     * longer ran it, until JobRunr's orphan check took it 20 to 30 s later and counted one more attempt (seen in
     * {@code ChaosIT}). A save that lost to someone else's change is not tried again: that change stands.
     */
    private void saveTryingAgain(Job job) {
        long deadline = System.nanoTime() + SAVE_TRIES.toNanos();
        while (true) {
            try {
                super.saveAndRunStateRelatedJobFilters(job);
                return;
            } catch (ConcurrentJobModificationException e) {
                throw e;
            } catch (StorageException e) {
                if (System.nanoTime() - deadline > 0 || !pause()) {
                    throw e;
                }
                LOGGER.warn("the ledger refused the {} state of job {}; trying again: {}", job.getState(), job.getId(), e.toString());
            }
        }
    }

    /** False if interrupted meanwhile (the worker is stopping): the save is then given up as JobRunr would. */
    private static boolean pause() {
        try {
            Thread.sleep(SAVE_PAUSE);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Found by JobRunr through {@link java.util.ServiceLoader} (its extension point for performers). Only Conveyor's
     * job servers get the batching performer; any other JobRunr server in the same JVM keeps JobRunr's own.
     */
    public static final class Factory implements BackgroundJobPerformerFactory {

        /** Above JobRunr's built-in factory (10). */
        @Override
        public int getPriority() {
            return 100;
        }

        @Override
        public BackgroundJobPerformer newBackgroundJobPerformer(BackgroundJobServer server, Job job) {
            return server instanceof ConveyorJobServer conveyor
                    ? new BatchingJobPerformer(conveyor, job)
                    : new BackgroundJobPerformer(server, job);
        }
    }
}
