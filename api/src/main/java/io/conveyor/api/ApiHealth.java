package io.conveyor.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health/live}: 200 while the process serves HTTP. {@code GET /health/ready}: 200 while every component the
 * API needs answers (Kafka for submissions, the ledger for reads and the dashboard), else 503; the body names each
 * component's status, {@code {"status":"DOWN","components":{"kafka":"UP","ledger":"DOWN"}}}. Components are checked at
 * once, each bounded by {@link #CHECK_TIMEOUT}, so a component that hangs answers DOWN rather than holding the probe.
 */
final class ApiHealth {

    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Map<String, BooleanSupplier> components;

    /** @param components each component's check, by name, in the order the body lists them */
    ApiHealth(Map<String, BooleanSupplier> components) {
        this.components = new LinkedHashMap<>(components);
    }

    void live(Context ctx) {
        Responses.json(ctx, JobSubmissionJson.MAPPER.createObjectNode().put("status", "UP"));
    }

    void ready(Context ctx) {
        Map<String, CompletableFuture<Boolean>> checks = new LinkedHashMap<>();
        components.forEach((name, check) -> checks.put(name, CompletableFuture.supplyAsync(check::getAsBoolean,
                runnable -> Thread.ofVirtual().name("conveyor-health-" + name).start(runnable))));
        ObjectNode body = JobSubmissionJson.MAPPER.createObjectNode();
        ObjectNode statuses = JobSubmissionJson.MAPPER.createObjectNode();
        boolean ready = true;
        long deadline = System.nanoTime() + CHECK_TIMEOUT.toNanos();
        for (Map.Entry<String, CompletableFuture<Boolean>> check : checks.entrySet()) {
            boolean up = outcome(check.getValue(), deadline);
            statuses.put(check.getKey(), up ? "UP" : "DOWN");
            ready &= up;
        }
        body.put("status", ready ? "UP" : "DOWN");
        body.set("components", statuses);
        ctx.status(ready ? 200 : 503);
        Responses.json(ctx, body);
    }

    private static boolean outcome(CompletableFuture<Boolean> check, long deadline) {
        try {
            return check.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
