package io.conveyor.api;

import io.conveyor.common.Metrics;
import io.javalin.config.RoutesConfig;

/**
 * The routes for those who run Conveyor rather than those who submit jobs: {@code GET /metrics} (Prometheus),
 * {@code GET /health/live} and {@code GET /health/ready}, and the API's contract ({@code GET /openapi.json}, Swagger UI
 * at {@code GET /docs}). They stay open whatever else is protected: keep the API's
 * port internal or let the proxy in front route only the job routes to the outside.
 */
record OperationsEndpoints(ApiMetrics metrics, ApiHealth health) {

    /** The routes these endpoints answer, for the API's list of its routes. */
    static final String ROUTES = "GET /metrics, GET /health/live, GET /health/ready, GET /openapi.json, GET /docs";

    void addTo(RoutesConfig routes) {
        routes.get("/metrics", ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
        routes.get("/health/live", health::live);
        routes.get("/health/ready", health::ready);
        ApiDocs docs = new ApiDocs();
        routes.get("/openapi.json", docs::openApi);
        routes.get("/docs", docs::page);
        routes.get("/docs/{file}", docs::file);
    }
}
