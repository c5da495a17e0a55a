package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.http.Context;
import io.javalin.http.Header;

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

    JobsEndpoint(ApiSettings settings, JobIds ids, JobSubmitter submitter, LedgerReader ledger, Clock clock, ApiMetrics metrics) {
        this.metrics = metrics;
        this.ids = ids;
        this.submitter = submitter;
        this.ledger = ledger;
        this.clock = clock;
        this.bodies = new JsonBodyReader(settings.maxBodyBytes());
        this.batchLimit = settings.batchLimit();
    }

    /** {@code POST /jobs}: 202 once Kafka holds the job. */
    void submit(Context ctx) {
        JobSubmission job;
        try {
            job = JobSubmissionJson.fromClient(bodies.read(ctx), ids.next(), clock.instant());
        } catch (RuntimeException e) {
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.REFUSED, 1);
            throw e;
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
        JsonNode body = null;
        List<JobSubmission> jobs;
        try {
            body = bodies.read(ctx);
            jobs = readBatch(body);
        } catch (RuntimeException e) {
            metrics.submitted(ApiMetrics.NO_TYPE, ApiMetrics.REFUSED, body != null && body.isArray() ? Math.max(1, body.size()) : 1);
            throw e;
        }
        try {
            submitter.submitAll(jobs);
        } catch (KafkaUnavailableException e) {
            count(jobs, ApiMetrics.UNAVAILABLE);
            throw e;
        }
        count(jobs, ApiMetrics.ACCEPTED);
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        ArrayNode accepted = json.putArray("jobs");
        ArrayNode idList = json.putArray("ids");
        for (JobSubmission job : jobs) {
            accepted.add(accepted(job));
            idList.add(job.id().toString());
        }
        json.put("acceptedAt", jobs.getFirst().acceptedAt().toString());
        ctx.status(202);
        Responses.json(ctx, json);
    }

    private void count(List<JobSubmission> jobs, String outcome) {
        Map<String, Integer> byType = new HashMap<>();
        jobs.forEach(job -> byType.merge(job.type(), 1, Integer::sum));
        byType.forEach((type, count) -> metrics.submitted(type, outcome, count));
    }

    private List<JobSubmission> readBatch(JsonNode body) {
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
        for (int index = 0; index < body.size(); index++) {
            try {
                jobs.add(JobSubmissionJson.fromClient(body.get(index), ids.next(), acceptedAt));
            } catch (InvalidJobException e) {
                throw new ProblemException(Problem.invalidJob(index, e));
            }
        }
        return jobs;
    }

    /** {@code GET /jobs/{id}}: the ledger's view, ACCEPTED for an id issued but not ingested yet, else 404. */
    void find(Context ctx) {
        String raw = ctx.pathParam("id");
        UUID id = parseId(raw).orElseThrow(() -> notFound("'" + raw + "' is not a job id: job ids are UUIDs such as those POST /jobs answers"));
        JobView view = ledger.find(id)
                .or(() -> ids.issuedHere(id) ? Optional.of(JobView.accepted(id)) : Optional.empty())
                .orElseThrow(() -> notFound("no job has the id " + id));
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
    private static Optional<UUID> parseId(String raw) {
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
