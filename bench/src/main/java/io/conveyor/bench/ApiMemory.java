package io.conveyor.bench;

import io.conveyor.common.DatabaseSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The API's memory as an operator runs it: in a JVM of its own ({@link ApiProcess}), given some work (single and batch submissions) and then left idle; its RSS is read after a pause.
 */
final class ApiMemory {

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
        try (ApiProcess api = ApiProcess.start(conveyor.kafkaBootstrap(), database, logDir.resolve("api.log"))) {
            exercise(api.port());
            conveyor.ledger().awaitSucceeded(SINGLE_SUBMISSIONS + (long) BATCHES * ConveyorUnderBench.BATCH_SIZE, Duration.ofMinutes(2));
            Thread.sleep(SETTLE); // an idle pause is the point of the measurement
            return ProcessMemory.rssMegabytes(api.pid());
        } finally {
            conveyor.ledger().clear();
        }
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
