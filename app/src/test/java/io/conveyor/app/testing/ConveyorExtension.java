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
 * One {@link ConveyorUnderTest} for a test class, and optionally a {@link WorkerFleet} on it, started before the
 * class's first test and closed after its last. A test class states only what differs:
 * <pre>{@code
 * @RegisterExtension
 * static final ConveyorExtension conveyor = ConveyorExtension.named("retries").withFleet(3, Map.of("CONVEYOR_WORKER_THREADS", "2"));
 * }</pre>
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
    private ConveyorUnderTest conveyor;
    private WorkerFleet fleet;

    private ConveyorExtension(String name, int processes, FleetEnvironment fleetEnv, List<Path> extraClassPath, boolean awaitFleet) {
        this.name = name;
        this.processes = processes;
        this.fleetEnv = fleetEnv;
        this.extraClassPath = extraClassPath;
        this.awaitFleet = awaitFleet;
    }

    /** An installation without workers of its own: its tests start theirs. {@code name} names its database, topics and logs. */
    public static ConveyorExtension named(String name) {
        return new ConveyorExtension(name, 0, Map::of, List.of(), false);
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
        return new ConveyorExtension(name, processes, env, extraClassPath, awaitFleet);
    }

    /** Before the first test, wait until every worker of the fleet has registered. */
    public ConveyorExtension awaitingFleet() {
        return new ConveyorExtension(name, processes, fleetEnv, extraClassPath, true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Map<String, String> env = processes > 0 ? fleetEnv.get() : Map.of();
        conveyor = ConveyorUnderTest.start(name);
        if (processes > 0) {
            fleet = WorkerFleet.start(name, processes, conveyor.kafka, conveyor.database, env, extraClassPath);
            if (awaitFleet) {
                conveyor.awaitRegistered(fleet, processes);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
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
