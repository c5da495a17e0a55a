package io.conveyor.worker.claim;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.concurrent.ConcurrentJobModificationResolveResult;
import org.jobrunr.server.concurrent.ConcurrentJobModificationResolver;
import org.jobrunr.server.concurrent.DefaultConcurrentJobModificationResolver;
import org.jobrunr.server.concurrent.UnresolvableConcurrentJobModificationException;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * JobRunr's resolver of a save by one of the server's tasks that lost to a newer version of the job, which also accepts
 * a loss to the job's own end: the local job has left PROCESSING and its last run was on this server.
 *
 * <p>That is JobRunr's periodic update of running jobs (the steward's {@code UpdateJobsInProgressTask}, every poll
 * interval) racing with a run that ended while it saved: it picked the job while it ran, and saves that very object,
 * which was ended meanwhile and its end saved by whoever ended it. Both raise the object's version, and whichever of
 * the two UPDATEs comes second finds the row changed. When the heartbeat is second, JobRunr's default resolver accepts
 * none of the pairs of a job's own end (SUCCEEDED here and in the ledger it takes for a job run twice), so the task
 * failed with a "problematic exception", counted towards the few after which JobRunr stops the whole job server. Yet
 * nothing is lost: the heartbeat only refreshes a running job's {@code updatedAt} and progress, and the end is recorded
 * by whoever ended the run, which deals with its own conflicts. So the ledger's newer version stands, and JobRunr's
 * default still decides every other conflict, a job running here among them.
 *
 * <p>A job's own thread no longer ends its run while the heartbeat saves it: the steward keeps the two apart, so that
 * the heartbeat never saves an end itself (see {@code ConveyorJobServer}'s steward). What is left here is a run ended
 * in memory by another thread of this worker, after the ledger recorded its end: a stuck run abandoned
 * ({@link ConveyorJobServer#abandon}).
 */
final class EndedRunConflictResolver implements ConcurrentJobModificationResolver {

    private static final Logger LOGGER = LoggerFactory.getLogger(EndedRunConflictResolver.class);

    private final DefaultConcurrentJobModificationResolver jobRunrs;
    private final UUID serverId;

    /** Made while JobRunr constructs {@code server}: uses only what JobRunr's constructor set before (its steward, storage and id). */
    EndedRunConflictResolver(BackgroundJobServer server) {
        this.jobRunrs = new DefaultConcurrentJobModificationResolver(server);
        this.serverId = server.getId();
    }

    @Override
    public void resolve(ConcurrentJobModificationException e) {
        List<ConcurrentJobModificationResolveResult> notAccepted = e.getConcurrentUpdatedJobs().stream()
                .map(jobRunrs::resolve)
                .filter(ConcurrentJobModificationResolveResult::failed)
                .toList();
        List<ConcurrentJobModificationResolveResult> unresolved = notAccepted.stream().filter(result -> !endedHere(result.getLocalJob())).toList();
        if (unresolved.size() < notAccepted.size()) {
            LOGGER.debug("{} jobs ended while JobRunr's update of running jobs saved them; the ledger's newer versions stand",
                    notAccepted.size() - unresolved.size());
        }
        if (!unresolved.isEmpty()) {
            throw new UnresolvableConcurrentJobModificationException(unresolved, e);
        }
    }

    private boolean endedHere(Job job) {
        return !job.hasState(StateName.PROCESSING)
                && job.getLastJobStateOfType(ProcessingState.class).map(run -> run.getServerId().equals(serverId)).orElse(false);
    }
}
