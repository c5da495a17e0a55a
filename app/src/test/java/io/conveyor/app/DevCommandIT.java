package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.DatabaseSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's quick start and tour, for real: {@code java -jar conveyor.jar dev} (the packaged jar), then the README's
 * {@code primes} job over HTTP, SUCCEEDED with its result, and visible on the dashboard; then every {@code curl} line of
 * the README's tour, as written, against the same dev.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevCommandIT {

    private static final Pattern API = Pattern.compile("API\\s+http://localhost:(\\d+)");
    private static final Pattern DASHBOARD = Pattern.compile("Dashboard\\s+http://localhost:(\\d+)/dashboard");

    private static final Pattern WORKER_METRICS = Pattern.compile("http://localhost:(\\d+)/metrics\\s+\\(worker \\d+");
    /** The metrics ports dev printed for its workers. */
    private static final List<Integer> WORKER_METRICS_PORTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** What dev printed until it was up. */
    private static final StringBuffer BANNER = new StringBuffer();

    private static Process dev;
    private static ConveyorClient client;
    private static int apiPort;
    /** dev's working directory, where the README's tour runs its shell lines (the data root is its ./data). */
    private static Path workDir;

    @BeforeAll
    static void startDev() throws Exception {
        Path jar = Path.of("target", "conveyor.jar").toAbsolutePath();
        assertThat(jar).as("the packaged distribution").exists();
        workDir = Files.createTempDirectory("conveyor-dev-it-work");
        for (String doc : List.of("README.md", "CHANGELOG.md")) {
            Files.copy(ProjectFiles.path(doc), workDir.resolve(doc));
        }
        DatabaseSettings database = TestServices.newDatabase("dev");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "dev", "--workers", "2", "--dir", Files.createTempDirectory("conveyor-dev-it").toString());
        builder.directory(workDir.toFile());
        builder.environment().put("CONVEYOR_API_PORT", "0");
        builder.environment().put("CONVEYOR_DASHBOARD_PORT", "0");
        builder.environment().put(DatabaseSettings.URL, database.jdbcUrl());
        builder.environment().put(DatabaseSettings.USER, database.user());
        builder.environment().put(DatabaseSettings.PASSWORD, database.password());
        builder.environment().remove("CONVEYOR_KAFKA_BOOTSTRAP");
        builder.environment().remove("CONVEYOR_DATA_DIR");
        builder.redirectErrorStream(true);
        long startedAt = System.nanoTime();
        dev = builder.start();
        StringBuilder output = new StringBuilder();
        CompletableFuture<int[]> ports = CompletableFuture.supplyAsync(() -> readPorts(dev, output));
        // dev starts a broker, the API and two worker JVMs: minutes on a machine busy with other builds
        int[] apiAndDashboard = ports.get(300, TimeUnit.SECONDS);
        System.out.printf("[benchmark] dev printed its URLs (workers ready) %.1f s after start%n", (System.nanoTime() - startedAt) / 1e9);
        apiPort = apiAndDashboard[0];
        client = new ConveyorClient(apiAndDashboard[0], apiAndDashboard[1]);
    }

    @AfterAll
    static void stopDev() throws InterruptedException {
        if (dev == null) {
            return;
        }
        List<ProcessHandle> workers = dev.descendants().toList();
        dev.destroy();
        if (!dev.waitFor(60, TimeUnit.SECONDS)) {
            dev.destroyForcibly();
        }
        assertThat(dev.exitValue()).as("dev's exit code after SIGTERM").isIn(0, 143);
        assertThat(workers).as("dev's worker JVMs").isNotEmpty();
        assertThat(workers).as("worker JVMs left behind by dev").noneMatch(ProcessHandle::isAlive);
    }

    @Test
    @Order(1)
    void devStartsEverythingAndRunsTheReadmeJob() {
        long submittedAt = System.nanoTime();
        UUID id = client.submit("{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":1000000}}");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(client.job(id).get("state").asText()).isEqualTo("SUCCEEDED"));
        System.out.printf("[benchmark] dev: the README's primes job SUCCEEDED %.2f s after submission%n", (System.nanoTime() - submittedAt) / 1e9);
        JsonNode job = client.job(id);
        assertThat(job.get("result").get("count").asLong()).isEqualTo(78_498);
        assertThat(client.dashboardJob(id).get("jobName").asText()).isEqualTo("primes");
    }

    /** dev gives each worker JVM a metrics port of its own and prints it; each serves that worker's metrics. */
    @Test
    @Order(3)
    void devPrintsAMetricsPortPerWorker() {
        assertThat(WORKER_METRICS_PORTS).as("worker metrics ports dev printed").hasSize(2).doesNotHaveDuplicates();
        for (int port : WORKER_METRICS_PORTS) {
            String metrics = client.getText("http://127.0.0.1:" + port + "/metrics");
            assertThat(metrics).contains("conveyor_worker_job_slots{lane=\"compute\"}").contains("jvm_memory_used_bytes");
            assertThat(client.getJson("http://127.0.0.1:" + port + "/health/ready").get("status").asText()).isEqualTo("UP");
        }
        assertThat(client.get("/metrics").body()).contains("conveyor_jobs_submitted_total");
    }

    /** dev's worker JVMs run with only the quick JIT compiler (JavaCommand.DEV_JVM_OPTIONS; docs/BENCHMARKS.md says why). */
    @Test
    @Order(3)
    void devStartsItsWorkerJvmsWithTheDevJvmOptions() {
        List<ProcessHandle> workers = dev.descendants().filter(process -> process.info().arguments()
                .map(arguments -> List.of(arguments).contains("worker")).orElse(false)).toList();
        assertThat(workers).as("dev's worker JVMs").hasSize(2);
        for (ProcessHandle worker : workers) {
            assertThat(worker.info().arguments().map(List::of).orElseThrow()).containsAll(JavaCommand.DEV_JVM_OPTIONS);
        }
    }

    /** Without CONVEYOR_API_TOKENS and dashboard credentials (as here), dev says that the API and the dashboard are open. */
    @Test
    @Order(4)
    void devSaysWhenAuthenticationIsOff() {
        assertThat(BANNER.toString()).containsPattern("Auth\\s+off: CONVEYOR_API_TOKENS unset")
                .containsPattern("Dashboard\\s+http://localhost:\\d+/dashboard\\s+\\(open: CONVEYOR_DASHBOARD_USER unset\\)");
    }

    /** Every shell line of the tour's blocks that call curl runs as written, in order (see {@link ReadmeTour}). */
    @Test
    @Order(2)
    void theReadmesTourRunsAsWritten() throws Exception {
        new ReadmeTour(workDir, apiPort, client).run();
    }

    /** Reads dev's output until it printed both URLs, then keeps draining it so that dev never blocks on a full pipe. */
    private static int[] readPorts(Process dev, StringBuilder output) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(dev.getInputStream(), StandardCharsets.UTF_8));
        try {
            Integer api = null;
            Integer dashboard = null;
            String line;
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
                BANNER.append(line).append('\n');
                Matcher apiMatch = API.matcher(line);
                Matcher dashboardMatch = DASHBOARD.matcher(line);
                if (apiMatch.find()) {
                    api = Integer.parseInt(apiMatch.group(1));
                } else if (dashboardMatch.find() && api != null) {
                    dashboard = Integer.parseInt(dashboardMatch.group(1));
                } else if (line.contains("Stop with Ctrl+C") && dashboard != null) {
                    Thread.ofVirtual().start(() -> lines.lines().forEach(rest -> { }));
                    return new int[]{api, dashboard};
                }
                Matcher workerMetrics = WORKER_METRICS.matcher(line);
                if (workerMetrics.find()) {
                    WORKER_METRICS_PORTS.add(Integer.parseInt(workerMetrics.group(1)));
                }
            }
            throw new IllegalStateException("dev exited before printing its URLs:\n" + output);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
