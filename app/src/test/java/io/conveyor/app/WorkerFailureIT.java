package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerFleet;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.fleet.LivenessLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Worker processes that die or hang with jobs in progress, on real JVMs: their jobs run again on a survivor and end
 * SUCCEEDED exactly once. The time from the kill to the re-run is printed (a benchmark figure), not asserted.
 */
class WorkerFailureIT {

    private static final Map<String, String> ONE_THREAD = Map.of("CONVEYOR_WORKER_THREADS", "1");
    private static ConveyorUnderTest conveyor;

    @BeforeAll
    static void start() {
        conveyor = ConveyorUnderTest.start("failure");
    }

    @AfterAll
    static void stop() {
        if (conveyor != null) {
            conveyor.close();
        }
    }

    @Test
    void jobsOfAKilledUnsupervisedWorkerRunAgainOnTheSurvivor() {
        try (WorkerJvm first = WorkerJvm.start("failure", "unsupervised-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("failure", "unsupervised-2", conveyor.workerEnv(ONE_THREAD))) {
            awaitWorkersRegistered(2);
            UUID job = submitLongJob();
            WorkerJvm victim = whoRuns(job, first, second);
            long killedAt = System.nanoTime();
            victim.kill();
            JsonNode done = awaitRerunElsewhereAndSucceeded(job, victim.name(), killedAt, "kill -9, no supervisor");
            assertThat(workersThatRan(done)).last().isEqualTo(victim == first ? second.name() : first.name());
        }
    }

    @Test
    void jobsOfAKilledSupervisedWorkerRunAgainElsewhereAndTheSupervisorRestartsIt() {
        try (WorkerFleet fleet = WorkerFleet.start("failure-supervised", 2, conveyor.kafka, conveyor.database, ONE_THREAD)) {
            awaitWorkersRegistered(2);
            UUID job = submitLongJob();
            JsonNode running = awaitRunning(job);
            String victim = workersThatRan(running).getLast();
            long victimPid = pidOf(victim);
            List<Long> before = fleet.supervisor().pids();
            assertThat(before).contains(victimPid);

            long killedAt = System.nanoTime();
            ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
            awaitRerunElsewhereAndSucceeded(job, victim, killedAt, "kill -9, supervised");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(fleet.supervisor().pids()).hasSize(2).doesNotContain(victimPid));
        }
    }

    @Test
    void jobsOfAHungWorkerGoToAnotherWithinTheHeartbeatTimeout() {
        try (WorkerJvm first = WorkerJvm.start("failure", "hang-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("failure", "hang-2", conveyor.workerEnv(ONE_THREAD))) {
            awaitWorkersRegistered(2);
            UUID job = conveyor.client.submit("{\"type\":\"sleep\",\"payload\":{\"millis\":20000}}");
            WorkerJvm victim = whoRuns(job, first, second);
            long stoppedAt = System.nanoTime();
            victim.signal("STOP");
            JsonNode done = awaitRerunElsewhereAndSucceeded(job, victim.name(), stoppedAt, "SIGSTOP (hung)");
            assertThat(workersThatRan(done)).last().isNotEqualTo(victim.name());
            victim.signal("CONT");
            // The thawed worker's own attempt must not record a second SUCCEEDED.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).untilAsserted(() ->
                    assertThat(count(conveyor.client.job(job), "SUCCEEDED")).isEqualTo(1));
        }
    }

    @Test
    void aWorkerWhoseLivenessConnectionDropsTakesTheLockAgainAndKeepsItsJob() throws Exception {
        try (WorkerJvm first = WorkerJvm.start("failure", "reconnect-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("failure", "reconnect-2", conveyor.workerEnv(ONE_THREAD));
             Connection admin = DriverManager.getConnection(conveyor.database.jdbcUrl(), conveyor.database.user(), conveyor.database.password())) {
            awaitWorkersRegistered(2);
            UUID job = submitLongJob();
            WorkerJvm runner = whoRuns(job, first, second);
            long key = LivenessLock.key(serverIdOf(runner.name()));
            // What a PostgreSQL restart or a network blip does to the lock's session, while the worker lives on.
            try (PreparedStatement terminate = admin.prepareStatement("select pg_terminate_backend(pid) from pg_locks"
                    + " where locktype = 'advisory' and objsubid = 1 and classid = ? and objid = ?")) {
                terminate.setLong(1, key >>> 32);
                terminate.setLong(2, key & 0xFFFFFFFFL);
                try (ResultSet terminated = terminate.executeQuery()) {
                    assertThat(terminated.next() && terminated.getBoolean(1)).as("the runner's liveness session was terminated").isTrue();
                }
            }
            JsonNode done = conveyor.awaitState(job, "SUCCEEDED", Duration.ofSeconds(30));
            assertThat(workersThatRan(done)).as("ran once, on the worker whose session dropped: not taken for dead")
                    .containsExactly(runner.name());
            try (PreparedStatement held = admin.prepareStatement("select count(*) from pg_locks"
                    + " where locktype = 'advisory' and objsubid = 1 and classid = ? and objid = ? and granted")) {
                held.setLong(1, key >>> 32);
                held.setLong(2, key & 0xFFFFFFFFL);
                try (ResultSet count = held.executeQuery()) {
                    assertThat(count.next() && count.getInt(1) == 1).as("the runner holds its liveness lock again").isTrue();
                }
            }
        }
    }

    private static UUID serverIdOf(String workerName) {
        for (JsonNode server : conveyor.client.getJson(dashboard() + "/api/servers")) {
            if (server.get("name").asText().equals(workerName)) {
                return UUID.fromString(server.get("id").asText());
            }
        }
        throw new AssertionError("no server named " + workerName);
    }

    private static UUID submitLongJob() {
        return conveyor.client.submit("{\"type\":\"sleep\",\"payload\":{\"millis\":8000}}");
    }

    /** Waits until one of the workers runs the job, and returns that one. */
    private static WorkerJvm whoRuns(UUID job, WorkerJvm... workers) {
        String runner = workersThatRan(awaitRunning(job)).getLast();
        return java.util.Arrays.stream(workers).filter(w -> w.name().equals(runner)).findFirst().orElseThrow();
    }

    private static JsonNode awaitRunning(UUID job) {
        return conveyor.awaitState(job, "PROCESSING", Duration.ofSeconds(30));
    }

    private static JsonNode awaitRerunElsewhereAndSucceeded(UUID job, String victim, long killedAtNanos, String how) {
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(workersThatRan(conveyor.client.job(job))).hasSizeGreaterThan(1).last().isNotEqualTo(victim));
        double seconds = (System.nanoTime() - killedAtNanos) / 1e9;
        System.out.printf("[benchmark] %s: the job re-ran on another worker %.2f s after the failure%n", how, seconds);
        JsonNode done = conveyor.awaitState(job, "SUCCEEDED", Duration.ofSeconds(30));
        assertThat(count(done, "SUCCEEDED")).isEqualTo(1);
        assertThat(done.get("history").toString()).contains(victim);
        return done;
    }

    private static void awaitWorkersRegistered(int count) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(conveyor.client.getJson(dashboard() + "/api/servers").size()).isGreaterThanOrEqualTo(count));
    }

    private static String dashboard() {
        return "http://127.0.0.1:" + conveyor.api.dashboardPort();
    }

    /** Default worker names end with the pid: worker-host-pid. */
    private static long pidOf(String workerName) {
        return Long.parseLong(workerName.substring(workerName.lastIndexOf('-') + 1));
    }

}
