package io.conveyor.app.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * One {@link ConveyorUnderTest} for a test class, and optionally a {@link WorkerFleet} or one {@link WorkerJvm} on it, started before the
 * class's first test and closed after its last. A test class states only what differs:
 * <pre>{@code
 * @RegisterExtension
 * static final ConveyorExtension conveyor = ConveyorExtension.named("retries").withFleet(3, Map.of("CONVEYOR_WORKER_THREADS", "2"));
 * }</pre>
 * or, for a class that reads one worker's own output, {@code ConveyorExtension.named("metrics").withWorker("metrics-worker", env)}.
 * The methods a test uses most are here; {@link #get()} is the installation itself, for the rest.
 */
public final class ConveyorExtension implements BeforeAllCallback, AfterAllCallback {

    /** The environment of the fleet's workers, computed when the class starts (it may prepare files for them). */
    @FunctionalInterface
    public interface FleetEnvironment {
        Map<String, String> get() throws Exception;
    }

    private final String name;
    private final int processes;
    private final FleetEnvironment fleetEnv;
    private final List<Path> extraClassPath;
    private final boolean awaitFleet;
    private final String workerName;
    private final FleetEnvironment workerEnv;
    private ConveyorUnderTest conveyor;
    private WorkerFleet fleet;
    private Map<String, String> workerExtraEnv;
    private WorkerJvm worker;

    private ConveyorExtension(String name, int processes, FleetEnvironment fleetEnv, List<Path> extraClassPath, boolean awaitFleet,
                              String workerName, FleetEnvironment workerEnv) {
        this.name = name;
        this.processes = processes;
        this.fleetEnv = fleetEnv;
        this.extraClassPath = extraClassPath;
        this.awaitFleet = awaitFleet;
        this.workerName = workerName;
        this.workerEnv = workerEnv;
    }

    /** An installation without workers of its own: its tests start theirs. {@code name} names its database, topics and logs. */
    public static ConveyorExtension named(String name) {
        return new ConveyorExtension(name, 0, Map::of, List.of(), false, null, Map::of);
    }

    /** With a fleet of {@code processes} workers for the whole class, with {@code env} beside the installation's. */
    public ConveyorExtension withFleet(int processes, Map<String, String> env) {
        return withFleet(processes, () -> env, List.of());
    }

    /** With a fleet whose environment is computed first thing when the class starts (it may prepare files for it). */
    public ConveyorExtension withFleet(int processes, FleetEnvironment env) {
        return withFleet(processes, env, List.of());
    }

    /**
     * With a fleet whose environment is computed first thing when the class starts, and whose class path is the
     * test's plus {@code extraClassPath}.
     */
    public ConveyorExtension withFleet(int processes, FleetEnvironment env, List<Path> extraClassPath) {
        return new ConveyorExtension(name, processes, env, extraClassPath, awaitFleet, workerName, workerEnv);
    }

    /** Before the first test, wait until every worker of the fleet has registered. */
    public ConveyorExtension awaitingFleet() {
        return new ConveyorExtension(name, processes, fleetEnv, extraClassPath, true, workerName, workerEnv);
    }

    /**
     * With one worker JVM named {@code workerName} (no supervisor), {@code env} beside the installation's, registered
     * before the first test: for a class that reads one worker's own output (its metrics, its ledger entries).
     */
    public ConveyorExtension withWorker(String workerName, Map<String, String> env) {
        return withWorker(workerName, () -> env);
    }

    /** With one worker JVM whose environment is computed first thing when the class starts (it may prepare files for it). */
    public ConveyorExtension withWorker(String workerName, FleetEnvironment env) {
        return new ConveyorExtension(name, processes, fleetEnv, extraClassPath, awaitFleet, workerName, env);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Map<String, String> env = processes > 0 ? fleetEnv.get() : Map.of();
        workerExtraEnv = workerName != null ? workerEnv.get() : Map.of();
        conveyor = ConveyorUnderTest.start(name);
        if (processes > 0) {
            fleet = WorkerFleet.start(name, processes, conveyor.kafka, conveyor.database, env, extraClassPath);
            if (awaitFleet) {
                conveyor.awaitRegistered(fleet, processes);
            }
        }
        if (workerName != null) {
            worker = startWorker(workerName);
        }
    }

    private WorkerJvm startWorker(String named) {
        WorkerJvm started = WorkerJvm.start(name, named, conveyor.workerEnv(workerExtraEnv));
        conveyor.awaitRegistered(started);
        return started;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (worker != null) {
            worker.close();
            worker = null;
        }
        if (fleet != null) {
            fleet.close();
            fleet = null;
        }
        if (conveyor != null) {
            conveyor.close();
            conveyor = null;
        }
    }

    /** The installation, while the class runs. */
    public ConveyorUnderTest get() {
        return Objects.requireNonNull(conveyor, "the installation runs only while its test class does");
    }

    /** The class's fleet (see {@link #withFleet}). */
    public WorkerFleet fleet() {
        return Objects.requireNonNull(fleet, "no fleet: started withFleet(...) only");
    }

    /** The class's one worker (see {@link #withWorker}). */
    public WorkerJvm worker() {
        return Objects.requireNonNull(worker, "no worker: started withWorker(...) only");
    }

    /** Stops the class's worker and starts another in its place, with the same environment, named {@code workerName}; returns once it registered. */
    public WorkerJvm replaceWorker(String workerName) {
        worker().close();
        worker = null;
        worker = startWorker(workerName);
        return worker;
    }

    public ConveyorClient client() {
        return get().client;
    }

    public KafkaSettings kafka() {
        return get().kafka;
    }

    public DatabaseSettings database() {
        return get().database;
    }

    public TestDatabase ledger() {
        return get().ledger();
    }

    public Map<String, String> workerEnv(Map<String, String> extra) {
        return get().workerEnv(extra);
    }

    public Set<String> registeredWorkers() {
        return get().registeredWorkers();
    }

    public void awaitRegistered(WorkerJvm... workers) {
        get().awaitRegistered(workers);
    }

    public void awaitRegistered(WorkerFleet workers, int processes) {
        get().awaitRegistered(workers, processes);
    }

    public JsonNode awaitState(UUID id, String state, Duration atMost) {
        return get().awaitState(id, state, atMost);
    }
}
