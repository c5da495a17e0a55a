package io.conveyor.app.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Conveyor installation for one test class: its own database and topics on the shared real services, an API in
 * this JVM, and a client. Worker JVMs are started by the test ({@link WorkerFleet}, {@link WorkerJvm}) with
 * {@link #workerEnv}.
 */
public final class ConveyorUnderTest implements AutoCloseable {

    public final KafkaSettings kafka;
    public final DatabaseSettings database;
    public final ApiApplication api;
    public final ConveyorClient client;

    private ConveyorUnderTest(String name, DatabaseSettings database) {
        this.kafka = TestServices.newKafka(name);
        this.database = database;
        this.api = ApiApplication.start(new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT,
                Duration.ofSeconds(5), "test-secret-" + name + "-0123456789"), kafka, database);
        this.client = new ConveyorClient(api.port(), api.dashboardPort());
    }

    public static ConveyorUnderTest start(String name) {
        return new ConveyorUnderTest(name, TestServices.newDatabase(name));
    }

    /** An installation whose ledger is {@code database} (a PostgreSQL server of the test's own). */
    public static ConveyorUnderTest start(String name, DatabaseSettings database) {
        return new ConveyorUnderTest(name, database);
    }

    /** The environment a worker JVM of this installation needs, plus {@code extra}. */
    public Map<String, String> workerEnv(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(kafka.asEnvironment());
        env.putAll(database.asEnvironment());
        env.putAll(extra);
        return env;
    }

    /** JDBC on this installation's ledger. */
    public TestDatabase ledger() {
        return new TestDatabase(database);
    }

    /**
     * How long a worker JVM may take to start and register, on a busy machine: only a worker that never registers
     * should fail a wait for it. Four JVMs starting at once on two cores that other processes kept busy took more than
     * 90 s in a loaded fresh-clone run.
     */
    public static final Duration WORKER_START = Duration.ofMinutes(3);

    /** The names of the workers registered in this installation's ledger (JobRunr's servers, as the dashboard lists them). */
    public Set<String> registeredWorkers() {
        Set<String> names = new HashSet<>();
        client.servers().forEach(server -> names.add(server.get("name").asText()));
        return names;
    }

    /**
     * Waits until each of these workers has registered, by name: a count of servers would also count those that
     * earlier tests left in the ledger.
     */
    public void awaitRegistered(WorkerJvm... workers) {
        List<String> names = Arrays.stream(workers).map(WorkerJvm::name).toList();
        await().atMost(WORKER_START).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(registeredWorkers()).as("registered workers").containsAll(names));
    }

    /**
     * Waits until the fleet runs {@code processes} workers and each of them has registered, by name: a fleet started
     * without {@code CONVEYOR_WORKER_NAME} gives its workers the default name, which ends with the pid.
     */
    public void awaitRegistered(WorkerFleet fleet, int processes) {
        fleet.awaitUp(() -> {
            List<Long> pids = fleet.supervisor().pids();
            assertThat(pids).as("the fleet's worker processes").hasSize(processes);
            Set<String> registered = registeredWorkers();
            assertThat(pids).as("pids of the fleet's workers, registered: %s", registered)
                    .allMatch(pid -> registered.stream().anyMatch(name -> name.endsWith("-" + pid)));
        });
    }

    /** Waits until the job reaches {@code state}, and returns it. */
    public JsonNode awaitState(UUID id, String state, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(client.job(id).get("state").asText()).as("state of job " + id).isEqualTo(state));
        return client.job(id);
    }

    /** The history entries of a job, oldest first. */
    public static List<JsonNode> history(JsonNode job) {
        return StreamSupport.stream(job.get("history").spliterator(), false).toList();
    }

    /** How many times the job's history holds {@code state}. */
    public static long count(JsonNode job, String state) {
        return history(job).stream().filter(entry -> entry.get("state").asText().equals(state)).count();
    }

    /** The worker names of the job's PROCESSING entries, oldest first. */
    public static List<String> workersThatRan(JsonNode job) {
        return history(job).stream().filter(entry -> entry.get("state").asText().equals("PROCESSING"))
                .map(entry -> entry.get("worker").asText()).toList();
    }

    @Override
    public void close() {
        api.close();
    }
}
