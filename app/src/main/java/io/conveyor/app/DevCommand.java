package io.conveyor.app;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiAuthSettings;
import io.conveyor.api.ApiSettings;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Topics;
import io.conveyor.worker.process.WorkerSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import io.conveyor.worker.process.WorkerSupervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * {@code conveyor dev}: everything on one machine. A real Kafka broker in-process (unless
 * {@code CONVEYOR_KAFKA_BOOTSTRAP} names one), PostgreSQL from {@code CONVEYOR_DB_URL}, else the local server, else an
 * embedded one; the API, the dashboard, and a supervisor with worker JVMs, which all use one data root for files
 * ({@code CONVEYOR_DATA_DIR}, default {@code ./data}).
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Start Kafka (embedded), PostgreSQL (local or embedded), the API, the dashboard and worker JVMs.")
final class DevCommand implements Callable<Integer> {

    private static final Logger LOGGER = LoggerFactory.getLogger(DevCommand.class);
    static final String WORKERS = "CONVEYOR_DEV_WORKERS";
    static final int WORKERS_DEFAULT = 2;
    static final String DEV_DIR = "CONVEYOR_DEV_DIR";
    private static final Duration WORKERS_READY_TIMEOUT = Duration.ofSeconds(60);
    /** Where dev looks for free ports for its workers' metrics when {@code CONVEYOR_METRICS_PORT} is not set. */
    static final int METRICS_PORT_FIRST = 9464;

    @Option(names = "--workers", paramLabel = "N", description = "Worker JVMs to start (default: $" + WORKERS + " or " + WORKERS_DEFAULT + ").")
    private Integer workers;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the embedded broker and database keep their data (default: $" + DEV_DIR + " or a new temporary directory).")
    private Path dir;

    /** Everything started, closed in reverse order. */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    @Override
    public Integer call() throws Exception {
        long startNanos = System.nanoTime();
        Env env = Env.system();
        int workerCount = workers != null ? workers : env.integer(WORKERS, WORKERS_DEFAULT, 0, 64);
        Path dataDir = dir != null ? dir : env.optional(DEV_DIR).map(Path::of).orElse(null);
        if (dataDir == null) {
            dataDir = Files.createTempDirectory("conveyor-dev-");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "conveyor-dev-stop"));

        KafkaSettings kafka = kafka(env, dataDir);
        DatabaseSettings database = database(env, dataDir);
        // Named to the workers as an absolute path, so that they agree with what this prints whatever their directory.
        Path files = Files.createDirectories(WorkerSettings.dataDir(env));
        ApiAuthSettings auth = ApiAuthSettings.from(env);
        ApiApplication api = ApiApplication.start(ApiSettings.from(env), auth, kafka, database);
        started.push(api);
        // Each worker JVM serves its own metrics and health: the supervisor gives worker i the port first + i - 1.
        int metricsPort = env.optional(WorkerSettings.METRICS_PORT).isPresent()
                ? env.integer(WorkerSettings.METRICS_PORT, 0, 1, 65_535)
                : freePorts(METRICS_PORT_FIRST, Math.max(1, workerCount));
        Map<String, String> workerEnvironment = workerEnvironment(kafka, database, files);
        workerEnvironment.put(WorkerSettings.METRICS_PORT, Integer.toString(metricsPort));
        WorkerSupervisor supervisor = new WorkerSupervisor(workerCount, JavaCommand.withJvmOptions(
                JavaCommand.forRole(env.string(WorkerCommand.HEAP, WorkerCommand.HEAP_DEFAULT), "worker"), JavaCommand.DEV_JVM_OPTIONS),
                workerEnvironment,
                Optional.empty());
        started.push(supervisor);
        awaitWorkersRegistered(database, workerCount, Instant.now().minusSeconds(1));
        awaitIntakeAssigned(kafka, workerCount);

        System.out.printf("""

                Conveyor dev is up in %.1f s
                  API        http://localhost:%d   (POST /jobs, GET /jobs/{id})
                  Dashboard  http://localhost:%d/dashboard   (%s)
                  Auth       %s
                  Metrics    http://localhost:%d/metrics   (API)
                %s
                  Kafka      %s
                  PostgreSQL %s
                  Workers    %d JVMs under a supervisor
                  Files      %s   (%s: paths in job payloads are relative to it)
                  Data       %s
                Try: curl -XPOST localhost:%d/jobs -d '{"type":"primes","payload":{"from":0,"to":1000000}}'
                Stop with Ctrl+C.

                """, Duration.ofNanos(System.nanoTime() - startNanos).toMillis() / 1000.0, api.port(), api.dashboardPort(),
                auth.dashboardUser().isPresent() ? "basic auth" : "open: " + ApiAuthSettings.DASHBOARD_USER + " unset",
                auth.tokensRequired()
                        ? "bearer tokens required (" + auth.tokens().size() + " in " + ApiAuthSettings.API_TOKENS + ")"
                        : "off: " + ApiAuthSettings.API_TOKENS + " unset, anyone who reaches the API may use it",
                api.port(), workerEndpoints(metricsPort, workerCount),
                kafka.bootstrapServers(), database.jdbcUrl(), workerCount, files, WorkerSettings.DATA_DIR, dataDir, api.port());
        new CountDownLatch(1).await(); // until Ctrl+C: the shutdown hook stops everything
        return 0;
    }

    private KafkaSettings kafka(Env env, Path dataDir) {
        if (env.optional(KafkaSettings.BOOTSTRAP).isPresent()) {
            return KafkaSettings.from(env);
        }
        LOGGER.info("no {} set: starting an embedded Kafka broker", KafkaSettings.BOOTSTRAP);
        EmbeddedKafka broker = EmbeddedKafka.start(dataDir.resolve("kafka"));
        started.push(broker);
        KafkaSettings configured = KafkaSettings.from(env);
        return new KafkaSettings(broker.bootstrapServers(), configured.topics(), configured.replication());
    }

    private DatabaseSettings database(Env env, Path dataDir) throws IOException {
        DatabaseSettings configured = DatabaseSettings.from(env);
        if (env.optional(DatabaseSettings.URL).isPresent() || PostgresProbe.isReachable(configured, Duration.ofSeconds(2))) {
            return configured;
        }
        LOGGER.info("no PostgreSQL at {} and no {} set: starting an embedded PostgreSQL", configured.jdbcUrl(), DatabaseSettings.URL);
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(Files.createDirectories(dataDir.resolve("postgres")));
        started.push(postgres);
        return postgres.settings();
    }

    /** Each worker's metrics URL, one line each. */
    private static String workerEndpoints(int first, int count) {
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            lines.append(String.format("             http://localhost:%d/metrics   (worker %d; /health/ready too)%n", first + i - 1, i));
        }
        return lines.toString().stripTrailing();
    }

    /** The first of {@code count} consecutive ports from {@code from} on that nothing listens on now. */
    static int freePorts(int from, int count) {
        int first = from;
        while (first + count <= 65_535) {
            int free = 0;
            while (free < count && isFree(first + free)) {
                free++;
            }
            if (free == count) {
                return first;
            }
            first += free + 1;
        }
        throw new IllegalStateException("no " + count + " consecutive free ports from " + from);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Map<String, String> workerEnvironment(KafkaSettings kafka, DatabaseSettings database, Path dataRoot) {
        Map<String, String> environment = new HashMap<>(kafka.asEnvironment());
        environment.putAll(database.asEnvironment());
        environment.put(WorkerSettings.DATA_DIR, dataRoot.toString());
        return environment;
    }

    /** Waits until the workers announced themselves in the ledger, so that "up" means ready to run jobs. */
    private static void awaitWorkersRegistered(DatabaseSettings database, int count, Instant since) throws InterruptedException {
        long deadline = System.nanoTime() + WORKERS_READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
                 PreparedStatement select = connection.prepareStatement("select count(*) from jobrunr_backgroundjobservers where firstHeartbeat >= ?")) {
                select.setTimestamp(1, Timestamp.from(since));
                try (ResultSet rows = select.executeQuery()) {
                    if (rows.next() && rows.getInt(1) >= count) {
                        return;
                    }
                }
            } catch (SQLException e) {
                LOGGER.debug("workers not registered yet: {}", e.toString());
            }
            Thread.sleep(200); // polling the ledger for readiness; nothing to be notified by
        }
        LOGGER.warn("not all {} workers registered within {} s; see their output above", count, WORKERS_READY_TIMEOUT.toSeconds());
    }

    /** Waits until the workers' consumer group is stable with all of them, so that the first job is ingested at once. */
    private static void awaitIntakeAssigned(KafkaSettings kafka, int count) throws InterruptedException {
        if (count == 0) {
            return;
        }
        String group = kafka.topics().workerGroup();
        long deadline = System.nanoTime() + WORKERS_READY_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            while (System.nanoTime() < deadline) {
                try {
                    ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
                    if (description.groupState() == GroupState.STABLE && description.members().size() >= Math.min(count, Topics.JOBS_PARTITIONS)) {
                        return;
                    }
                } catch (ExecutionException e) {
                    LOGGER.debug("intake group not described yet: {}", e.getCause().toString());
                }
                Thread.sleep(200); // polling the broker for readiness; nothing to be notified by
            }
        }
        LOGGER.warn("the workers' intake did not settle within {} s", WORKERS_READY_TIMEOUT.toSeconds());
    }

    private void stopAll() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                LOGGER.warn("while stopping: {}", e.toString());
            }
        }
    }
}
