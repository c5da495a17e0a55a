package io.conveyor.api;

import io.conveyor.api.events.EventHub;
import io.conveyor.api.events.EventStream;
import io.conveyor.api.events.SseWriter;
import io.conveyor.api.events.StreamedEvent;
import io.conveyor.common.JobEvent;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Header;
import org.jobrunr.jobs.states.StateName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Live event streams over HTTP (Server-Sent Events), fed from the events topic by the instance's {@link EventHub}:
 * {@code GET /jobs/{id}/events} sends the job's current view at once ({@code job}), then each state change
 * ({@code state}) and progress report ({@code progress}) until one ends the job, then closes; {@code GET /events?type=&state=} sends the fleet's state changes.
 * Every event's id is a position in the topic: a client that reconnects with {@code Last-Event-ID} continues where it
 * stopped. A client too slow for the events it asked for gets a last {@code overflow} event and is closed; it can
 * resume from the last id it read.
 */
public final class EventsEndpoint {

    /** The routes, which the API serves only with its events reader (and its ledger). */
    public static final String ROUTES = "GET /jobs/{id}/events, GET /events";
    /** How long a stream stays quiet before a comment line checks that the client is still there. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final Logger LOGGER = LoggerFactory.getLogger(EventsEndpoint.class);
    private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "DELETED");

    private final EventHub hub;
    private final LedgerReader ledger;
    private final JobIds ids;

    EventsEndpoint(EventHub hub, LedgerReader ledger, JobIds ids) {
        this.hub = hub;
        this.ledger = ledger;
        this.ids = ids;
    }

    void register(RoutesConfig routes) {
        routes.get("/jobs/{id}/events", this::job);
        routes.get("/events", this::fleet);
    }

    /** {@code GET /jobs/{id}/events}. */
    void job(Context ctx) throws IOException {
        String raw = ctx.pathParam("id");
        UUID id = JobsEndpoint.parseId(raw).orElseThrow(() -> new ProblemException(Problem.status(404,
                "'" + raw + "' is not a job id: job ids are UUIDs such as those POST /jobs answers")));
        JobView now = current(id).orElseThrow(() -> new ProblemException(Problem.status(404, "no job has the id " + id)));
        try (EventStream stream = open(id, event -> event.id().equals(id), ctx)) {
            SseWriter out = new SseWriter(ctx);
            if (!stream.resumed()) {
                out.event("job", stream.from().toString(), now.toJson().toString());
                if (ENDED.contains(now.state())) {
                    return;
                }
            }
            send(stream, out, true, () -> endedView(id));
        }
    }

    /** {@code GET /events?type=&state=}. */
    void fleet(Context ctx) throws IOException {
        String type = JobControl.parameter(ctx, "type");
        String stateParameter = JobControl.parameter(ctx, "state");
        StateName state = stateParameter == null ? null : JobControl.state(stateParameter);
        Predicate<JobEvent> wanted = event -> (type == null || type.equals(event.type()))
                && (state == null || state.name().equals(event.state()));
        try (EventStream stream = open(null, wanted, ctx)) {
            send(stream, new SseWriter(ctx), false, Optional::empty);
        }
    }

    private EventStream open(UUID job, Predicate<JobEvent> wanted, Context ctx) {
        return hub.open(job, wanted, ctx.header("Last-Event-ID")).orElseThrow(() -> {
            ctx.header(Header.RETRY_AFTER, "2");
            return new ProblemException(Problem.status(503, hub.ready()
                    ? "too many resumed event streams are open on this API instance; try again later, or without Last-Event-ID"
                    : "the events topic cannot be read yet; try again shortly"));
        });
    }

    /**
     * Sends the stream's events until the client leaves, the client fell behind, or (a job's stream) an event ends the job.
     *
     * @param oneJob         whether this is one job's stream, which ends with the job
     * @param endedMeanwhile while the stream is quiet: the job's final view if it ended without an event reaching
     *                       this stream (an event lost with an unreachable broker), which is then sent last
     */
    private static void send(EventStream stream, SseWriter out, boolean oneJob, Supplier<Optional<String>> endedMeanwhile) {
        try {
            while (true) {
                if (stream.fellBehind()) {
                    out.event("overflow", null, "{\"error\":\"this client read events more slowly than they came; reconnect with the Last-Event-ID of the last event read to continue\"}");
                    return;
                }
                Optional<StreamedEvent> next = stream.next(KEEP_ALIVE);
                if (next.isPresent()) {
                    StreamedEvent event = next.get();
                    out.event(event.event().progress() == null ? "state" : "progress", event.position().toString(), event.json());
                    if (oneJob && event.event().ends()) {
                        return;
                    }
                } else {
                    Optional<String> ended = endedMeanwhile.get();
                    if (ended.isPresent()) {
                        out.event("job", null, ended.get());
                        return;
                    }
                    out.comment("keep-alive");
                }
            }
        } catch (IOException e) {
            LOGGER.debug("an event stream's client went away: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The job's view if it has ended; empty too while the ledger cannot be read (the stream just goes on). */
    private Optional<String> endedView(UUID id) {
        try {
            return current(id).filter(view -> ENDED.contains(view.state())).map(view -> view.toJson().toString());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Optional<JobView> current(UUID id) {
        return ledger.find(id).or(() -> ids.issuedHere(id) ? Optional.of(JobView.accepted(id)) : Optional.empty());
    }
}
