package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobSubmissionJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The terminal commands' HTTP client of the Conveyor API. A problem answer becomes a {@link Failure} carrying the
 * problem's detail and the exit code it means; a connection that cannot be made, one with {@link #UNREACHABLE}.
 */
final class ApiClient {

    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    /** A command that cannot go on: what to print, and the exit code. */
    static final class Failure extends RuntimeException {
        final int exitCode;

        Failure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    ApiClient(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    JsonNode post(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        headers.forEach(request::header);
        return send(request);
    }

    JsonNode put(String path, String body) {
        return send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json"));
    }

    JsonNode delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    private URI uri(String path) {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new Failure(USAGE, "'" + base + "' is not an API address such as http://localhost:8080");
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure(UNREACHABLE, "cannot reach the Conveyor API at " + base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(FAILED, "interrupted");
        } catch (IllegalArgumentException e) {
            throw new Failure(USAGE, "'" + base + "' is not an API address such as http://localhost:8080");
        }
        JsonNode body;
        try {
            body = JobSubmissionJson.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new Failure(FAILED, "the API at " + base + " answered " + response.statusCode() + " with something that is not JSON");
        }
        int status = response.statusCode();
        if (status >= 400) {
            String detail = body.path("detail").asText("HTTP " + status);
            int code = status == 400 || status == 422 || status == 413 ? USAGE : FAILED;
            throw new Failure(code, detail + " (HTTP " + status + ")");
        }
        return body;
    }
}
