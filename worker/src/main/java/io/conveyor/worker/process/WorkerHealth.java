package io.conveyor.worker.process;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.conveyor.common.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A worker's operations endpoints on {@code CONVEYOR_METRICS_PORT}: {@code GET /metrics} in Prometheus' text format
 * ({@link WorkerMetrics}), {@code GET /health/live} answers 200 while the
 * process runs; {@code GET /health/ready} answers 200 while the worker can take jobs (the ledger answers, its job
 * server runs and a Kafka broker answers, for its intake and its events) and 503 otherwise, each component's status in
 * the body, so that an orchestrator or a load check sees a worker that cannot work. Served by
 * the JDK's own HTTP server: three small answers need no web framework in every worker JVM.
 */
final class WorkerHealth implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(WorkerHealth.class);

    private final HttpServer server;

    private WorkerHealth(HttpServer server) {
        this.server = server;
    }

    /**
     * @param ledgerAnswers whether the ledger database can be reached now
     * @param jobServerRuns whether the job server runs now
     * @param kafkaAnswers  whether a Kafka broker answers now
     * @param metrics       the metrics in Prometheus' text format
     */
    static WorkerHealth start(int port, BooleanSupplier ledgerAnswers, BooleanSupplier jobServerRuns, BooleanSupplier kafkaAnswers,
                              Supplier<String> metrics) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
            server.setExecutor(Executors.newSingleThreadExecutor(Thread.ofPlatform().name("conveyor-health").daemon().factory()));
            server.createContext("/metrics", exchange -> answer(exchange, 200, Metrics.CONTENT_TYPE, metrics.get()));
            server.createContext("/health/live", exchange -> answer(exchange, 200, "{\"status\":\"UP\"}"));
            server.createContext("/health/ready", exchange -> {
                boolean ledger = ledgerAnswers.getAsBoolean();
                boolean jobServer = jobServerRuns.getAsBoolean();
                boolean kafka = kafkaAnswers.getAsBoolean();
                boolean ready = ledger && jobServer && kafka;
                answer(exchange, ready ? 200 : 503, "{\"status\":\"" + status(ready) + "\",\"components\":{"
                        + "\"ledger\":\"" + status(ledger) + "\",\"jobServer\":\"" + status(jobServer) + "\",\"kafka\":\"" + status(kafka) + "\"}}");
            });
            server.start();
            LOGGER.info("health on http://localhost:{}/health/ready", server.getAddress().getPort());
            return new WorkerHealth(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the worker's health on port " + port, e);
        }
    }

    private static String status(boolean up) {
        return up ? "UP" : "DOWN";
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        answer(exchange, status, "application/json", json);
    }

    private static void answer(HttpExchange exchange, int status, String contentType, String text) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                status = 405;
                contentType = "application/problem+json";
                text = "{\"title\":\"method not allowed\",\"status\":405}";
            }
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
