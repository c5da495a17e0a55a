package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.RecurringSchedule;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.jobrunr.jobs.RecurringJob;
import org.jobrunr.scheduling.Schedule;
import org.jobrunr.scheduling.cron.CronExpression;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.StorageProvider;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /recurring}: recurring jobs, kept as JobRunr recurring jobs in the ledger (the dashboard's Recurring jobs page
 * shows them). The API writes them to the ledger itself, not through Kafka: a definition is a setting, not work, and
 * its answer (the next run times) needs the ledger anyway. The workers make each fire time's job
 * ({@code worker.recurring.RecurringJobsTimer}).
 */
final class RecurringJobs {

    static final String ROUTES = "GET /recurring, GET /recurring/{name}, PUT /recurring/{name}, DELETE /recurring/{name}";
    /** How many next run times a recurring job's view shows. */
    static final int NEXT_RUNS = 5;
    private static final Set<String> FIELDS = Set.of("cron", "zone", "job");
    private static final String DEFAULT_ZONE = "UTC";

    private final StorageProvider storage;
    private final JsonBodyReader bodies;
    private final UnknownTypeCheck unknownTypes;
    private final Clock clock;

    RecurringJobs(StorageProvider storage, int maxBodyBytes, UnknownTypeCheck unknownTypes, Clock clock) {
        this.storage = storage;
        this.bodies = new JsonBodyReader(maxBodyBytes);
        this.unknownTypes = unknownTypes;
        this.clock = clock;
    }

    void register(RoutesConfig routes) {
        routes.get("/recurring", this::list);
        routes.get("/recurring/{name}", this::find);
        routes.put("/recurring/{name}", this::put);
        routes.delete("/recurring/{name}", this::delete);
    }

    /** {@code PUT /recurring/{name}}: creates or replaces it; 200 with its view. */
    void put(Context ctx) {
        String name = ctx.pathParam("name");
        if (!RecurringSchedule.NAME.matcher(name).matches()) {
            throw invalid("name", "a recurring job's name " + RecurringSchedule.NAME_RULE + ", was '" + name + "'");
        }
        JsonNode body = bodies.read(ctx);
        if (!(body instanceof ObjectNode object)) {
            throw invalid("", "send {\"cron\": \"...\", \"zone\": \"Europe/Paris\", \"job\": {...}}");
        }
        object.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw invalid(field, "unknown field " + field + "; allowed: [cron, job, zone]");
            }
        });
        Schedule cron = cron(object.get("cron"));
        ZoneId zone = zone(object.get("zone"));
        JsonNode job = object.get("job");
        checkJob(job);
        RecurringJob recurring = new RecurringJob(name, RecurringSchedule.details(job.toString()), cron, zone, RecurringJob.CreatedBy.API,
                clock.instant());
        JobSubmission submission = JobSubmissionJson.fromClient(job, UUID.randomUUID(), clock.instant());
        recurring.setJobName(submission.type());
        recurring.setLabels(submission.labels());
        recurring.setAmountOfRetries(submission.maxAttempts() - 1);
        try {
            storage.saveRecurringJob(recurring);
        } catch (StorageException e) {
            throw new LedgerUnavailableException("the recurring job could not be saved: " + e.getMessage(), e);
        }
        Responses.json(ctx, view(recurring));
    }

    /** {@code GET /recurring}: every recurring job, by name. */
    void list(Context ctx) {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        ArrayNode items = json.putArray("recurring");
        all().stream().sorted(java.util.Comparator.comparing(RecurringJob::getId)).forEach(recurring -> items.add(view(recurring)));
        Responses.json(ctx, json);
    }

    /** {@code GET /recurring/{name}}: one, with its next run times; 404 if there is none. */
    void find(Context ctx) {
        Responses.json(ctx, view(named(ctx.pathParam("name")).orElseThrow(() -> notFound(ctx.pathParam("name")))));
    }

    /** {@code DELETE /recurring/{name}}: 200 with what was deleted; jobs it made already stay. 404 if there is none. */
    void delete(Context ctx) {
        String name = ctx.pathParam("name");
        RecurringJob recurring = named(name).orElseThrow(() -> notFound(name));
        try {
            storage.deleteRecurringJob(name);
        } catch (StorageException e) {
            throw new LedgerUnavailableException("the recurring job could not be deleted: " + e.getMessage(), e);
        }
        Responses.json(ctx, view(recurring));
    }

    private Optional<RecurringJob> named(String name) {
        return all().stream().filter(recurring -> recurring.getId().equals(name)).findFirst();
    }

    private List<RecurringJob> all() {
        try {
            return storage.getRecurringJobs();
        } catch (StorageException e) {
            throw new LedgerUnavailableException("the recurring jobs could not be read: " + e.getMessage(), e);
        }
    }

    private ObjectNode view(RecurringJob recurring) {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        json.put("name", recurring.getId());
        json.put("cron", recurring.getScheduleExpression());
        json.put("zone", recurring.getZoneId());
        try {
            json.set("job", JobSubmissionJson.MAPPER.readTree(RecurringSchedule.jobJson(recurring)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a recurring job's stored submission is JSON", e);
        }
        json.put("createdAt", recurring.getCreatedAt().toString());
        ArrayNode next = json.putArray("nextRuns");
        RecurringSchedule.nextRuns(recurring, clock.instant(), NEXT_RUNS).forEach(at -> next.add(at.toString()));
        return json;
    }

    /** A cron expression (5 fields, or 6 with seconds first) whose runs are at least JobRunr's 5 s apart. */
    private Schedule cron(JsonNode node) {
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw invalid("cron", "cron is required: a cron expression such as \"0 9 * * MON-FRI\" or, with seconds first, \"*/10 * * * * *\"");
        }
        String expression = node.asText().trim();
        Schedule cron;
        try {
            cron = new CronExpression(expression);
        } catch (RuntimeException e) {
            throw invalid("cron", "cron '" + expression + "' is not a cron expression of 5 fields, or 6 with seconds first: " + e.getMessage());
        }
        try {
            storage.validateRecurringJobInterval(cron.durationBetweenSchedules());
        } catch (IllegalArgumentException e) {
            throw invalid("cron", "cron '" + expression + "' runs every " + cron.durationBetweenSchedules().toMillis() / 1000.0
                    + " s; JobRunr refuses recurring jobs less than 5 s apart (" + e.getMessage() + ")");
        }
        return cron;
    }

    private static ZoneId zone(JsonNode node) {
        if (node == null || node.isNull()) {
            return ZoneId.of(DEFAULT_ZONE);
        }
        try {
            return ZoneId.of(node.asText());
        } catch (DateTimeException e) {
            throw invalid("zone", "zone '" + node.asText() + "' is not a time zone such as Europe/Paris or UTC");
        }
    }

    /** The job as {@code POST /jobs} takes it, except the time fields: its fire time is its start. */
    private void checkJob(JsonNode job) {
        if (job == null || !job.isObject()) {
            throw invalid("job", "job is required: a submission as POST /jobs takes it, such as {\"type\": \"noop\"}");
        }
        for (String field : List.of("runAt", "delayMillis", UnknownTypeCheck.FIELD)) {
            if (job.has(field)) {
                throw invalid("job." + field, "a recurring job's job starts at each fire time: job." + field + " is not allowed");
            }
        }
        try {
            JobSubmission submission = JobSubmissionJson.fromClient(job, UUID.randomUUID(), Instant.EPOCH);
            if (unknownTypes != null) {
                unknownTypes.check(submission, false);
            }
        } catch (InvalidJobException e) {
            throw invalid("job" + (e.field() == null || e.field().isEmpty() ? "" : "." + e.field()), e.getMessage());
        }
    }

    private static ProblemException invalid(String field, String detail) {
        return new ProblemException(Problem.invalidRecurring(field, detail));
    }

    private static ProblemException notFound(String name) {
        return new ProblemException(Problem.status(404, "no recurring job is named '" + name + "'"));
    }
}
