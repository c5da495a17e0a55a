package io.conveyor.app;

import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.PrometheusText;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Prometheus metrics on the real stack: the API's {@code GET /metrics} and a worker JVM's on its
 * {@code CONVEYOR_METRICS_PORT}, read with a parser of the text format after jobs ran. Every counter moved by exactly
 * the jobs this test ran (the class has its own ledger, topics and its one worker).
 */
class MetricsIT {

    private static final Duration JOBS_END = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static int workerPort;

    @RegisterExtension
    static final ConveyorExtension installation = ConveyorExtension.named("metrics").withWorker("metrics-worker", () -> {
        try (ServerSocket socket = new ServerSocket(0)) {
            workerPort = socket.getLocalPort();
        }
        return Map.of("CONVEYOR_METRICS_PORT", Integer.toString(workerPort), "CONVEYOR_WORKER_THREADS", "2");
    });
    private static ConveyorUnderTest conveyor;

    @BeforeAll
    static void start() {
        conveyor = installation.get();
    }

    @Test
    void countersMoveByExactlyTheJobsThatRan() {
        List<UUID> succeed = new ArrayList<>();
        List<UUID> fail = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            succeed.add(conveyor.client.submit("{\"type\":\"noop\"}"));
        }
        assertThat(conveyor.client.post("/jobs/batch", "[{\"type\":\"noop\"},{\"type\":\"noop\"}]").body())
                .contains("\"ids\"")
                .satisfies(body -> io.conveyor.app.testing.ConveyorClient.json(body).get("ids")
                        .forEach(id -> succeed.add(UUID.fromString(id.asText()))));
        String backoff = "\"backoff\":{\"baseMillis\":100,\"maxMillis\":200}";
        for (int i = 0; i < 3; i++) { // fails once, succeeds at its second attempt
            succeed.add(conveyor.client.submit("{\"type\":\"fail\",\"payload\":{\"n\":1},\"maxAttempts\":3," + backoff + "}"));
        }
        for (int i = 0; i < 2; i++) { // fails both its attempts
            fail.add(conveyor.client.submit("{\"type\":\"fail\",\"payload\":{\"n\":5},\"maxAttempts\":2," + backoff + "}"));
        }
        assertThat(conveyor.client.post("/jobs", "{\"payload\":{}}").statusCode()).isEqualTo(422);
        assertThat(conveyor.client.post("/jobs", "not json").statusCode()).isEqualTo(400);
        assertThat(conveyor.client.post("/jobs/batch", "[{\"type\":\"noop\"},{}]").statusCode()).isEqualTo(422);

        succeed.forEach(id -> conveyor.awaitState(id, "SUCCEEDED", JOBS_END));
        fail.forEach(id -> conveyor.awaitState(id, "FAILED", JOBS_END));

        // The ledger shows a state before its applied filters ran (successes are recorded in batches): wait for them.
        await().atMost(JOBS_END).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            PrometheusText metrics = scrape("http://127.0.0.1:" + workerPort + "/metrics");
            assertThat(metrics.value("conveyor_jobs_succeeded_total")).isEqualTo(9);
            assertThat(metrics.value("conveyor_jobs_failed_total")).isEqualTo(2);
        });
        PrometheusText workerMetrics = scrape("http://127.0.0.1:" + workerPort + "/metrics");
        assertThat(workerMetrics.value("conveyor_jobs_started_total", "type", "noop")).isEqualTo(6);
        assertThat(workerMetrics.value("conveyor_jobs_started_total", "type", "fail")).isEqualTo(3 * 2 + 2 * 2);
        assertThat(workerMetrics.value("conveyor_jobs_succeeded_total", "type", "noop")).isEqualTo(6);
        assertThat(workerMetrics.value("conveyor_jobs_succeeded_total", "type", "fail")).isEqualTo(3);
        assertThat(workerMetrics.value("conveyor_jobs_failed_total", "type", "fail")).isEqualTo(2);
        assertThat(workerMetrics.value("conveyor_jobs_retried_total", "type", "fail")).isEqualTo(3 + 2);
        assertThat(workerMetrics.value("conveyor_jobs_handed_back_total")).isZero();
        assertThat(workerMetrics.value("conveyor_jobs_rescued_total")).isZero();
        assertThat(workerMetrics.value("conveyor_jobs_cancelled_total")).isZero();
        assertThat(workerMetrics.value("conveyor_job_run_seconds_count", "outcome", "succeeded")).isEqualTo(9);
        assertThat(workerMetrics.value("conveyor_job_run_seconds_count", "outcome", "failed")).isEqualTo(3 + 2 * 2);
        assertThat(workerMetrics.value("conveyor_job_run_seconds_bucket", "type", "noop", "outcome", "succeeded", "le", "+Inf")).isEqualTo(6);
        assertThat(workerMetrics.value("conveyor_job_wait_seconds_count")).isEqualTo(11);
        assertThat(workerMetrics.value("conveyor_worker_job_slots", "lane", "compute")).isEqualTo(2);
        assertThat(workerMetrics.value("conveyor_worker_job_slots", "lane", "waits")).isPositive();
        assertThat(workerMetrics.value("conveyor_worker_jobs_running", "lane", "compute")).isZero();
        assertThat(workerMetrics.value("conveyor_compute_threads")).isPositive();
        assertThat(workerMetrics.names()).contains("conveyor_compute_threads_active", "jvm_memory_used_bytes",
                "jvm_gc_pause_seconds_count", "jvm_threads_live_threads", "process_cpu_usage", "process_uptime_seconds");
        assertFollowsPrometheusConventions(workerMetrics);
        assertDocumented(workerMetrics);

        PrometheusText apiMetrics = scrape("http://127.0.0.1:" + conveyor.api.port() + "/metrics");
        assertThat(apiMetrics.value("conveyor_jobs_submitted_total", "type", "noop", "outcome", "202")).isEqualTo(6);
        assertThat(apiMetrics.value("conveyor_jobs_submitted_total", "type", "fail", "outcome", "202")).isEqualTo(5);
        assertThat(apiMetrics.value("conveyor_jobs_submitted_total", "outcome", "4xx")).isEqualTo(1 + 1 + 2);
        assertThat(apiMetrics.value("conveyor_jobs_submitted_total", "outcome", "503")).isZero();
        assertThat(apiMetrics.names()).contains("jvm_memory_used_bytes", "process_cpu_usage");
        assertFollowsPrometheusConventions(apiMetrics);
        assertDocumented(apiMetrics);
        await().atMost(JOBS_END).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            PrometheusText fleet = scrape("http://127.0.0.1:" + conveyor.api.port() + "/metrics");
            assertThat(fleet.value("conveyor_ledger_jobs", "state", "SUCCEEDED")).isEqualTo(9);
            assertThat(fleet.value("conveyor_ledger_jobs", "state", "FAILED")).isEqualTo(2);
            assertThat(fleet.value("conveyor_ledger_jobs", "state", "ENQUEUED")).isZero();
            assertThat(fleet.value("conveyor_workers_alive")).isEqualTo(1);
            assertThat(fleet.value("conveyor_intake_lag_records")).isZero();
        });
    }

    /** Every Conveyor metric a role exports has its row in the README's metrics table. */
    private static void assertDocumented(PrometheusText metrics) {
        java.util.Set<String> documented = new java.util.HashSet<>();
        java.util.regex.Pattern name = java.util.regex.Pattern.compile("conveyor_[a-z_]+");
        MarkdownFile.read("README.md").table(List.of("metric", "where", "what")).orElseThrow().forEach(row -> {
            java.util.regex.Matcher found = name.matcher(row.getFirst());
            while (found.find()) {
                documented.add(found.group());
            }
        });
        metrics.types().keySet().stream().filter(family -> family.startsWith("conveyor_"))
                .map(family -> family.replaceFirst("_seconds_max$", "_seconds")) // each histogram's recent maximum
                .forEach(family -> assertThat(documented).as("metrics in the README's table").contains(family));
    }

    /** Counters end in {@code _total}, durations are histograms in seconds; every sample's family is typed (the parser checks). */
    private static void assertFollowsPrometheusConventions(PrometheusText metrics) {
        metrics.types().forEach((family, type) -> {
            if (type.equals("counter")) {
                assertThat(metrics.samples()).filteredOn(sample -> sample.name().startsWith(family))
                        .as("samples of counter %s", family).isNotEmpty().allMatch(sample -> sample.name().endsWith("_total"));
            }
            if (family.startsWith("conveyor_job_") && family.endsWith("_seconds")) {
                assertThat(type).as(family).isEqualTo("histogram");
            }
        });
    }

    private static PrometheusText scrape(String url) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET " + url).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
            return PrometheusText.parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
