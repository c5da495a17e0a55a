package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.http.Context;
import io.javalin.http.Header;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The handlers of {@code /jobs}: accept one job or a batch into Kafka, and answer a job's state from the ledger.
 */
final class JobsEndpoint {

    private final JobIds ids;
    private final JobSubmitter submitter;
    private final LedgerReader ledger;
    private final Clock clock;
    private final JsonBodyReader bodies;
    private final int batchLimit;
    private final ApiMetrics metrics;
    private final IdempotentSubmissions idempotent;
    private final PendingSubmissions pending;
    private final UnknownTypeCheck unknownTypes;
    private final FleetDirectory fleet;

    /**
     * @param idempotent   how keyed submissions are looked up in the ledger; null: keys give ids, the ledger is not asked
     * @param unknownTypes the door's check of a type against those the fleet announced; null: every type goes through
     * @param fleet        what the workers announced, to say why an ENQUEUED job waits; null: not said
     */
    JobsEndpoint(ApiSettings settings, JobIds ids, JobSubmitter submitter, LedgerReader ledger, IdempotentSubmissions idempotent, Clock clock,
                 ApiMetrics metrics, UnknownTypeCheck unknownTypes, FleetDirectory fleet) {
        this.unknownTypes = unknownTypes;
        this.fleet = fleet;
        this.metrics = metrics;
        this.idempotent = idempotent;
        this.ids = ids;
        this.submitter = submitter;
        this.ledger = ledger;
        this.clock = clock;
        this.bodies = new JsonBodyReader(settings.maxBodyBytes());
        this.batchLimit = settings.batchLimit();
        this.pending = new PendingSubmissions(settings.maxPendingBytes(), settings.maxBodyBytes());
    }

    /** Admits the request under the bound on submissions waiting for Kafka, or counts and throws its refusal. */
    private PendingSubmissions.Admission admit(Context ctx) {
        try {
            return pending.admit(ctx.contentLength());
        } catch (SubmissionsOverloadedException e) {
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.UNAVAILABLE, 1);
            discardBody(ctx);
            throw e;
        }
    }

    /**
     * Reads a refused request's body to its end, keeping none of it: a server that answers before the client has sent
     * its body closes the connection under it, and the client sees a broken connection instead of the 503.
     */
    private static void discardBody(Context ctx) {
        try {
            ctx.req().getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            // the client went away: nothing to answer
        }
    }

    /** {@code POST /jobs}: 202 once Kafka holds the job; 200 with the job if its idempotency key's job is in the ledger. */
    void submit(Context ctx) {
        try (PendingSubmissions.Admission admitted = admit(ctx)) {
            submitAdmitted(ctx);
        }
    }

    private void submitAdmitted(Context ctx) {
        JobSubmission job;
        String key = ctx.header(IdempotentSubmissions.HEADER);
        try {
            UnknownTypeCheck.Taken body = UnknownTypeCheck.take(bodies.read(ctx));
            UUID id = key == null ? ids.next() : ids.forKey(IdempotentSubmissions.validKey(key, IdempotentSubmissions.HEADER));
            job = JobSubmissionJson.fromClient(body.body(), id, clock.instant());
            checkType(job, body.allowUnknownType());
        } catch (RuntimeException e) {
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.REFUSED, 1);
            throw e;
        }
        if (key != null && idempotent != null) {
            String stored = idempotent.stored(List.of(job.id())).get(job.id());
            if (stored != null) {
                String differs = IdempotentSubmissions.difference(job, stored);
                if (differs != null) {
                    metrics.submitted(job.type(), ApiMetrics.REFUSED, 1);
                    throw IdempotentSubmissions.keyReused(job, differs);
                }
                ctx.status(200).header(Header.LOCATION, location(job.id()));
                Responses.json(ctx, idempotent.view(stored).toJson());
                return;
            }
        }
        try {
            submitter.submit(job);
        } catch (KafkaUnavailableException e) {
            metrics.submitted(job.type(), ApiMetrics.UNAVAILABLE, 1);
            throw e;
        }
        metrics.submitted(job.type(), ApiMetrics.ACCEPTED, 1);
        ObjectNode json = accepted(job);
        json.put("acceptedAt", job.acceptedAt().toString());
        ctx.status(202).header(Header.LOCATION, location(job.id()));
        Responses.json(ctx, json);
    }

    /** {@code POST /jobs/batch}: all jobs are checked before any is submitted, then 202 once Kafka holds them all. */
    void submitBatch(Context ctx) {
        try (PendingSubmissions.Admission admitted = admit(ctx)) {
            submitBatchAdmitted(ctx);
        }
    }

    private void submitBatchAdmitted(Context ctx) {
        JsonNode body = null;
        Batch batch;
        try {
            body = bodies.read(ctx);
            batch = readBatch(body);
        } catch (RuntimeException e) {
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.REFUSED, body != null && body.isArray() ? Math.max(1, body.size()) : 1);
            throw e;
        }
        List<JobSubmission> jobs = batch.jobs();
        // Jobs whose idempotency key's job is in the ledger already are answered from it, not sent again.
        Map<UUID, String> stored = idempotent == null || batch.keyed().isEmpty() ? Map.of() : idempotent.stored(batch.keyed());
        List<JobSubmission> toSend = new ArrayList<>(jobs.size());
        for (int index = 0; index < jobs.size(); index++) {
            JobSubmission job = jobs.get(index);
            String existing = stored.get(job.id());
            if (existing == null) {
                toSend.add(job);
            } else {
                String differs = IdempotentSubmissions.difference(job, existing);
                if (differs != null) {
                    count(jobs, ApiMetrics.REFUSED);
                    throw new ProblemException(Problem.invalidJob(index, IdempotentSubmissions.keyReused(job, differs)));
                }
            }
        }
        if (!toSend.isEmpty()) {
            try {
                submitter.submitAll(toSend);
            } catch (KafkaUnavailableException e) {
                count(toSend, ApiMetrics.UNAVAILABLE);
                throw e;
            }
            count(toSend, ApiMetrics.ACCEPTED);
        }
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        ArrayNode accepted = json.putArray("jobs");
        ArrayNode idList = json.putArray("ids");
        for (JobSubmission job : jobs) {
            String existing = stored.get(job.id());
            accepted.add(existing == null ? accepted(job) : idempotent.view(existing).toJson());
            idList.add(job.id().toString());
        }
        json.put("acceptedAt", jobs.getFirst().acceptedAt().toString());
        ctx.status(toSend.isEmpty() ? 200 : 202);
        Responses.json(ctx, json);
    }

    /** A batch as read: its jobs in request order, and the ids of those that carried an idempotency key. */
    private record Batch(List<JobSubmission> jobs, List<UUID> keyed) {
    }

    private void count(List<JobSubmission> jobs, String outcome) {
        Map<String, Integer> byType = new HashMap<>();
        jobs.forEach(job -> byType.merge(job.type(), 1, Integer::sum));
        byType.forEach((type, count) -> metrics.submitted(type, outcome, count));
    }

    private Batch readBatch(JsonNode body) {
        if (!body.isArray()) {
            throw new InvalidJobException("", "a batch must be a JSON array of jobs, was " + body.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        if (body.isEmpty()) {
            throw new InvalidJobException("", "a batch must hold at least one job");
        }
        if (body.size() > batchLimit) {
            throw new ProblemException(Problem.tooLarge("the batch holds " + body.size() + " jobs; the limit is "
                    + batchLimit + " (" + ApiSettings.BATCH_LIMIT + ")"));
        }
        Instant acceptedAt = clock.instant();
        List<JobSubmission> jobs = new ArrayList<>(body.size());
        List<UUID> keyed = new ArrayList<>();
        for (int index = 0; index < body.size(); index++) {
            try {
                JsonNode item = body.get(index);
                UUID id = ids.next();
                if (item instanceof ObjectNode object && object.has(IdempotentSubmissions.BATCH_FIELD)) {
                    object = object.deepCopy();
                    JsonNode key = object.remove(IdempotentSubmissions.BATCH_FIELD);
                    if (!key.isTextual()) {
                        throw new InvalidJobException(IdempotentSubmissions.BATCH_FIELD, "key must be a string");
                    }
                    id = ids.forKey(IdempotentSubmissions.validKey(key.asText(), IdempotentSubmissions.BATCH_FIELD));
                    keyed.add(id);
                    item = object;
                }
                UnknownTypeCheck.Taken taken = UnknownTypeCheck.take(item);
                JobSubmission job = JobSubmissionJson.fromClient(taken.body(), id, acceptedAt);
                checkType(job, taken.allowUnknownType());
                jobs.add(job);
            } catch (InvalidJobException e) {
                throw new ProblemException(Problem.invalidJob(index, e));
            }
        }
        return new Batch(jobs, keyed);
    }

    private void checkType(JobSubmission job, boolean allowUnknownType) {
        if (unknownTypes != null) {
            unknownTypes.check(job, allowUnknownType);
        }
    }

    /** {@code GET /jobs/{id}}: the ledger's view, ACCEPTED for an id issued but not ingested yet, else 404. */
    void find(Context ctx) {
        String raw = ctx.pathParam("id");
        UUID id = parseId(raw).orElseThrow(() -> notFound("'" + raw + "' is not a job id: job ids are UUIDs such as those POST /jobs answers"));
        JobView view = ledger.find(id)
                .or(() -> ids.issuedHere(id) ? Optional.of(JobView.accepted(id)) : Optional.empty())
                .orElseThrow(() -> notFound("no job has the id " + id));
        if (fleet != null && JobView.ENQUEUED.equals(view.state())) {
            view = fleet.whyWaiting(id).map(view::waitingBecause).orElse(view);
        }
        Responses.json(ctx, view.toJson());
    }

    private static ObjectNode accepted(JobSubmission job) {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        json.put("id", job.id().toString());
        json.put("state", JobView.ACCEPTED);
        json.put("type", job.type());
        return json;
    }

    static String location(UUID id) {
        return "/jobs/" + id;
    }

    /** Only the canonical 36-character form: {@link UUID#fromString} also takes oddities such as "1-2-3-4-5". */
    static Optional<UUID> parseId(String raw) {
        if (raw.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(raw));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static ProblemException notFound(String detail) {
        return new ProblemException(Problem.status(404, detail));
    }
}
