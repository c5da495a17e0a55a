package io.conveyor.app;

import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.BrokerJvm;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.PrometheusText;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Topics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Overload is refused, not absorbed: the API runs in a JVM of its own with a small heap, the Kafka broker in another,
 * which the test freezes with SIGSTOP while 50 clients submit 64 KiB jobs for 20 s. Every answer is 202 or 503 (none
 * hangs: each request gives up after 30 s, far past the 5 s submit timeout), the bound on submissions waiting for
 * Kafka refuses some at once, the API stays alive without an OutOfMemoryError, and it accepts jobs again once the
 * broker is thawed. The answers and the largest heap seen are printed.
 */
class OverloadIT {

    private static final int CLIENTS = 50;
    private static final Duration FROZEN = Duration.ofSeconds(20);
    private static final String HEAP = "128m";
    private static final long PENDING_LIMIT = 4L * 1024 * 1024;

    @Test
    void withTheBrokerFrozenFiftyClientsGetOnly202Or503AndTheApiKeepsItsHeap() throws Exception {
        Path logDir = Files.createDirectories(Path.of("target", "it-logs", "overload"));
        BrokerJvm broker = BrokerJvm.start(logDir);
        Process api = null;
        try {
            String bootstrap = broker.bootstrapServers();
            int apiPort = freePort();
            Map<String, String> env = new HashMap<>(new KafkaSettings(bootstrap, new Topics("overload.")).asEnvironment());
            env.putAll(TestServices.newDatabase("overload").asEnvironment());
            env.put(ApiSettings.PORT, Integer.toString(apiPort));
            env.put(ApiSettings.DASHBOARD_PORT, Integer.toString(freePort()));
            env.put(ApiSettings.MAX_PENDING_BYTES, Long.toString(PENDING_LIMIT));
            ProcessBuilder apiBuilder = new ProcessBuilder(io.conveyor.app.JavaCommand.forRole(HEAP, "api"));
            apiBuilder.environment().putAll(env);
            apiBuilder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("api.log").toFile()));
            api = apiBuilder.start();
            ConveyorClient client = new ConveyorClient(apiPort, 0, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.post("/jobs", "{\"type\":\"noop\"}").statusCode() == 202);

            broker.signal("STOP");
            Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
            AtomicLong refusedAtOnce = new AtomicLong();
            AtomicLong maxHeap = new AtomicLong();
            String body = "{\"type\":\"noop\",\"payload\":{\"padding\":\"" + "x".repeat(64 * 1024) + "\"}}";
            Instant end = Instant.now().plus(FROZEN);
            List<Future<?>> load = new ArrayList<>();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < CLIENTS; i++) {
                    load.add(clients.submit(() -> {
                        while (Instant.now().isBefore(end)) {
                            HttpResponse<String> answer = client.post("/jobs", body, null);
                            answers.computeIfAbsent(Integer.toString(answer.statusCode()), status -> new AtomicLong()).incrementAndGet();
                            if (answer.statusCode() == 503) {
                                assertThat(answer.headers().firstValue("Retry-After")).hasValue("1");
                                if (answer.body().contains("allows")) {
                                    refusedAtOnce.incrementAndGet();
                                }
                                // A client honours Retry-After; this is the load's pace, not a wait of the test.
                                Thread.sleep(Duration.ofSeconds(1));
                            }
                        }
                        return null;
                    }));
                }
                clients.submit(() -> {
                    while (Instant.now().isBefore(end)) {
                        maxHeap.accumulateAndGet(heapUsed(client), Math::max);
                        Thread.sleep(Duration.ofMillis(500));
                    }
                    return null;
                });
            }
            broker.signal("CONT");
            for (Future<?> answered : load) {
                answered.get(); // a client's failed assertion, or a request that hung past its timeout, fails the test
            }
            System.out.printf("[overload] broker frozen %d s, %d clients: answers %s, %d refused at once by the bound, largest heap used %d MiB of %s%n",
                    FROZEN.toSeconds(), CLIENTS, answers, refusedAtOnce.get(), maxHeap.get() / (1024 * 1024), HEAP);

            assertThat(answers.keySet()).as("statuses answered").isSubsetOf("202", "503").contains("503");
            assertThat(refusedAtOnce.get()).as("503s from the bound on waiting submissions").isPositive();
            assertThat(api.isAlive()).as("the API process").isTrue();
            assertThat(Files.readString(logDir.resolve("api.log"))).doesNotContain("OutOfMemoryError");
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> client.post("/jobs", "{\"type\":\"noop\"}").statusCode() == 202);
            // The API's metrics count every 503 it answered; no worker runs here, so every accepted job waits in Kafka.
            PrometheusText metrics = PrometheusText.parse(client.get("/metrics").body());
            assertThat(metrics.value("conveyor_jobs_submitted_total", "outcome", "503")).as("submissions answered 503, counted")
                    .isEqualTo(answers.get("503").get());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(PrometheusText.parse(client.get("/metrics").body())
                    .value("conveyor_intake_lag_records")).as("jobs accepted, not yet in the ledger").isGreaterThanOrEqualTo(2));
        } finally {
            if (api != null) {
                api.destroyForcibly();
            }
            broker.close();
        }
    }

    private static long heapUsed(ConveyorClient client) {
        try {
            return (long) PrometheusText.parse(client.get("/metrics").body()).value("jvm_memory_used_bytes", Map.of("area", "heap"));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
