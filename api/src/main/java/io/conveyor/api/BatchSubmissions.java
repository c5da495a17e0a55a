package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.BatchCompletion;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.http.Context;
import io.javalin.http.Header;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /batches}: a batch of jobs and the job that completes it. Every member and the completion job are checked
 * before any is submitted (a {@code 422} names the member's index, or {@code then}); then all of them go to Kafka
 * together, the members marked with the batch's id and the completion job with the batch's size and {@code thenWhen},
 * and the answer is {@code 202} once Kafka holds them all. The ledger does the rest (the worker's {@code BatchLedger}).
 */
final class BatchSubmissions {

    /** The fields of a batch's body. */
    private static final Set<String> FIELDS = Set.of("jobs", "then", "thenWhen");

    private final JobIds ids;
    private final JobSubmitter submitter;
    private final Clock clock;
    private final JsonBodyReader bodies;
    private final int memberLimit;
    private final ApiMetrics metrics;
    private final UnknownTypeCheck unknownTypes;
    private final PendingSubmissions pending;

    /** @param unknownTypes the door's check of a type against those the fleet announced; null: every type goes through */
    BatchSubmissions(ApiSettings settings, JobIds ids, JobSubmitter submitter, Clock clock, ApiMetrics metrics, UnknownTypeCheck unknownTypes) {
        this.ids = ids;
        this.submitter = submitter;
        this.clock = clock;
        this.metrics = metrics;
        this.unknownTypes = unknownTypes;
        this.bodies = new JsonBodyReader(settings.maxBodyBytes());
        this.memberLimit = settings.batchMembersLimit();
        this.pending = new PendingSubmissions(settings.maxPendingBytes(), settings.maxBodyBytes());
    }

    void submit(Context ctx) {
        try (PendingSubmissions.Admission admitted = pending.admit(ctx.contentLength())) {
            submitAdmitted(ctx);
        }
    }

    private void submitAdmitted(Context ctx) {
        List<JobSubmission> jobs;
        try {
            jobs = read(bodies.read(ctx));
        } catch (RuntimeException e) {
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.REFUSED, 1);
            throw e;
        }
        try {
            submitter.submitAll(jobs);
        } catch (KafkaUnavailableException e) {
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.UNAVAILABLE, jobs.size());
            throw e;
        }
        metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.ACCEPTED, jobs.size());
        JobSubmission then = jobs.getLast();
        UUID batch = then.completes().batch();
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        json.put("id", batch.toString());
        ArrayNode members = json.putArray("jobs");
        jobs.subList(0, jobs.size() - 1).forEach(job -> members.add(job.id().toString()));
        json.put("then", then.id().toString());
        json.put("acceptedAt", then.acceptedAt().toString());
        ctx.status(202).header(Header.LOCATION, "/batches/" + batch);
        Responses.json(ctx, json);
    }

    /** The members in request order, then the completion job last; throws for the first thing wrong. */
    private List<JobSubmission> read(JsonNode body) {
        if (!body.isObject()) {
            throw new InvalidJobException("", "a batch must be a JSON object {\"jobs\": [...], \"then\": {...}, \"thenWhen\": ...}, was "
                    + body.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        List<String> unknown = new ArrayList<>();
        body.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            throw new InvalidJobException(unknown.getFirst(), "unknown field(s) " + unknown + "; allowed: " + FIELDS.stream().sorted().toList());
        }
        JsonNode members = body.path("jobs");
        if (!members.isArray() || members.isEmpty()) {
            throw new InvalidJobException("jobs", "jobs must be a non-empty array of jobs");
        }
        if (members.size() > memberLimit) {
            throw new ProblemException(Problem.tooLarge("the batch holds " + members.size() + " jobs; the limit is "
                    + memberLimit + " (" + ApiSettings.BATCH_MEMBERS_LIMIT + ")"));
        }
        JsonNode thenWhen = body.path("thenWhen");
        if (!thenWhen.isMissingNode() && !thenWhen.isNull() && !thenWhen.isTextual()) {
            throw new InvalidJobException("thenWhen", "thenWhen must be \"succeeded\" or \"ended\"");
        }
        boolean onEnded = BatchCompletion.onEnded(thenWhen.isTextual() ? thenWhen.asText() : null);
        if (!body.path("then").isObject()) {
            throw new InvalidJobException("then", "then must be the job that runs once the batch's jobs ended: an object like a job of POST /jobs");
        }
        UUID batch = ids.next();
        Instant acceptedAt = clock.instant();
        List<JobSubmission> jobs = new ArrayList<>(members.size() + 1);
        for (int index = 0; index < members.size(); index++) {
            try {
                jobs.add(job(members.get(index), acceptedAt).inBatch(batch));
            } catch (InvalidJobException e) {
                throw new ProblemException(Problem.invalidJob(index, e));
            }
        }
        try {
            jobs.add(job(body.get("then"), acceptedAt).completing(new BatchCompletion(batch, members.size(), onEnded)));
        } catch (InvalidJobException e) {
            throw new ProblemException(Problem.invalidThen(e));
        }
        return jobs;
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
