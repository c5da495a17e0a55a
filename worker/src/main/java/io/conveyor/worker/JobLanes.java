package io.conveyor.worker;

import io.conveyor.worker.run.HandlerRegistry;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.utils.JobUtils;

import java.util.Map;

/**
 * Which lane a job runs on, and how the ledger tells: a job's lane is fixed when intake writes it, by the JobRunr handler
 * class its request names ({@link JobDispatcher} for compute jobs, {@link WaitingJobDispatcher} for waiting ones), so
 * that the ledger's job signature column says the lane and a claim can ask for each lane's jobs alone. Both run the
 * job through the same dispatcher.
 */
public final class JobLanes {

    private final HandlerRegistry registry;
    private final Map<String, JobKind> overrides;

    /** @param overrides kinds set per type by the worker's settings, over the handlers' own */
    public JobLanes(HandlerRegistry registry, Map<String, JobKind> overrides) {
        this.registry = registry;
        this.overrides = Map.copyOf(overrides);
    }

    /** The kind of a job type: the setting's, else its handler's, else {@link JobKind#COMPUTE} (an unknown type fails at once anyway). */
    public JobKind kindOf(String type) {
        JobKind set = overrides.get(type);
        return set != null ? set : registry.find(type).map(JobHandler::kind).orElse(JobKind.COMPUTE);
    }

    /** The lane a claimed job was written for. */
    public static JobKind laneOf(Job job) {
        return WaitingJobDispatcher.class.getName().equals(job.getJobDetails().getClassName()) ? JobKind.WAITS : JobKind.COMPUTE;
    }

    /** The JobRunr handler class that marks a lane. */
    public static Class<? extends JobRequestHandler<LedgerJobRequest>> handlerOf(JobKind lane) {
        return lane == JobKind.WAITS ? WaitingJobDispatcher.class : JobDispatcher.class;
    }

    /** The ledger's job signature of a lane's jobs. */
    public static String signature(JobKind lane) {
        return JobUtils.getJobSignature(new JobDetails(new LedgerJobRequest("signature", "{}", null, null, lane)));
    }
}
