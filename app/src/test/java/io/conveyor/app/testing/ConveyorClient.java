package io.conveyor.app.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobSubmissionJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A plain HTTP client of the Conveyor API and the dashboard's JSON API, as any other language's client would be; the
 * one HTTP client of the tests.
 */
public final class ConveyorClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String apiBase;
    private final String dashboardBase;
    private final Optional<Duration> requestTimeout;

    public ConveyorClient(int apiPort, int dashboardPort) {
        this(apiPort, dashboardPort, Optional.empty());
    }

    /** A client whose every request fails after {@code requestTimeout}, for a test about an API that may not answer. */
    public ConveyorClient(int apiPort, int dashboardPort, Duration requestTimeout) {
        this(apiPort, dashboardPort, Optional.of(requestTimeout));
    }

    private ConveyorClient(int apiPort, int dashboardPort, Optional<Duration> requestTimeout) {
        this.apiBase = "http://127.0.0.1:" + apiPort;
        this.dashboardBase = "http://127.0.0.1:" + dashboardPort;
        this.requestTimeout = requestTimeout;
    }

    /** POSTs a job and returns its id; fails unless the API answered 202. */
    public UUID submit(String jobJson) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(apiBase + "/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(jobJson)).header("Content-Type", "application/json"));
        if (response.statusCode() != 202) {
            throw new AssertionError("POST /jobs answered " + response.statusCode() + ": " + response.body());
        }
        return UUID.fromString(json(response.body()).get("id").asText());
    }

    /** POSTs the jobs as one batch and returns their ids in order; fails unless the API answered 202. */
    public List<UUID> submitBatch(List<String> jobJsons) {
        HttpResponse<String> response = post("/jobs/batch", "[" + String.join(",", jobJsons) + "]");
        if (response.statusCode() != 202) {
            throw new AssertionError("POST /jobs/batch answered " + response.statusCode() + ": " + response.body());
        }
        List<UUID> ids = new ArrayList<>();
        json(response.body()).get("jobs").forEach(job -> ids.add(UUID.fromString(job.get("id").asText())));
        return ids;
    }

    public HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(apiBase + path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A POST under an {@code Idempotency-Key} (none if {@code idempotencyKey} is null), whatever the API answers. */
    public HttpResponse<String> post(String path, String body, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiBase + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request);
    }

    /** Opens a Server-Sent Events stream of the API ({@code path} with its query); {@code lastEventId} may be null. */
    public SseStream events(String path, String lastEventId) {
        return SseStream.open(http, apiBase + path, lastEventId);
    }

    /** The API's base URL, {@code http://127.0.0.1:<port>}. */
    public String apiBase() {
        return apiBase;
    }

    /** A GET of the API, whatever it answers. */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(apiBase + path)).GET());
    }

    /** {@code GET /jobs/{id}} as JSON; fails unless 200. */
    public JsonNode job(UUID id) {
        return getJson(apiBase + "/jobs/" + id);
    }

    /** The dashboard's own view of a job ({@code /api/jobs/{id}} of JobRunr's dashboard). */
    public JsonNode dashboardJob(UUID id) {
        return getJson(dashboardBase + "/api/jobs/" + id);
    }

    /** A GET of the dashboard, whatever it answers. */
    public HttpResponse<String> getDashboard(String path) {
        return send(HttpRequest.newBuilder(URI.create(dashboardBase + path)).GET());
    }

    /** A POST of the dashboard's JSON API (its buttons: requeue, trigger), whatever it answers. */
    public HttpResponse<String> postDashboard(String path) {
        return send(HttpRequest.newBuilder(URI.create(dashboardBase + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** A DELETE of the dashboard's JSON API, whatever it answers. */
    public HttpResponse<String> deleteDashboard(String path) {
        return send(HttpRequest.newBuilder(URI.create(dashboardBase + path)).DELETE());
    }

    /** The dashboard's servers (JobRunr's, one a worker). */
    public JsonNode servers() {
        return getJson(dashboardBase + "/api/servers");
    }

    /** The HTTP status of {@code path} on a local port (a worker's health endpoint, say), or 0 if nothing answers. */
    public int status(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** A GET of any URL as text; fails unless 200. */
    public String getText(String url) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url)).GET());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    public JsonNode getJson(String url) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url)).GET());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return json(response.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        requestTimeout.ifPresent(request::timeout);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> response) {
        return json(response.body());
    }

    public static JsonNode json(String body) {
        try {
            return JobSubmissionJson.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
