package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerFleet;
import io.conveyor.app.testing.WorkerJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
