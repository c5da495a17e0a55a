package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.RunOverlap.firstStart;
import static io.conveyor.app.testing.RunOverlap.mostAtOnce;
import static io.conveyor.app.testing.RunOverlap.reached;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Priorities and fleet-wide type limits, decided in the claim, on real worker JVMs. The order jobs ran in and how many
 * ran at once are read from the ledger's history, not from timings.
 */
class PrioritiesIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("priorities");

    @Test
    void aHighJobGoesAheadOfTheNormalJobsQueuedBeforeIt() {
        try (WorkerJvm worker = WorkerJvm.start("priorities", "priorities-high", conveyor.workerEnv(Map.of(WorkerSettings.WAITING_JOBS, "2")))) {
            conveyor.awaitRegistered(worker);
            List<UUID> normal = submit(Collections.nCopies(300, "{\"type\":\"sleep\",\"payload\":{\"millis\":30}}"));
            UUID high = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":30},\"priority\":\"high\"}");
            awaitSucceeded(normal, high);
            Instant highStarted = firstStart(conveyor.client().job(high));
            long normalsAfter = normal.stream().map(conveyor.client()::job).filter(job -> firstStart(job).isAfter(highStarted)).count();
            System.out.printf("[priorities] a high job submitted behind 300 normal ones started before %d of them%n", normalsAfter);
            // Oldest first would have run it last; with 2 at a time it can only trail those that started before it came.
            assertThat(normalsAfter).as("normal jobs that started after the high one").isGreaterThanOrEqualTo(200);
        }
    }

    @Test
    void aLowJobIsNotStarvedByAStreamOfNormalOnes() {
        try (WorkerJvm worker = WorkerJvm.start("priorities", "priorities-aging", conveyor.workerEnv(Map.of(
                WorkerSettings.WAITING_JOBS, "1", WorkerSettings.PRIORITY_AGING_SECONDS, "1")))) {
            conveyor.awaitRegistered(worker);
            // Each step waits until the ledger holds the jobs of the one before: Kafka's partitions would otherwise let
            // intake write some of the later jobs before the low one, which would then be younger than they are.
            List<UUID> first = submit(Collections.nCopies(20, "{\"type\":\"sleep\",\"payload\":{\"millis\":50}}"));
            awaitInLedger(first);
            UUID low = conveyor.client().submit("{\"type\":\"sleep\",\"payload\":{\"millis\":50},\"priority\":\"low\"}");
            awaitInLedger(List.of(low));
            List<UUID> later = submit(Collections.nCopies(200, "{\"type\":\"sleep\",\"payload\":{\"millis\":50}}"));
            List<UUID> normal = new ArrayList<>(first);
            normal.addAll(later);
            awaitSucceeded(normal, low);
            Instant lowStarted = firstStart(conveyor.client().job(low));
            long laterAfter = later.stream().map(conveyor.client()::job).filter(job -> firstStart(job).isAfter(lowStarted)).count();
            System.out.printf("[priorities] a low job ran before %d of the 200 normal jobs submitted after it (aging 1 s)%n", laterAfter);
            // Without aging it would run after every normal job: 10 s of them, one at a time.
            assertThat(laterAfter).as("normal jobs submitted after the low one that started after it").isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void aTypeLimitHoldsAcrossThreeWorkersWhileOtherTypesFlowPast() {
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.TYPE_LIMITS, "sleep=2"));
        try (WorkerJvm first = WorkerJvm.start("priorities", "priorities-limit-1", env);
             WorkerJvm second = WorkerJvm.start("priorities", "priorities-limit-2", env);
             WorkerJvm third = WorkerJvm.start("priorities", "priorities-limit-3", env)) {
            conveyor.awaitRegistered(first, second, third);
            List<UUID> limited = submit(Collections.nCopies(30, "{\"type\":\"sleep\",\"payload\":{\"millis\":300}}"));
            List<UUID> others = submit(Collections.nCopies(60, "{\"type\":\"noop\"}"));
            awaitSucceeded(limited, null);
            awaitSucceeded(others, null);
            List<JsonNode> sleeps = limited.stream().map(conveyor.client()::job).toList();
            int sleepsAtOnce = mostAtOnce(sleeps);
            long workersThatRanSleeps = sleeps.stream().map(job -> ConveyorUnderTest.workersThatRan(job).getLast()).distinct().count();
            Instant lastSleepStarted = sleeps.stream().map(job -> firstStart(job)).max(Instant::compareTo).orElseThrow();
            Instant lastNoopDone = others.stream().map(conveyor.client()::job).map(job -> reached(job, "SUCCEEDED")).max(Instant::compareTo).orElseThrow();
            System.out.printf("[priorities] sleep limited to 2 across 3 workers: at most %d at once, on %d workers; noops done %d ms before the last sleep started%n",
                    sleepsAtOnce, workersThatRanSleeps, Duration.between(lastNoopDone, lastSleepStarted).toMillis());
            assertThat(sleepsAtOnce).as("sleep jobs running at once across the fleet").isEqualTo(2);
            assertThat(lastNoopDone).as("the last noop's success, against the last sleep's start").isBefore(lastSleepStarted);
        }
    }

    @Test
    void aPriorityOtherThanHighNormalOrLowIs422() {
        HttpResponse<String> response = conveyor.client().post("/jobs", "{\"type\":\"noop\",\"priority\":\"urgent\"}");
        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(ConveyorClient.json(response.body()).get("detail").asText()).contains("priority");
    }

    private static void awaitInLedger(List<UUID> jobs) {
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50)).until(() -> conveyor.ledger().query(
                "select count(*) from jobrunr_jobs where id in (" + String.join(",", jobs.stream().map(id -> "'" + id + "'").toList()) + ")")
                .equals(Integer.toString(jobs.size())));
    }

    private static List<UUID> submit(List<String> jobs) {
        return conveyor.client().submitBatch(jobs);
    }

    private static void awaitSucceeded(List<UUID> jobs, UUID another) {
        List<UUID> all = new ArrayList<>(jobs);
        if (another != null) {
            all.add(another);
        }
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> conveyor.ledger().countInState(all, "SUCCEEDED") == all.size());
    }
}
