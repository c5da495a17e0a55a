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
import java.util.UUID;

/**
 * A plain HTTP client of the Conveyor API and the dashboard's JSON API, as any other language's client would be.
 */
public final class ConveyorClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String apiBase;
    private final String dashboardBase;

    public ConveyorClient(int apiPort, int dashboardPort) {
        this.apiBase = "http://127.0.0.1:" + apiPort;
        this.dashboardBase = "http://127.0.0.1:" + dashboardPort;
    }

    /** POSTs a job and returns its id; fails unless the API answered 202. */
    public UUID submit(String jobJson) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(apiBase + "/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(jobJson)).header("Content-Type", "application/json").build());
        if (response.statusCode() != 202) {
            throw new AssertionError("POST /jobs answered " + response.statusCode() + ": " + response.body());
        }
        return UUID.fromString(json(response.body()).get("id").asText());
    }

    public HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(apiBase + path)).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** A GET of the API, whatever it answers. */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(apiBase + path)).GET().build());
    }

    /** {@code GET /jobs/{id}} as JSON; fails unless 200. */
    public JsonNode job(UUID id) {
        return getJson(apiBase + "/jobs/" + id);
    }

    /** The dashboard's own view of a job ({@code /api/jobs/{id}} of JobRunr's dashboard). */
    public JsonNode dashboardJob(UUID id) {
        return getJson(dashboardBase + "/api/jobs/" + id);
    }

    /** A GET of any URL as text; fails unless 200. */
    public String getText(String url) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url)).GET().build());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    public JsonNode getJson(String url) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url)).GET().build());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return json(response.body());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String body) {
        try {
            return JobSubmissionJson.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
