package io.conveyor.handler;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.UUID;

/**
 * What a {@link JobHandler} knows about the job it runs, and what the worker lends it: the per-core compute pool, the
 * data root for files, and a way to report progress.
 */
public interface JobContext {

    UUID jobId();

    String type();

    /** 1 for the first run, 2 for the first retry, and so on. */
    int attempt();

    ObjectNode payload();

    /** The worker's compute pool, sized to its cores, for CPU-bound work inside this job. */
    ComputePool compute();

    /** The worker's data root ({@code CONVEYOR_DATA_DIR}): the only place a job reads or writes files. */
    DataRoot data();

    /**
     * Reports that this attempt has done {@code done} of {@code total} units of work (files, bytes, numbers: the
     * handler's choice). Shown as the job's progress bar on the dashboard and as {@code progress} in
     * {@code GET /jobs/{id}}. Thread-safe and cheap: call it from compute tasks as work finishes (per file or per chunk,
     * not per byte); the worker keeps the latest report and forwards it a few times a second at most.
     *
     * @param done  0 or more; a smaller count than the last one for the same total is ignored (reports may race)
     * @param total 0 or more
     */
    void progress(long done, long total);

    /**
     * The members of the batch this job completes ({@code "then"} of {@code POST /batches}), in id order: each one's
     * id, state and result. Read from the ledger a page at a time as the iteration goes, so a batch of 100,000 members
     * never holds 100,000 results in memory; iterate it again to read it again.
     *
     * @throws IllegalStateException if this job is not a batch's completion job
     */
    default Iterable<BatchMember> batch() {
        throw new IllegalStateException("job " + jobId() + " is not a batch's completion job: only the \"then\" job of POST /batches has a batch");
    }

    /**
     * Submits {@code children} as a batch whose completion job is {@code then}, together with this job's success: they
     * are written to the ledger in the very transaction that records this job SUCCEEDED, and only if it does. An
     * attempt that fails, or whose worker dies before its success is written, submits nothing; the next attempt
     * submits them then (under the same ids, derived from this job's id and each child's index), so at-least-once for
     * this job never makes its children twice. {@code then} runs once every child succeeded (reading them through its
     * own {@link #batch()}), or ends DELETED naming the child that failed for good; {@code GET /jobs/{id}} of this job
     * shows the continuation's state and result (see the README).
     * <p>
     * Call it at most once per attempt, with 1 to {@link FanOut#MAX_CHILDREN} children.
     *
     * @return the ids the children, their batch and {@code then} will have
     * @throws IllegalStateException if this attempt fanned out already, or this context cannot submit jobs
     */
    default FanOut fanOut(List<ChildJob> children, ChildJob then) {
        throw new IllegalStateException("job " + jobId() + " runs where it cannot submit jobs");
    }

    /** A thread-safe counter of done units that reports each new count through {@link #progress(long, long)}. */
    default ProgressCounter progressCounter(long total) {
        return new ProgressCounter(this, total);
    }
}
