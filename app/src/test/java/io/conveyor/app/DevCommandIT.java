package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.DatabaseSettings;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's quick start, for real: {@code java -jar conveyor.jar dev} (the packaged jar), then the README's
 * {@code primes} job over HTTP, SUCCEEDED with its result, and visible on the dashboard.
 */
class DevCommandIT {

    private static final Pattern API = Pattern.compile("API\\s+http://localhost:(\\d+)");
    private static final Pattern DASHBOARD = Pattern.compile("Dashboard\\s+http://localhost:(\\d+)/dashboard");

    @Test
    void devStartsEverythingAndRunsTheReadmeJob() throws Exception {
        Path jar = Path.of("target", "conveyor.jar");
        assertThat(jar).as("the packaged distribution").exists();
        DatabaseSettings database = TestServices.newDatabase("dev");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "dev", "--workers", "2", "--dir", Files.createTempDirectory("conveyor-dev-it").toString());
        builder.environment().put("CONVEYOR_API_PORT", "0");
        builder.environment().put("CONVEYOR_DASHBOARD_PORT", "0");
        builder.environment().put(DatabaseSettings.URL, database.jdbcUrl());
        builder.environment().put(DatabaseSettings.USER, database.user());
        builder.environment().put(DatabaseSettings.PASSWORD, database.password());
        builder.environment().remove("CONVEYOR_KAFKA_BOOTSTRAP");
        builder.redirectErrorStream(true);
        long startedAt = System.nanoTime();
        Process dev = builder.start();
        java.util.List<ProcessHandle> workers = java.util.List.of();
        try {
            StringBuilder output = new StringBuilder();
            CompletableFuture<int[]> ports = CompletableFuture.supplyAsync(() -> readPorts(dev, output));
            int[] apiAndDashboard = ports.get(120, TimeUnit.SECONDS);
            System.out.printf("[benchmark] dev printed its URLs (workers ready) %.1f s after start%n", (System.nanoTime() - startedAt) / 1e9);
            ConveyorClient client = new ConveyorClient(apiAndDashboard[0], apiAndDashboard[1]);

            long submittedAt = System.nanoTime();
            UUID id = client.submit("{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":1000000}}");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                    assertThat(client.job(id).get("state").asText()).isEqualTo("SUCCEEDED"));
            System.out.printf("[benchmark] dev: the README's primes job SUCCEEDED %.2f s after submission%n", (System.nanoTime() - submittedAt) / 1e9);
            JsonNode job = client.job(id);
            assertThat(job.get("result").get("count").asLong()).isEqualTo(78_498);
            assertThat(client.dashboardJob(id).get("jobName").asText()).isEqualTo("primes");
        } finally {
            workers = dev.descendants().toList();
            dev.destroy();
            if (!dev.waitFor(60, TimeUnit.SECONDS)) {
                dev.destroyForcibly();
            }
        }
        assertThat(dev.exitValue()).as("dev's exit code after SIGTERM").isIn(0, 143);
        assertThat(workers).as("dev's worker JVMs").isNotEmpty();
        assertThat(workers).as("worker JVMs left behind by dev").noneMatch(ProcessHandle::isAlive);
    }

    /** Reads dev's output until it printed both URLs, then keeps draining it so that dev never blocks on a full pipe. */
    private static int[] readPorts(Process dev, StringBuilder output) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(dev.getInputStream(), StandardCharsets.UTF_8));
        try {
            Integer api = null;
            String line;
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
                Matcher apiMatch = API.matcher(line);
                Matcher dashboardMatch = DASHBOARD.matcher(line);
                if (apiMatch.find()) {
                    api = Integer.parseInt(apiMatch.group(1));
                } else if (dashboardMatch.find() && api != null) {
                    int dashboard = Integer.parseInt(dashboardMatch.group(1));
                    Thread.ofVirtual().start(() -> lines.lines().forEach(rest -> { }));
                    return new int[]{api, dashboard};
                }
            }
            throw new IllegalStateException("dev exited before printing its URLs:\n" + output);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
