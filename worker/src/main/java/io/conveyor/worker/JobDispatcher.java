package io.conveyor.worker;

import io.conveyor.worker.ledger.JobResults;
import io.conveyor.worker.run.Attempts;
import io.conveyor.worker.run.FanOutPlan;
import io.conveyor.worker.run.FatalJobErrors;
import io.conveyor.worker.run.HandlerRegistry;
import io.conveyor.worker.run.JobLogContext;
import io.conveyor.worker.run.JobProgress;
import io.conveyor.worker.run.ProgressListener;
import io.conveyor.worker.run.JobTimeouts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.ComputePool;
import io.conveyor.handler.DataRoot;
import io.conveyor.handler.BatchMember;
import io.conveyor.handler.ChildJob;
import io.conveyor.handler.FanOut;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.handler.NonRetryableJobException;
import org.jobrunr.JobRunrException;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.server.runner.ThreadLocalJobContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a ledger job: JobRunr calls it with the job's request, and it hands the job to the handler registered for
 * its type. Failures a retry cannot fix (unknown type, unreadable payload, {@link NonRetryableJobException}) are
 * turned into JobRunr's "do not retry" failure so the job ends FAILED at once; so is a result over
 * {@link JobHandler#MAX_RESULT_BYTES}. An attempt that runs past its timeout (the submission's, else its type's) fails as
 * timed out, whatever the handler did after the interrupt.
 */
public final class JobDispatcher implements JobRequestHandler<LedgerJobRequest> {

    static final String UNKNOWN_TYPE = "unknown job type";

    private final HandlerRegistry registry;
    private final ComputePool computePool;
    private final DataRoot dataRoot;
    private final JobResults results;
    private final Attempts attempts;
    private final FatalJobErrors fatalErrors;
    private final ProgressListener progressListener;
    private final JobTimeouts timeouts;
    private final Function<UUID, Iterable<BatchMember>> batchMembers;
    private final Consumer<FanOutPlan> fanOuts;

    public JobDispatcher(HandlerRegistry registry, ComputePool computePool, DataRoot dataRoot, JobResults results, Attempts attempts,
                  FatalJobErrors fatalErrors, JobTimeouts timeouts, ProgressListener progressListener) {
        this(registry, computePool, dataRoot, results, attempts, fatalErrors, timeouts, progressListener, batch -> {
            throw new IllegalStateException("this worker reads no batches");
        }, plan -> {
            throw new IllegalStateException("this worker writes no fan-outs");
        });
    }

    /**
     * @param batchMembers the members of a batch, for its completion job's {@link JobContext#batch()}
     * @param fanOuts      takes the jobs an attempt fanned out, once its handler returned, to be written with its success
     */
    public JobDispatcher(HandlerRegistry registry, ComputePool computePool, DataRoot dataRoot, JobResults results, Attempts attempts,
                  FatalJobErrors fatalErrors, JobTimeouts timeouts, ProgressListener progressListener,
                  Function<UUID, Iterable<BatchMember>> batchMembers, Consumer<FanOutPlan> fanOuts) {
        this.batchMembers = batchMembers;
        this.fanOuts = fanOuts;
        this.progressListener = progressListener;
        this.registry = registry;
        this.computePool = computePool;
        this.dataRoot = dataRoot;
        this.results = results;
        this.attempts = attempts;
        this.fatalErrors = fatalErrors;
        this.timeouts = timeouts;
    }

    @Override
    public void run(LedgerJobRequest request) throws Exception {
        org.jobrunr.jobs.context.JobContext jobRunrContext = ThreadLocalJobContext.getJobContext();
        int attempt = attempts.take(jobRunrContext.getJobId());
        JobLogContext.put(jobRunrContext.getJobId(), request.type(), attempt);
        JobHandler handler = registry.find(request.type())
                .orElseThrow(() -> doNotRetry(UNKNOWN_TYPE + " '" + request.type() + "': no handler is registered for it on this worker", null));
        JobProgress progress = new JobProgress(jobRunrContext, request.type(), attempt, progressListener, System::nanoTime);
        Context context = new Context(jobRunrContext.getJobId(), request.type(), attempt,
                parsePayload(request.payload()), computePool, dataRoot, progress,
                request.completesBatch() == null ? null : batchMembers.apply(UUID.fromString(request.completesBatch())), new AtomicReference<>());
        JobTimeouts.Run run = timeouts.start(context.jobId(), request.timeout().orElseGet(handler::timeout));
        JsonNode result;
        fatalErrors.started(context.jobId());
        try {
            result = handler.handle(context);
        } catch (VirtualMachineError e) {
            fatalErrors.jobKilledWorker(context.jobId(), e); // exits the process
            throw e;
        } catch (Exception e) {
            if (run.end()) {
                throw run.failure();
            }
            throw e instanceof NonRetryableJobException nonRetryable ? doNotRetry(nonRetryable.getMessage(), nonRetryable) : e;
        } finally {
            fatalErrors.ended();
            run.end();
            progress.flush();
        }
        if (run.end()) {
            throw run.failure(); // it swallowed the interrupt and finished late: the attempt still ran past its time
        }
        String json = result == null || result.isNull() ? null : resultJson(result);
        FanOutPlan fanOut = context.fanOut().get();
        if (fanOut != null) {
            fanOuts.accept(fanOut); // written with the success, in its transaction
        }
        if (json != null) {
            results.hold(context.jobId(), json);
        }
    }

    /** The result as JSON text, refused when over the cap: running the job again would give the same result. */
    static String resultJson(JsonNode result) throws IOException {
        String json = JobSubmissionJson.MAPPER.writeValueAsString(result);
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > JobHandler.MAX_RESULT_BYTES) {
            throw doNotRetry("the handler's result is " + bytes + " bytes of JSON, over the cap of " + JobHandler.MAX_RESULT_BYTES
                    + " bytes; return a summary and write bulky output to a file under the data root", null);
        }
        return json;
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

    private record Context(UUID jobId, String type, int attempt, ObjectNode payload, ComputePool compute, DataRoot data,
                           JobProgress jobProgress, Iterable<BatchMember> members, AtomicReference<FanOutPlan> fanOut) implements JobContext {
        @Override
        public void progress(long done, long total) {
            jobProgress.report(done, total);
        }

        @Override
        public Iterable<BatchMember> batch() {
            return members == null ? JobContext.super.batch() : members;
        }

        @Override
        public FanOut fanOut(List<ChildJob> children, ChildJob then) {
            FanOutPlan plan = FanOutPlan.of(jobId, children, then, Instant.now());
            if (!fanOut.compareAndSet(null, plan)) {
                throw new IllegalStateException("job " + jobId + " fanned out already in this attempt: call fanOut once, with every child");
            }
            return plan.fanOut();
        }
    }
}
