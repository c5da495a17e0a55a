package io.conveyor.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.WorkerAnnouncements;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Clock;

import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The routes that find and steer jobs already submitted: list, cancel, retry (one or many); and recurring jobs.
 */
public final class JobControl {

    /** The routes registered here, as {@code METHOD /path}, comma-separated. */
    public static final String ROUTES = "GET /jobs, POST /jobs/{id}/cancel, POST /jobs/{id}/retry, POST /jobs/retry, " + FleetDirectory.ROUTES
            + ", " + RecurringJobs.ROUTES + ", " + BatchStatus.ROUTES;
    private static final String STATES = Arrays.stream(StateName.values()).map(Enum::name).collect(Collectors.joining(", "));

    private final JobListQuery list;
    private final JobMapper jobs;
    private final JobCancellation cancellation;
    private final JobRetry retry;
    private final IdempotentSubmissions idempotent;
    private final FleetDirectory fleet;
    private final UnknownTypeCheck unknownTypes;
    private final RecurringJobs recurring;
    private final BatchStatus batches;

    /** @param maxBodyBytes the largest body a recurring job's definition may have */
    public JobControl(DataSource dataSource, StorageProvider storage, JsonMapper jsonMapper, JobIds ids, Clock clock, int maxBodyBytes) {
        this.list = new JobListQuery(dataSource);
        this.jobs = new JobMapper(jsonMapper);
        this.cancellation = new JobCancellation(dataSource, storage, ids);
        this.retry = new JobRetry(dataSource, storage, ids, clock);
        this.idempotent = new IdempotentSubmissions(dataSource, jobs);
        this.fleet = new FleetDirectory(dataSource);
        this.unknownTypes = new UnknownTypeCheck(fleet::announcedTypes, clock);
        this.recurring = new RecurringJobs(storage, maxBodyBytes, unknownTypes, clock);
        this.batches = new BatchStatus(dataSource, new LedgerReader(storage), cancellation, ids);
    }

    /** What the workers announced: why a job waits. */
    FleetDirectory fleet() {
        return fleet;
    }

    /** How {@code POST /jobs} refuses a type no worker ever announced. */
    UnknownTypeCheck unknownTypes() {
        return unknownTypes;
    }

    /** How {@code POST /jobs} looks up submissions with an idempotency key. */
    IdempotentSubmissions idempotentSubmissions() {
        return idempotent;
    }

    /** Creates the tables of the workers' announcements that the API reads, where the ledger lacks them. */
    public static void prepareLedger(DataSource dataSource) {
        try {
            WorkerAnnouncements.prepare(dataSource);
        } catch (SQLException e) {
            throw new LedgerUnavailableException("could not create the workers' announcement tables: " + e.getMessage(), e);
        }
    }

    void register(RoutesConfig routes) {
        routes.get("/jobs", this::list);
        routes.post("/jobs/{id}/cancel", this::cancel);
        routes.post("/jobs/{id}/retry", this::retry);
        routes.post("/jobs/retry", this::retryAll);
        fleet.register(routes);
        recurring.register(routes);
        batches.register(routes);
    }

    /** {@code GET /jobs?state=&type=&label=&queue=&limit=&cursor=}: a page of jobs, newest first. */
    void list(Context ctx) {
        StateName state = parameter(ctx, "state") == null ? null : state(parameter(ctx, "state"));
        int limit = limit(parameter(ctx, "limit"));
        JobListQuery.Position before = null;
        String cursor = parameter(ctx, "cursor");
        if (cursor != null) {
            before = JobListQuery.parseCursor(cursor).orElseThrow(() -> badRequest("cursor",
                    "'" + cursor + "' is not a cursor: pass the 'next' of the previous page as it was"));
        }
        JobListQuery.Result page = list.find(new JobListQuery.Page(state, parameter(ctx, "type"), parameter(ctx, "label"), limit, before, parameter(ctx, "queue")));
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        ArrayNode items = json.putArray("jobs");
        for (String jobJson : page.jobsJson()) {
            items.add(JobView.of(jobs.deserializeJob(jobJson)).toJson());
        }
        if (page.next() != null) {
            json.put("next", JobListQuery.cursor(page.next()));
        } else {
            json.putNull("next");
        }
        Responses.json(ctx, json);
    }

    /** {@code POST /jobs/{id}/cancel}: 200 with the cancelled job, 409 if it had already ended. */
    void cancel(Context ctx) {
        Responses.json(ctx, cancellation.cancel(id(ctx)).toJson());
    }

    /** {@code POST /jobs/{id}/retry}: 200 with the job ENQUEUED again, 409 unless it was FAILED or DELETED. */
    void retry(Context ctx) {
        Responses.json(ctx, retry.retry(id(ctx)).toJson());
    }

    /**
     * {@code POST /jobs/retry?state=FAILED|DELETED&type=&label=}: retries every job that matches (state FAILED unless
     * said), newest first, and answers how many; jobs that cannot be retried (they succeeded before being deleted,
     * or changed meanwhile into a state that cannot be) are left and counted apart.
     */
    void retryAll(Context ctx) {
        StateName state = parameter(ctx, "state") == null ? StateName.FAILED : state(parameter(ctx, "state"));
        if (state != StateName.FAILED && state != StateName.DELETED) {
            throw badRequest("state", "only FAILED or DELETED jobs can be retried, not " + state);
        }
        int retried = 0;
        int skipped = 0;
        JobListQuery.Position before = null;
        do {
            JobListQuery.Result page = list.find(new JobListQuery.Page(state, parameter(ctx, "type"), parameter(ctx, "label"), JobListQuery.MAX_LIMIT, before, null));
            before = page.next();
            for (String jobJson : page.jobsJson()) {
                Job job = jobs.deserializeJob(jobJson);
                try {
                    if (!retry.retried(job)) {
                        retry.retry(job.getId()); // it changed meanwhile: decide on what it is now
                    }
                    retried++;
                } catch (ProblemException e) {
                    skipped++;
                }
            }
        } while (before != null);
        if (retried > 0) {
            retry.announce();
        }
        Responses.json(ctx, JobSubmissionJson.MAPPER.createObjectNode().put("retried", retried).put("skipped", skipped));
    }

    private static UUID id(Context ctx) {
        return JobsEndpoint.parseId(ctx.pathParam("id"))
                .orElseThrow(() -> new ProblemException(Problem.status(404, "'" + ctx.pathParam("id") + "' is not a job id")));
    }

    static String parameter(Context ctx, String name) {
        String value = ctx.queryParam(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    static StateName state(String raw) {
        try {
            return StateName.valueOf(raw.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw badRequest("state", "state '" + raw + "' is not one of " + STATES
                    + (raw.equalsIgnoreCase(JobView.ACCEPTED) ? " (ACCEPTED jobs are in Kafka, not yet in the ledger the list reads)" : ""));
        }
    }

    private static int limit(String raw) {
        if (raw == null) {
            return JobListQuery.DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= JobListQuery.MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw badRequest("limit", "limit must be a whole number from 1 to " + JobListQuery.MAX_LIMIT + ", was '" + raw + "'");
    }

    private static ProblemException badRequest(String field, String detail) {
        return new ProblemException(Problem.badParameter(field, detail));
    }
}
