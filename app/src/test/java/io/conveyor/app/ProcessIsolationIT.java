package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.WorkerFleet;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.common.JobSubmissionJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.history;
import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Processes as the unit of isolation, on real worker JVMs: a job that exhausts its worker's heap takes down only
 * that worker and is quarantined after killing two; a worker stopped with SIGTERM drains and loses nothing; every
 * worker of a fleet takes part in the work.
 */
class ProcessIsolationIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("isolation");

    @Test
    void aJobThatExhaustsTheHeapKillsOnlyItsWorkerAndIsQuarantinedAfterTwoKills() {
        try (WorkerFleet fleet = WorkerFleet.start("isolation-poison", 3, conveyor.kafka(), conveyor.database(), Map.of("CONVEYOR_WORKER_THREADS", "2"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.supervisor().pids().size() == 3);
            UUID poison = conveyor.client().submit("{\"type\":\"allocate\",\"payload\":{\"megabytes\":2048},\"maxAttempts\":5}");
            List<UUID> normal = IntStream.range(0, 100).mapToObj(i -> conveyor.client().submit(i % 2 == 0
                    ? "{\"type\":\"noop\"}" : "{\"type\":\"sleep\",\"payload\":{\"millis\":20}}")).toList();

            JsonNode quarantined = conveyor.awaitState(poison, "FAILED", Duration.ofSeconds(90));
            assertThat(quarantined.get("error").asText()).contains("killed its worker process 2 times");
            // Two recorded kills quarantine it. A worker thrashing on its full heap can, on a busy machine, go without a
            // heartbeat past the hang timeout before its JVM gives up: then it is judged hung and that run moves on too.
            // Every death this job causes names it as the culprit (the dying worker's note): a death without its note would
            // count as a bystander's and let the job run on a fourth worker. Printed so a loaded run shows how each run ended.
            List<String> endings = history(quarantined).stream().filter(entry -> entry.get("state").asText().equals("FAILED"))
                    .map(entry -> entry.path("message").asText()).toList();
            System.out.println("[isolation] how the poison job's runs ended: " + endings);
            assertThat(endings).as("how its runs ended").filteredOn(ending -> ending.contains("killed its worker process")).hasSize(2);
            // A death without its note is a defect: CI once saw two in one run (a wrapped error's ordinary exit, or a thread
            // halting while the note was written; both closed since, see CHANGELOG). One is still allowed until loaded runs
            // show none is left; the job still ends quarantined after two noted kills.
            long unnoted = endings.stream().filter(ending -> ending.contains("died while running this job")).count();
            assertThat(unnoted).as("deaths without the culprit's note: %s", endings).isLessThanOrEqualTo(1);
            long judgedHung = endings.stream().filter(ending -> ending.contains("stopped responding")).count();
            List<String> ranIt = workersThatRan(quarantined);
            assertThat(ranIt).hasSize(2 + (int) judgedHung + (int) unnoted).doesNotHaveDuplicates();
            for (UUID id : normal) {
                assertThat(count(conveyor.awaitState(id, "SUCCEEDED", Duration.ofSeconds(90)), "SUCCEEDED")).isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(fleet.supervisor().pids()).as("the fleet is back to 3").hasSize(3));
            // Counted by the supervisor, not from the pids alive now: the second kill may hit a worker restarted after the first.
            assertThat(fleet.supervisor().restarts()).as("worker restarts").isBetween(2, ranIt.size());
        }
    }

    @Test
    void aWorkerStoppedWithSigtermDrainsAndEveryJobSucceedsExactlyOnce() throws InterruptedException {
        Map<String, String> env = new HashMap<>(Map.of("CONVEYOR_WORKER_THREADS", "2", "CONVEYOR_STOP_GRACE_SECONDS", "1"));
        try (WorkerJvm stopping = WorkerJvm.start("isolation", "stopping", conveyor.workerEnv(env));
             WorkerJvm staying = WorkerJvm.start("isolation", "staying", conveyor.workerEnv(env))) {
            conveyor.awaitRegistered(stopping, staying);
            // 50 jobs, 0.2 to 3 s each: some finish within the grace period, the longer ones are handed back.
            List<UUID> jobs = IntStream.range(0, 50).mapToObj(i -> conveyor.client().submit(
                    "{\"type\":\"sleep\",\"payload\":{\"millis\":" + (i % 5 == 0 ? 3000 : 200) + "}}")).toList();
            await().atMost(Duration.ofSeconds(60)).until(() -> jobs.stream().anyMatch(id ->
                    workersThatRan(conveyor.client().job(id)).contains("stopping")));

            stopping.terminate();
            assertThat(stopping.process().waitFor(30, TimeUnit.SECONDS)).as("the worker stopped").isTrue();
            assertThat(stopping.process().exitValue()).as("exit code after SIGTERM").isZero();

            for (UUID id : jobs) {
                JsonNode job = conveyor.awaitState(id, "SUCCEEDED", Duration.ofSeconds(90));
                assertThat(count(job, "SUCCEEDED")).isEqualTo(1);
                assertThat(job.get("attempts").asInt()).as("a hand-back is not an attempt: %s", job).isEqualTo(1);
            }
        }
    }

    @Test
    void fourWorkersShareFourHundredJobsEveryOneTakesPartAndNoneTakesMost() throws Exception {
        // sleep runs on the per-core job pool here (2 threads), as every type did before the waiting lane: each worker
        // can hold only 2 jobs, so the share shows how claims spread work (on the waiting lane one worker may rightly
        // hold 32 of these short jobs at once and run most of them).
        try (WorkerFleet fleet = WorkerFleet.start("isolation-balance", 4, conveyor.kafka(), conveyor.database(),
                Map.of("CONVEYOR_WORKER_THREADS", "2", "CONVEYOR_JOB_KINDS", "sleep=compute"))) {
            conveyor.awaitRegistered(fleet, 4);
            // Submitted in batches, so that there is more work than threads and every worker claims as fast as it
            // can: that is when the share matters. (One at a time, slower than the fleet runs them, each job goes to
            // the worker whose intake wrote it to the ledger, so the share follows the intake's partitions.)
            String batch = "[" + String.join(",", Collections.nCopies(100, "{\"type\":\"sleep\",\"payload\":{\"millis\":50}}")) + "]";
            List<UUID> jobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> accepted = conveyor.client().post("/jobs/batch", batch);
                assertThat(accepted.statusCode()).isEqualTo(202);
                JobSubmissionJson.MAPPER.readTree(accepted.body()).get("ids").forEach(id -> jobs.add(UUID.fromString(id.asText())));
            }
            Map<String, Long> perWorker = jobs.stream()
                    .map(id -> conveyor.awaitState(id, "SUCCEEDED", Duration.ofSeconds(120)))
                    .collect(Collectors.groupingBy(job -> workersThatRan(job).getLast(), Collectors.counting()));
            System.out.println("[benchmark] 400 sleep(50 ms) jobs on 4 workers, jobs per worker: " + perWorker);
            // What the design guarantees, however busy the machine: each worker claims while it has free threads, so
            // every one takes part and none takes most. How even the spread is depends on the machine's load: printed.
            assertThat(perWorker).as("workers that ran jobs").hasSize(4);
            assertThat(perWorker.values()).as("jobs per worker").allSatisfy(ran -> assertThat(ran).isLessThan(jobs.size() / 2L));
        }
    }

}
