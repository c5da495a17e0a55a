package io.conveyor.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.ComputePool;
import io.conveyor.common.JobContext;
import io.conveyor.common.JobHandler;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.NonRetryableJobException;
import org.jobrunr.JobRunrException;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.server.runner.ThreadLocalJobContext;

import java.io.IOException;
import java.util.UUID;

/**
 * Runs a ledger job: JobRunr calls it with the job's request, and it hands the job to the handler registered for
 * its type. Failures a retry cannot fix (unknown type, unreadable payload, {@link NonRetryableJobException}) are
 * turned into JobRunr's "do not retry" failure so the job ends FAILED at once.
 */
public final class JobDispatcher implements JobRequestHandler<LedgerJobRequest> {

    static final String UNKNOWN_TYPE = "unknown job type";

    private final HandlerRegistry registry;
    private final ComputePool computePool;
    private final JobResults results;
    private final Attempts attempts;
    private final FatalJobErrors fatalErrors;

    JobDispatcher(HandlerRegistry registry, ComputePool computePool, JobResults results, Attempts attempts, FatalJobErrors fatalErrors) {
        this.registry = registry;
        this.computePool = computePool;
        this.results = results;
        this.attempts = attempts;
        this.fatalErrors = fatalErrors;
    }

    @Override
    public void run(LedgerJobRequest request) throws Exception {
        org.jobrunr.jobs.context.JobContext jobRunrContext = ThreadLocalJobContext.getJobContext();
        int attempt = attempts.take(jobRunrContext.getJobId());
        JobHandler handler = registry.find(request.type())
                .orElseThrow(() -> doNotRetry(UNKNOWN_TYPE + " '" + request.type() + "': no handler is registered for it on this worker", null));
        Context context = new Context(jobRunrContext.getJobId(), request.type(), attempt, parsePayload(request.payload()), computePool);
        JsonNode result;
        try {
            result = handler.handle(context);
        } catch (NonRetryableJobException e) {
            throw doNotRetry(e.getMessage(), e);
        } catch (VirtualMachineError e) {
            fatalErrors.jobKilledWorker(context.jobId(), e); // exits the process
            throw e;
        }
        if (result != null && !result.isNull()) {
            results.hold(context.jobId(), JobSubmissionJson.MAPPER.writeValueAsString(result));
        }
    }

    private static ObjectNode parsePayload(String payload) {
        try {
            JsonNode node = JobSubmissionJson.MAPPER.readTree(payload == null ? "{}" : payload);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            throw doNotRetry("payload is not valid JSON: " + e.getMessage(), e);
        }
        throw doNotRetry("payload must be a JSON object", null);
    }

    private static JobRunrException doNotRetry(String message, Throwable cause) {
        return new JobRunrException(message, true, cause);
    }

    private record Context(UUID jobId, String type, int attempt, ObjectNode payload, ComputePool compute) implements JobContext {
    }
}
