package io.conveyor.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.BatchCompletion;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.http.Context;
import io.javalin.http.Header;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /batches}: a batch of jobs and the job that completes it, up to {@code CONVEYOR_BATCH_MEMBERS_LIMIT}
 * members (100,000 by default) in a body of up to {@code CONVEYOR_BATCH_MAX_BODY_BYTES}, which is never held in memory
 * whole. {@link BatchBodyReader} streams the body; each member is checked as it comes and kept in a temporary file
 * ({@link MemberSpill}), marked with the batch's id. Only once the whole body proved valid (a {@code 422} names the
 * member's index, or {@code then}; nothing is sent) do the members go to Kafka, {@value #CHUNK_MEMBERS} at a time, each
 * chunk acknowledged before the next is read back; and only once Kafka acknowledged every member the completion job,
 * marked with the batch's size and {@code thenWhen}: an API killed in between leaves members without a completion job,
 * never a completion job whose batch lacks members. The answer, {@code 202} once Kafka holds them all, lists the
 * members' ids as they are read back from the file. The ledger does the rest (the worker's {@code BatchLedger}).
 */
final class BatchSubmissions {

    /** Members per round trip to Kafka. */
    static final int CHUNK_MEMBERS = 1000;
    /** ... and at most this many bytes of records, past a chunk's first member: what one chunk may hold in memory. */
    static final long CHUNK_BYTES = 4L * 1024 * 1024;

    private final JobIds ids;
    private final JobSubmitter submitter;
    private final Clock clock;
    private final BatchBodyReader bodies;
    private final ApiMetrics metrics;
    private final UnknownTypeCheck unknownTypes;
    private final PendingSubmissions pending;
    private final long heldBytes;

    /** @param unknownTypes the door's check of a type against those the fleet announced; null: every type goes through */
    BatchSubmissions(ApiSettings settings, JobIds ids, JobSubmitter submitter, Clock clock, ApiMetrics metrics, UnknownTypeCheck unknownTypes) {
        this.ids = ids;
        this.submitter = submitter;
        this.clock = clock;
        this.metrics = metrics;
        this.unknownTypes = unknownTypes;
        this.bodies = new BatchBodyReader(settings.batchMaxBodyBytes(), settings.maxBodyBytes(), settings.batchMembersLimit());
        // What a batch holds in memory while it waits for Kafka is one chunk and one member, whatever its body's size.
        this.heldBytes = CHUNK_BYTES + settings.maxBodyBytes();
        this.pending = new PendingSubmissions(settings.maxPendingBytes(), heldBytes);
    }

    void submit(Context ctx) {
        long length = ctx.contentLength();
        try (PendingSubmissions.Admission admitted = pending.admit(length < 0 ? -1 : Math.min(length, heldBytes))) {
            submitAdmitted(ctx);
        }
    }

    private void submitAdmitted(Context ctx) {
        UUID batch = ids.next();
        Instant acceptedAt = clock.instant();
        try (MemberSpill members = MemberSpill.create()) {
            JobSubmission then;
            try {
                BatchBodyReader.Batch body = bodies.read(ctx.req().getInputStream(), ctx.req().getContentLengthLong(),
                        (index, member) -> members.add(job(member, acceptedAt).inBatch(batch)));
                then = then(body, batch, acceptedAt);
            } catch (IOException e) {
                metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.REFUSED, 1);
                throw new ProblemException(Problem.status(400, "the request body could not be read: " + e.getMessage()));
            } catch (RuntimeException e) {
                metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.REFUSED, 1);
                throw e;
            }
            try {
                send(members, acceptedAt);
                submitter.submit(then);
            } catch (KafkaUnavailableException e) {
                metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.UNAVAILABLE, members.size() + 1);
                throw e;
            }
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.ACCEPTED, members.size() + 1);
            ctx.status(202).header(Header.LOCATION, "/batches/" + batch).contentType(Responses.JSON);
            answer(ctx, batch, members, then);
        }
    }

    /** The completion job, checked now that the batch's size is known; a 422 names {@code then} or {@code thenWhen}. */
    private JobSubmission then(BatchBodyReader.Batch body, UUID batch, Instant acceptedAt) {
        boolean onEnded = BatchCompletion.onEnded(body.thenWhen());
        try {
            return job(body.then(), acceptedAt).completing(new BatchCompletion(batch, body.members(), onEnded));
        } catch (InvalidJobException e) {
            throw new ProblemException(Problem.invalidThen(e));
        }
    }

    /** Sends the members a chunk at a time, each acknowledged by Kafka before the next is read back from the file. */
    private void send(MemberSpill members, Instant acceptedAt) {
        try (MemberSpill.Members spilled = members.read()) {
            for (List<JobSubmission> chunk; !(chunk = spilled.nextChunk(CHUNK_MEMBERS, CHUNK_BYTES, acceptedAt)).isEmpty(); ) {
                submitter.submitAll(chunk);
            }
        }
    }

    /** {@code {"id", "jobs": [ids in request order], "then", "acceptedAt"}}, written as the ids are read back. */
    private static void answer(Context ctx, UUID batch, MemberSpill members, JobSubmission then) {
        try (MemberSpill.Members spilled = members.read();
             JsonGenerator json = JobSubmissionJson.MAPPER.getFactory().createGenerator(ctx.outputStream())) {
            json.writeStartObject();
            json.writeStringField("id", batch.toString());
            json.writeArrayFieldStart("jobs");
            for (UUID id; (id = spilled.nextIdOnly()) != null; ) {
                json.writeString(id.toString());
            }
            json.writeEndArray();
            json.writeStringField("then", then.id().toString());
            json.writeStringField("acceptedAt", then.acceptedAt().toString());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the answer to POST /batches (the client went away?)", e);
        }
    }

    private JobSubmission job(JsonNode item, Instant acceptedAt) {
        UnknownTypeCheck.Taken taken = UnknownTypeCheck.take(item);
        JobSubmission job = JobSubmissionJson.fromClient(taken.body(), ids.next(), acceptedAt);
        if (unknownTypes != null) {
            unknownTypes.check(job, taken.allowUnknownType());
        }
        return job;
    }
}
