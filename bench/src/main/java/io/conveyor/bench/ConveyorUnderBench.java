package io.conveyor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.EmbeddedKafka;
import io.conveyor.app.JavaCommand;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Topics;
import io.conveyor.worker.process.WorkerSettings;
import io.conveyor.worker.process.WorkerSupervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Conveyor as {@code dev} runs it: a Kafka broker and the API in this JVM, worker JVMs under the supervisor, the
 * ledger in a database of its own; jobs are submitted over HTTP, as any client would.
 */
final class ConveyorUnderBench implements SystemUnderBench {

    /** The API's largest batch by default; the benchmark sends full ones. */
    static final int BATCH_SIZE = ApiSettings.BATCH_LIMIT_DEFAULT;

    private final EmbeddedKafka kafka;
    private final ApiApplication api;
    private final WorkerSupervisor workers;
    private final LedgerProbe ledger;
    private final DatabaseSettings database;
    private final int workerJvms;
    private final int threads;
    private final int batchClients;
    private final BenchPoster poster = new BenchPoster();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final URI jobs;
    private final URI batch;

    private ConveyorUnderBench(EmbeddedKafka kafka, KafkaSettings kafkaSettings, DatabaseSettings database, Path logDir, int workerJvms,
                               int threads, String heap, int batchClients, Map<String, String> workerEnv) throws InterruptedException {
        this.kafka = kafka;
        this.database = database;
        this.workerJvms = workerJvms;
        this.threads = threads;
        this.batchClients = batchClients;
        this.api = ApiApplication.start(new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, BATCH_SIZE,
                ApiSettings.SUBMIT_TIMEOUT_DEFAULT, "bench-" + UUID.randomUUID()), kafkaSettings, database);
        this.jobs = URI.create("http://127.0.0.1:" + api.port() + "/jobs");
        this.batch = URI.create("http://127.0.0.1:" + api.port() + "/jobs/batch");
        Map<String, String> env = new HashMap<>(Map.of(
                KafkaSettings.BOOTSTRAP, kafkaSettings.bootstrapServers(),
                KafkaSettings.TOPIC_PREFIX, kafkaSettings.topics().prefix(),
                DatabaseSettings.URL, database.jdbcUrl(),
                DatabaseSettings.USER, database.user(),
                DatabaseSettings.PASSWORD, database.password(),
                WorkerSettings.JOB_THREADS, Integer.toString(threads),
                WorkerSettings.NAME, "bench-worker"));
        env.putAll(workerEnv);
        this.workers = new WorkerSupervisor(workerJvms, JavaCommand.forRole(heap, "worker"), env, Optional.of(logDir));
        BenchDatabases.awaitServers(database, workerJvms, Duration.ofSeconds(90));
        this.ledger = LedgerProbe.open(database, "bench-conveyor-ledger", 2);
    }

    /** Starts a broker (data under {@code dir}), the API and {@code workerJvms} worker JVMs (logs under {@code dir}). */
    static ConveyorUnderBench start(DatabaseSettings database, Path dir, int workerJvms, int threads, String heap, int batchClients)
            throws InterruptedException {
        return start(database, dir, workerJvms, threads, heap, batchClients, Map.of());
    }

    /** As {@link #start(DatabaseSettings, Path, int, int, String, int)}, with more settings for the workers. */
    static ConveyorUnderBench start(DatabaseSettings database, Path dir, int workerJvms, int threads, String heap, int batchClients,
                                    Map<String, String> workerEnv) throws InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        try {
            return new ConveyorUnderBench(kafka, new KafkaSettings(kafka.bootstrapServers(), new Topics(Topics.PREFIX_DEFAULT)),
                    database, dir, workerJvms, threads, heap, batchClients, workerEnv);
        } catch (RuntimeException | InterruptedException e) {
            kafka.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "Conveyor";
    }

    @Override
    public String heading() {
        return "Conveyor, " + workerJvms + " worker JVM" + (workerJvms == 1 ? "" : "s") + " × " + threads + " threads";
    }

    /** The ledger's database. */
    DatabaseSettings database() {
        return database;
    }

    /** Where the broker listens, for the API JVM started for its memory figure. */
    String kafkaBootstrap() {
        return kafka.bootstrapServers();
    }

    /** Submits one job of any type (its JSON as {@code POST /jobs} takes it); returns its id. */
    UUID submit(String jobJson) {
        return UUID.fromString(post(jobs, jobJson).get("id").asText());
    }

    /** The job as {@code GET /jobs/{id}} answers. */
    JsonNode job(UUID id) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(jobs + "/" + id)).GET().timeout(Duration.ofSeconds(30)).build();
        try {
            return JobSubmissionJson.MAPPER.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET /jobs/" + id + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public Submitted submit(BenchJob job) {
        Instant at = Instant.now();
        JsonNode accepted = post(jobs, job.json());
        return new Submitted(UUID.fromString(accepted.get("id").asText()), at);
    }

    @Override
    public void submitAll(BenchJob job, int count) {
        int fullSize = Math.min(count, BATCH_SIZE);
        String fullBatch = batchBody(job, fullSize);
        AtomicInteger remaining = new AtomicInteger(count);
        List<Thread> clients = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        for (int i = 0; i < batchClients; i++) {
            clients.add(Thread.ofVirtual().name("bench-batch-client-" + i).start(() -> {
                try {
                    int taken;
                    while ((taken = take(remaining, fullSize)) > 0) {
                        post(batch, taken == fullSize ? fullBatch : batchBody(job, taken));
                    }
                } catch (RuntimeException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        joinAll(clients);
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    private static int take(AtomicInteger remaining, int most) {
        while (true) {
            int left = remaining.get();
            int taken = Math.min(left, most);
            if (taken == 0 || remaining.compareAndSet(left, left - taken)) {
                return taken;
            }
        }
    }

    private static String batchBody(BenchJob job, int size) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < size; i++) {
            body.append(i == 0 ? "" : ",").append(job.json());
        }
        return body.append(']').toString();
    }

    private JsonNode post(URI uri, String body) {
        return poster.post(uri, body);
    }

    static void joinAll(List<Thread> threads) {
        try {
            for (Thread thread : threads) {
                thread.join();
            }
        } catch (InterruptedException e) {
            threads.forEach(Thread::interrupt);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Submissions go through HTTP, Jetty, JSON and the Kafka producer in this JVM: wrk against `dev` showed that path
     * reaching its rate only after ~40 s of load (294, 616, 753 ... 2,242, 3,695 req/s in 5 s runs), the JIT
     * compiling on the same 2 cores. JobRunr's in-process enqueue is flat from the first run.
     */
    @Override
    public int submitWarmUpRuns() {
        return 4;
    }

    @Override
    public LedgerProbe ledger() {
        return ledger;
    }

    @Override
    public List<Long> workerPids() {
        return workers.pids();
    }

    @Override
    public void close() {
        workers.close();
        api.close();
        ledger.close();
        http.close();
        poster.close();
        kafka.close();
    }
}
