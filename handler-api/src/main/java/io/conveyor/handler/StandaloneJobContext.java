package io.conveyor.handler;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.UUID;

/**
 * A job context for running a handler outside a worker's job server, as the compute benchmark and handler tests do:
 * no ledger, a fresh job id, and the latest progress report kept for the caller to read.
 */
public final class StandaloneJobContext implements JobContext {

    private final UUID jobId = UUID.randomUUID();
    private final String type;
    private final int attempt;
    private final ObjectNode payload;
    private final ComputePool compute;
    private final DataRoot data;
    private long done = -1;
    private long total = -1;

    /** The first attempt of a job. */
    public StandaloneJobContext(String type, ObjectNode payload, ComputePool compute, DataRoot data) {
        this(type, 1, payload, compute, data);
    }

    public StandaloneJobContext(String type, int attempt, ObjectNode payload, ComputePool compute, DataRoot data) {
        this.type = type;
        this.attempt = attempt;
        this.payload = payload;
        this.compute = compute;
        this.data = data;
    }

    @Override
    public UUID jobId() {
        return jobId;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public ObjectNode payload() {
        return payload;
    }

    @Override
    public ComputePool compute() {
        return compute;
    }

    @Override
    public DataRoot data() {
        return data;
    }

    @Override
    public synchronized void progress(long done, long total) {
        if (done < 0 || total < 0) {
            throw new IllegalArgumentException("progress must be 0 or more, was " + done + " of " + total);
        }
        if (total != this.total || done > this.done) {
            this.done = Math.min(done, total);
            this.total = total;
        }
    }

    /** The latest progress reported: {@code done} units, or -1 before any report. */
    public synchronized long progressDone() {
        return done;
    }

    /** The total of the latest progress report, or -1 before any report. */
    public synchronized long progressTotal() {
        return total;
    }
}
