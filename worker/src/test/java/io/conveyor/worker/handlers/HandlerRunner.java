package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.DataRoot;
import io.conveyor.handler.JobHandler;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.handler.ForkJoinComputePool;
import io.conveyor.handler.StandaloneJobContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Runs handlers as a worker would, on a compute pool of its own and a data root in a test's directory, and remembers
 * the last run's context so a test can read the progress it reported.
 */
final class HandlerRunner implements AutoCloseable {

    private final ForkJoinComputePool pool;
    private final DataRoot data;
    private StandaloneJobContext lastContext;

    HandlerRunner(Path dataDir, int threads) {
        this.pool = new ForkJoinComputePool(threads);
        try {
            this.data = DataRoot.open(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static HandlerRunner on(Path dataDir) {
        return new HandlerRunner(dataDir, 3);
    }

    JsonNode run(JobHandler handler, String payloadJson) throws Exception {
        return run(handler, (ObjectNode) JobSubmissionJson.MAPPER.readTree(payloadJson));
    }

    JsonNode run(JobHandler handler, ObjectNode payload) throws Exception {
        return run(handler, 1, payload);
    }

    JsonNode run(JobHandler handler, int attempt, ObjectNode payload) throws Exception {
        lastContext = new StandaloneJobContext(handler.type(), attempt, payload, pool, data);
        return handler.handle(lastContext);
    }

    /** The context of the last run: its progress. */
    StandaloneJobContext lastContext() {
        return lastContext;
    }

    DataRoot data() {
        return data;
    }

    @Override
    public void close() {
        pool.close();
    }
}
