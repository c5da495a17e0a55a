package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.WorkerFleet;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.process.WorkerSettings;
import io.conveyor.worker.fleet.LivenessLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.history;
import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Worker processes that die or hang with jobs in progress, on real JVMs: their jobs run again on a survivor and end
 * SUCCEEDED exactly once. The time from the kill to the re-run is printed (a benchmark figure), not asserted.
 */
class WorkerFailureIT {

    private static final Map<String, String> ONE_THREAD = Map.of("CONVEYOR_WORKER_THREADS", "1");
    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("failure");

    @Test
    void jobsOfAKilledUnsupervisedWorkerRunAgainOnTheSurvivor() {
        try (WorkerJvm first = WorkerJvm.start("failure", "unsupervised-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("failure", "unsupervised-2", conveyor.workerEnv(ONE_THREAD))) {
            conveyor.awaitRegistered(first, second);
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
        try (WorkerFleet fleet = WorkerFleet.start("failure-supervised", 2, conveyor.kafka(), conveyor.database(), ONE_THREAD)) {
            conveyor.awaitRegistered(fleet, 2);
            UUID job = submitLongJob();
            JsonNode running = awaitRunning(job);
            String victim = workersThatRan(running).getLast();
            long victimPid = pidOf(victim);
            List<Long> before = fleet.supervisor().pids();
            assertThat(before).contains(victimPid);

            long killedAt = System.nanoTime();
            ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
            awaitRerunElsewhereAndSucceeded(job, victim, killedAt, "kill -9, supervised");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(fleet.supervisor().pids()).hasSize(2).doesNotContain(victimPid));
        }
    }

    @Test
    void jobsOfAHungWorkerGoToAnotherWithinTheHeartbeatTimeout() throws InterruptedException {
        try (WorkerJvm first = WorkerJvm.start("failure", "hang-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("failure", "hang-2", conveyor.workerEnv(ONE_THREAD))) {
            conveyor.awaitRegistered(first, second);
            UUID job = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":20000}}");
            WorkerJvm victim = whoRuns(job, first, second);
            long stoppedAt = System.nanoTime();
            victim.signal("STOP");
            JsonNode done = awaitRerunElsewhereAndSucceeded(job, victim.name(), stoppedAt, "SIGSTOP (hung)");
            assertThat(workersThatRan(done)).last().isNotEqualTo(victim.name());
            // Given away because its heartbeat was older than the hang timeout: not by JobRunr's own orphan check
            // (four poll intervals, 20 s or more), which no time bound could tell apart on a busy machine.
            assertThat(history(done)).filteredOn(entry -> entry.get("state").asText().equals("FAILED"))
                    .singleElement().satisfies(failed -> assertThat(failed.get("message").asText()).as("why the job left the hung worker")
                            .isEqualTo("worker process " + victim.name() + " stopped responding (no heartbeat for "
                                    + WorkerSettings.HANG_TIMEOUT_DEFAULT.toSeconds() + " s)"));

            // The thawed worker's own attempt (its 20 s are long over) must change nothing, in particular not record
            // a second SUCCEEDED. Thawed, the worker finds it was given up and restarts its job server, which lets the
            // running job finish before it registers again; once the worker has then stopped, whatever it was going
            // to write is written.
            victim.signal("CONT");
            conveyor.awaitRegistered(victim);
            victim.terminate();
            assertThat(victim.process().waitFor(60, TimeUnit.SECONDS)).as("the thawed worker stopped").isTrue();
            JsonNode after = conveyor.client().job(job);
            assertThat(after.get("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(count(after, "SUCCEEDED")).isEqualTo(1);
            assertThat(after.get("history")).as("history after the thawed worker stopped").isEqualTo(done.get("history"));
        }
    }

    @Test
    void aWorkerWhoseLivenessConnectionDropsTakesTheLockAgainAndKeepsItsJob() throws Exception {
        try (WorkerJvm first = WorkerJvm.start("failure", "reconnect-1", conveyor.workerEnv(ONE_THREAD));
             WorkerJvm second = WorkerJvm.start("failure", "reconnect-2", conveyor.workerEnv(ONE_THREAD));
             Connection admin = conveyor.ledger().connect()) {
            conveyor.awaitRegistered(first, second);
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
            JsonNode done = conveyor.awaitState(job, "SUCCEEDED", Duration.ofSeconds(60));
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
        for (JsonNode server : conveyor.client().servers()) {
            if (server.get("name").asText().equals(workerName)) {
                return UUID.fromString(server.get("id").asText());
            }
        }
        throw new AssertionError("no server named " + workerName);
    }

    private static UUID submitLongJob() {
        return conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":8000}}");
    }

    /** Waits until one of the workers runs the job, and returns that one. */
    private static WorkerJvm whoRuns(UUID job, WorkerJvm... workers) {
        String runner = workersThatRan(awaitRunning(job)).getLast();
        return java.util.Arrays.stream(workers).filter(w -> w.name().equals(runner)).findFirst().orElseThrow();
    }

    private static JsonNode awaitRunning(UUID job) {
        return conveyor.awaitState(job, "PROCESSING", Duration.ofSeconds(60));
    }

    private static JsonNode awaitRerunElsewhereAndSucceeded(UUID job, String victim, long killedAtNanos, String how) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(workersThatRan(conveyor.client().job(job))).hasSizeGreaterThan(1).last().isNotEqualTo(victim));
        double seconds = (System.nanoTime() - killedAtNanos) / 1e9;
        System.out.printf("[benchmark] %s: the job re-ran on another worker %.2f s after the failure%n", how, seconds);
        JsonNode done = conveyor.awaitState(job, "SUCCEEDED", Duration.ofSeconds(90));
        assertThat(count(done, "SUCCEEDED")).isEqualTo(1);
        assertThat(done.get("history").toString()).contains(victim);
        return done;
    }

    /** Default worker names end with the pid: worker-host-pid. */
    private static long pidOf(String workerName) {
        return Long.parseLong(workerName.substring(workerName.lastIndexOf('-') + 1));
    }

}
