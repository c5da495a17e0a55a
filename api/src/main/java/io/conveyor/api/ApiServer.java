package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.api.events.EventHub;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.HttpResponseException;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.router.EndpointNotFound;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * The HTTP API on Javalin: its routes, and the mapping of every failure to a problem+json answer.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(ApiServer.class);
    /** An overload answers every request 503: one WARN line every 10 s says so, with how many there were. */
    private static final LogThrottle UNAVAILABLE_LINES = new LogThrottle(java.time.Duration.ofSeconds(10));
    /** Liveness only: it answers while the process serves HTTP, whatever the state of Kafka and PostgreSQL. */
    private static final JsonNode HEALTH_UP = JobSubmissionJson.MAPPER.createObjectNode().put("status", "UP");
    static final String ROUTES = "POST /jobs, POST /jobs/batch, POST /batches, GET /jobs/{id}, GET /health, " + OperationsEndpoints.ROUTES;

    private final Javalin javalin;

    private ApiServer(Javalin javalin) {
        this.javalin = javalin;
    }

    /** Starts serving on {@code settings.port()} (0: any free port, see {@link #port()}). */
    public static ApiServer start(ApiSettings settings, JobIds ids, JobSubmitter submitter, LedgerReader ledger, Clock clock,
                                  OperationsEndpoints operations, BearerAuth auth) {
        return start(settings, ids, submitter, ledger, null, null, clock, operations, auth);
    }

    /** As above, with the job control routes of {@code control} and the event streams of {@code events} (none if null). */
    public static ApiServer start(ApiSettings settings, JobIds ids, JobSubmitter submitter, LedgerReader ledger, JobControl control,
                                  EventHub events, Clock clock, OperationsEndpoints operations, BearerAuth auth) {
        String routes = ROUTES + (control == null ? "" : ", " + JobControl.ROUTES) + (events == null ? "" : ", " + EventsEndpoint.ROUTES);
        JobsEndpoint jobs = new JobsEndpoint(settings, ids, submitter, ledger, control == null ? null : control.idempotentSubmissions(), clock,
                operations.metrics(), control == null ? null : control.unknownTypes(), control == null ? null : control.fleet());
        BatchSubmissions batches = new BatchSubmissions(settings, ids, submitter, clock, operations.metrics(),
                control == null ? null : control.unknownTypes());
        Javalin javalin = Javalin.create(config -> {
            config.jetty.port = settings.port();
            // Requests wait on Kafka for up to the submit timeout: a virtual thread each keeps that cheap.
            config.concurrency.useVirtualThreads = true;
            config.http.prefer405over404 = true;
            // JsonBodyReader enforces the limit; Javalin's own (1 MB by default) is kept equal should anything else read a body.
            config.http.maxRequestSize = settings.maxBodyBytes();
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            // Errors Jetty answers itself (a malformed request line, oversized headers) are problems too.
            config.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));

            config.routes.get("/health", ctx -> Responses.json(ctx, HEALTH_UP));
            config.routes.post("/jobs", jobs::submit);
            config.routes.post("/jobs/batch", jobs::submitBatch);
            config.routes.post("/batches", batches::submit);
            config.routes.get("/jobs/{id}", jobs::find);
            operations.addTo(config.routes);
            if (control != null) {
                control.register(config.routes);
            }
            if (events != null) {
                new EventsEndpoint(events, ledger, ids).register(config.routes);
            }
            config.routes.beforeMatched(auth::check);

            config.routes.exception(ProblemException.class, (e, ctx) -> Responses.problem(ctx, e.problem()));
            config.routes.exception(InvalidJobException.class, (e, ctx) -> Responses.problem(ctx, Problem.invalidJob(e)));
            config.routes.exception(JobTooLargeException.class, (e, ctx) -> Responses.problem(ctx, Problem.tooLarge(e.getMessage())));
            // The cause goes to the log; the client learns what it can act on (retry), not our internals.
            config.routes.exception(KafkaUnavailableException.class, (e, ctx) -> unavailable(ctx, e, Problem.kafkaUnavailable(
                    "Kafka did not acknowledge the submission within " + settings.submitTimeout().toMillis() + " ms, so nothing was accepted; try again later")));
            config.routes.exception(SubmissionsOverloadedException.class, (e, ctx) -> unavailable(ctx, e, Problem.kafkaUnavailable(e.getMessage())));
            config.routes.exception(LedgerUnavailableException.class, (e, ctx) -> unavailable(ctx, e, Problem.ledgerUnavailable(
                    "the job ledger (PostgreSQL) cannot be read right now; try again later")));
            // Javalin's own answers (no such route, wrong method, body over its limit) arrive as HttpResponseException.
            config.routes.exception(HttpResponseException.class, (e, ctx) -> javalinResponse(e, ctx, routes));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOGGER.error("unexpected failure answering {} {}", ctx.method(), ctx.path(), e);
                Responses.problem(ctx, Problem.status(500, "an unexpected error occurred; it has been logged on the server"));
            });
        });
        javalin.start();
        return new ApiServer(javalin);
    }

    private static void unavailable(Context ctx, RuntimeException cause, Problem problem) {
        long quiet = UNAVAILABLE_LINES.occurred();
        if (quiet >= 0) {
            LOGGER.warn("answering 503 to {} {}: {}{}", ctx.method(), ctx.path(), cause.getMessage(),
                    quiet == 0 ? "" : " (and " + quiet + " more 503 answers since the last such line)");
        } else {
            LOGGER.debug("answering 503 to {} {}: {}", ctx.method(), ctx.path(), cause.getMessage());
        }
        ctx.header(Header.RETRY_AFTER, "1");
        Responses.problem(ctx, problem);
    }

    private static void javalinResponse(HttpResponseException e, Context ctx, String routes) {
        String detail = e.getMessage();
        if (e instanceof EndpointNotFound) {
            detail = "no route " + ctx.method() + " " + ctx.path() + "; the API serves " + routes;
        } else if (e instanceof MethodNotAllowedResponse) {
            String allowed = e.getDetails().getOrDefault("availableMethods", e.getDetails().get("Available methods"));
            if (allowed != null) {
                ctx.header(Header.ALLOW, allowed);
            }
            detail = ctx.method() + " is not allowed on " + ctx.path() + (allowed == null ? "" : "; allowed: " + allowed);
        }
        Responses.problem(ctx, Problem.status(e.getStatus(), detail == null || detail.isBlank() ? "HTTP " + e.getStatus() : detail));
    }

    /** Every route the server answers, as {@code METHOD /path} with Javalin's {@code {param}}s. */
    public java.util.List<String> routes() {
        return javalin.unsafe.internalRouter.allHttpHandlers().stream()
                .map(parsed -> parsed.endpoint)
                .filter(endpoint -> io.javalin.http.HandlerType.commonHttp().contains(endpoint.method))
                .map(endpoint -> endpoint.method.name() + " " + endpoint.path)
                .distinct().toList();
    }

    /** The port the API listens on, which is the actual one when 0 was asked for. */
    public int port() {
        return javalin.port();
    }

    @Override
    public void close() {
        javalin.stop();
    }
}
