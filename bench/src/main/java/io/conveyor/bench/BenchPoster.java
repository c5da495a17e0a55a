package io.conveyor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobSubmissionJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Posts submissions to Conveyor's API as a well-behaved client does: a {@code 503} (Kafka slow or away, or the API's
 * memory for submissions in flight full) is sent again after its {@code Retry-After}, a few times, since the API
 * refuses overload rather than absorbing it; any other answer than {@code 202} fails the benchmark.
 */
final class BenchPoster implements AutoCloseable {

    /** How often one submission is sent again after a 503 before the benchmark gives up: minutes of refusals. */
    static final int MAX_RETRIES = 120;
    /** When a 503 names no wait. */
    static final Duration RETRY_AFTER_DEFAULT = Duration.ofSeconds(1);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger retried = new AtomicInteger();

    /** Posts {@code body} to {@code uri} until it is accepted; returns the API's answer. */
    JsonNode post(URI uri, String body) {
        HttpRequest request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30)).build();
        try {
            for (int attempt = 0; ; attempt++) {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 503 && attempt < MAX_RETRIES) {
                    retried.incrementAndGet();
                    Thread.sleep(retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
                    continue;
                }
                if (response.statusCode() != 202) {
                    throw new IllegalStateException("POST " + uri.getPath() + " answered " + response.statusCode() + ": " + response.body());
                }
                return JobSubmissionJson.MAPPER.readTree(response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + uri.getPath() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** How many submissions were sent again after a 503 so far. */
    int retried() {
        return retried.get();
    }

    /** The wait a {@code Retry-After} header asks for, in seconds (its HTTP-date form is not used by Conveyor). */
    static Duration retryAfter(String header) {
        if (header != null && header.trim().matches("\\d{1,4}")) {
            return Duration.ofSeconds(Integer.parseInt(header.trim()));
        }
        return RETRY_AFTER_DEFAULT;
    }

    @Override
    public void close() {
        http.close();
    }
}
