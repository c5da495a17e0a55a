package io.conveyor.worker.run;

import io.conveyor.handler.JobHandler;
import io.conveyor.handler.JobKind;

import java.util.Map;

/**
 * Which lane a job type runs on: the kind the worker's settings give it, else the one its handler says. Intake asks
 * when it writes a job, and the lane is fixed from then on (see {@code LedgerJobRequest.laneOf}).
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
}
