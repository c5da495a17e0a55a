package io.conveyor.api;

import io.conveyor.common.Metrics;
import io.javalin.config.RoutesConfig;

/**
 * The routes for those who run Conveyor rather than those who submit jobs: {@code GET /metrics} (Prometheus),
 * {@code GET /health/live} and {@code GET /health/ready}. They stay open whatever else is protected: keep the API's
 * port internal or let the proxy in front route only the job routes to the outside.
 */
record OperationsEndpoints(ApiMetrics metrics, ApiHealth health) {

    /** The routes these endpoints answer, for the API's list of its routes. */
    static final String ROUTES = "GET /metrics, GET /health/live, GET /health/ready";

    void addTo(RoutesConfig routes) {
        routes.get("/metrics", ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
        routes.get("/health/live", health::live);
        routes.get("/health/ready", health::ready);
    }
}
