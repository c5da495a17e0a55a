package io.conveyor.bench;

import io.conveyor.api.ApiSettings;
import io.conveyor.app.ConveyorCommand;
import io.conveyor.app.JavaCommand;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's memory as an operator runs it: {@code java -cp … ConveyorCommand api} in a JVM of its own, with no JVM
 * options, given some work (single and batch submissions) and then left idle; its RSS is read after a pause.
 */
final class ApiMemory {

    private static final Pattern LISTENING = Pattern.compile("Conveyor API on http://localhost:(\\d+)");
    private static final int SINGLE_SUBMISSIONS = 2_000;
    private static final int BATCHES = 5;
    /** Long enough for the JVM's post-load activity (JIT, GC) to settle. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    private ApiMemory() {
    }

    /**
     * Starts the API JVM on {@code conveyor}'s broker and database, submits jobs through it (which {@code conveyor}'s
     * workers then run), and returns its RSS in MiB once idle.
     */
    static Optional<Double> measure(ConveyorUnderBench conveyor, DatabaseSettings database, Path logDir) throws InterruptedException {
        conveyor.ledger().clear();
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(JavaCommand.ROLE_JVM_OPTIONS); // as the conveyor launcher starts the API
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ConveyorCommand.class.getName(), "api"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put(KafkaSettings.BOOTSTRAP, conveyor.kafkaBootstrap());
        builder.environment().put(DatabaseSettings.URL, database.jdbcUrl());
        builder.environment().put(DatabaseSettings.USER, database.user());
        builder.environment().put(DatabaseSettings.PASSWORD, database.password());
        builder.environment().put(ApiSettings.PORT, "0");
        builder.environment().put(ApiSettings.DASHBOARD_PORT, "0");
        builder.redirectErrorStream(true);
        Process api;
        try {
            api = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the API JVM", e);
        }
        try {
            int port = awaitPort(api, logDir.resolve("api.log")).get(90, TimeUnit.SECONDS);
            exercise(port);
            conveyor.ledger().awaitSucceeded(SINGLE_SUBMISSIONS + (long) BATCHES * ConveyorUnderBench.BATCH_SIZE, Duration.ofMinutes(2));
            Thread.sleep(SETTLE); // an idle pause is the point of the measurement
            return ProcessMemory.rssMegabytes(api.pid());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the API JVM did not start; see " + logDir.resolve("api.log"), e);
        } finally {
            api.destroy();
            if (!api.waitFor(30, TimeUnit.SECONDS)) {
                api.destroyForcibly();
            }
            conveyor.ledger().clear();
        }
    }

    /** Copies the API's output to {@code log} and completes with its port once it says it listens. */
    private static CompletableFuture<Integer> awaitPort(Process api, Path log) {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("bench-api-output").start(() -> {
            try (BufferedReader output = new BufferedReader(new InputStreamReader(api.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter copy = new PrintWriter(Files.newBufferedWriter(log))) {
                String line;
                while ((line = output.readLine()) != null) {
                    copy.println(line);
                    copy.flush();
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        port.complete(Integer.parseInt(matcher.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("the API JVM exited"));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        });
        return port;
    }

    /** Single submissions from a few concurrent clients, then a few full batches: every path of a submission runs. */
    private static void exercise(int port) {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            URI single = URI.create("http://127.0.0.1:" + port + "/jobs");
            List<Thread> clients = new ArrayList<>();
            int perClient = SINGLE_SUBMISSIONS / 8;
            for (int c = 0; c < 8; c++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < perClient; i++) {
                        post(http, single, BenchJob.NOOP.json());
                    }
                }));
            }
            ConveyorUnderBench.joinAll(clients);
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < ConveyorUnderBench.BATCH_SIZE; i++) {
                batch.append(i == 0 ? "" : ",").append(BenchJob.NOOP.json());
            }
            String body = batch.append(']').toString();
            for (int i = 0; i < BATCHES; i++) {
                post(http, URI.create("http://127.0.0.1:" + port + "/jobs/batch"), body);
            }
        }
    }

    private static void post(HttpClient http, URI uri, String body) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 202) {
                throw new IllegalStateException("POST " + uri.getPath() + " to the API JVM answered " + response.statusCode());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
