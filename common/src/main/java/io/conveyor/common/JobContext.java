package io.conveyor.common;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.UUID;

/**
 * What a {@link JobHandler} knows about the job it runs, and the worker's per-core pool for the job's own data work.
 */
public interface JobContext {

    UUID jobId();

    String type();

    /** 1 for the first run, 2 for the first retry, and so on. */
    int attempt();

    ObjectNode payload();

    /** The worker's compute pool, sized to its cores, for CPU-bound work inside this job. */
    ComputePool compute();
}
