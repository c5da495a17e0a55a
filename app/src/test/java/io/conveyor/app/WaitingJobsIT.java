package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.RunOverlap;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The waiting lane on real worker JVMs: jobs that wait ({@code sleep}) run many at once on virtual threads, compute
 * jobs ({@code primes}) never more at once than the per-core pool, and the lane keeps the guarantees of the other: a
 * killed worker's waiting jobs run again elsewhere, once; a stopping worker hands back what it cannot finish.
 * Concurrency is read from the ledger's history (each run's PROCESSING and end times), not from timings.
 */
class WaitingJobsIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("waiting");

    @Test
    void twoHundredWaitingJobsOfOneSecondRunManyAtOnceOnTwoWorkersAtDefaults() {
        Map<String, String> defaults = conveyor.workerEnv(Map.of());
        try (WorkerJvm first = WorkerJvm.start("waiting", "waiting-defaults-1", defaults);
             WorkerJvm second = WorkerJvm.start("waiting", "waiting-defaults-2", defaults)) {
            conveyor.awaitRegistered(first, second);
            Instant submitted = Instant.now();
            List<UUID> jobs = conveyor.client().submitBatch(Collections.nCopies(200, "{\"type\":\"sleep\",\"payload\":{\"millis\":1000}}"));
            awaitAllSucceeded(jobs, Duration.ofSeconds(120));
            Duration took = Duration.between(submitted, Instant.now());
            List<JsonNode> ran = jobs.stream().map(conveyor.client()::job).toList();
            int firstAtOnce = RunOverlap.mostAtOnceOn(ran, first.name());
            int secondAtOnce = RunOverlap.mostAtOnceOn(ran, second.name());
            System.out.printf("[waiting] 200 jobs of 1 s on 2 workers at defaults: %d ms, at most %d at once (%d on one worker, %d on the other)%n",
                    took.toMillis(), RunOverlap.mostAtOnce(ran), firstAtOnce, secondAtOnce);
            // The job pool alone (one thread per core) would run 2 at once per worker here: 200 jobs of 1 s in 50 s. The
            // time is a benchmark figure, printed; the lane's width is what the design guarantees. Each worker is held to
            // its own lane, whenever it filled it: a worker starved on a busy machine need not be busy at the other's moment.
            assertThat(firstAtOnce).as("waiting jobs at once on " + first.name()).isEqualTo(WorkerSettings.WAITING_JOBS_DEFAULT);
            assertThat(secondAtOnce).as("waiting jobs at once on " + second.name()).isEqualTo(WorkerSettings.WAITING_JOBS_DEFAULT);
            ran.forEach(job -> assertThat(count(job, "SUCCEEDED")).isEqualTo(1));
        }
    }

    @Test
    void computeJobsNeverOutnumberTheJobPoolWhileTheWaitingLaneIsFull() {
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.JOB_THREADS, "2", WorkerSettings.WAITING_JOBS, "40"));
        try (WorkerJvm worker = WorkerJvm.start("waiting", "waiting-mixed", env)) {
            conveyor.awaitRegistered(worker);
            List<String> mix = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                // Waiting jobs of 2 s: more than the lane holds arrive at once and outlast a claim, so the lane fills.
                mix.add(i % 6 == 0
                        ? "{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":" + (1_000_000 + i) + "}}"
                        : "{\"type\":\"sleep\",\"payload\":{\"millis\":2000}}");
            }
            List<UUID> jobs = conveyor.client().submitBatch(mix);
            awaitAllSucceeded(jobs, Duration.ofSeconds(120));
            Map<UUID, String> types = new HashMap<>();
            jobs.forEach(id -> types.put(id, conveyor.client().job(id).get("type").asText()));
            int primesAtOnce = mostAtOnce(jobs.stream().filter(id -> types.get(id).equals("primes")).toList());
            int sleepsAtOnce = mostAtOnce(jobs.stream().filter(id -> types.get(id).equals("sleep")).toList());
            System.out.printf("[waiting] mixed: at most %d primes and %d sleeps at once%n", primesAtOnce, sleepsAtOnce);
            assertThat(sleepsAtOnce).as("waiting jobs at once: the lane of 40 was full").isEqualTo(40);
            assertThat(primesAtOnce).as("compute jobs at once (job pool of 2)").isBetween(1, 2);
        }
    }

    @Test
    void aKilledWorkersWaitingJobsRunAgainOnTheOtherOnce() throws Exception {
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.WAITING_JOBS, "100"));
        // Both workers run before the jobs come, so the kill follows the claim at once however slowly a JVM starts on a
        // busy machine; whichever holds more of the jobs is killed (either may take them all).
        try (WorkerJvm one = WorkerJvm.start("waiting", "waiting-kill-1", env);
             WorkerJvm other = WorkerJvm.start("waiting", "waiting-kill-2", env)) {
            conveyor.awaitRegistered(one, other);
            List<UUID> jobs = conveyor.client().submitBatch(Collections.nCopies(100, "{\"type\":\"sleep\",\"payload\":{\"millis\":60000}}"));
            await().atMost(Duration.ofSeconds(50)).pollInterval(Duration.ofMillis(200))
                    .until(() -> conveyor.ledger().countInState(jobs, "PROCESSING") == jobs.size());
            WorkerJvm doomed = conveyor.ledger().processingOn(one.name()) >= conveyor.ledger().processingOn(other.name()) ? one : other;
            WorkerJvm survivor = doomed == one ? other : one;
            long inFlight = conveyor.ledger().processingOn(doomed.name());
            doomed.kill();
            awaitAllSucceeded(jobs, Duration.ofMinutes(3));
            long rerun = 0;
            for (UUID id : jobs) {
                JsonNode job = conveyor.client().job(id);
                assertThat(count(job, "SUCCEEDED")).as("SUCCEEDED entries of " + id).isEqualTo(1);
                List<String> ran = workersThatRan(job);
                assertThat(ran).as("where job " + id + " ran").containsOnlyOnce(survivor.name());
                if (ran.contains(doomed.name())) {
                    assertThat(ran).as("where job " + id + " ran").containsExactly(doomed.name(), survivor.name());
                    rerun++;
                }
            }
            System.out.printf("[waiting] kill -9 with %d of 100 waiting jobs in flight on the killed worker: %d re-ran on the survivor%n", inFlight, rerun);
            assertThat(inFlight).as("waiting jobs in flight on the killed worker, the larger share of 100").isGreaterThanOrEqualTo(50);
            assertThat(rerun).as("jobs that ran on the killed worker and again on the survivor").isEqualTo(inFlight);
        }
    }

    @Test
    void aStoppingWorkerHandsBackTheWaitingJobsItCannotFinishWithinTheGracePeriod() throws Exception {
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.WAITING_JOBS, "50", WorkerSettings.STOP_GRACE_SECONDS, "2"));
        try (WorkerJvm stopping = WorkerJvm.start("waiting", "waiting-stopping", env)) {
            conveyor.awaitRegistered(stopping);
            List<UUID> jobs = conveyor.client().submitBatch(Collections.nCopies(50, "{\"type\":\"sleep\",\"payload\":{\"millis\":600000}}"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> conveyor.ledger().processingOn(stopping.name()) == 50);
            Instant asked = Instant.now();
            stopping.terminate();
            assertThat(stopping.process().waitFor(60, TimeUnit.SECONDS)).as("worker exited").isTrue();
            System.out.printf("[waiting] SIGTERM with 50 waiting jobs in flight, grace 2 s: exited after %d ms with code %d%n",
                    Duration.between(asked, Instant.now()).toMillis(), stopping.process().exitValue());
            assertThat(stopping.process().exitValue()).isZero();
            assertThat(conveyor.ledger().processingOn(stopping.name())).as("jobs left PROCESSING on the stopped worker").isZero();
            for (UUID id : jobs) {
                JsonNode job = conveyor.client().job(id);
                assertThat(job.get("state").asText()).as("state of " + id).isEqualTo("ENQUEUED");
                assertThat(job.get("attempts").asInt()).as("a hand-back is not an attempt").isZero();
            }
        }
    }

    private static void awaitAllSucceeded(List<UUID> jobs, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> conveyor.ledger().countInState(jobs, "SUCCEEDED") == jobs.size());
    }

    private static int mostAtOnce(List<UUID> jobs) {
        return RunOverlap.mostAtOnce(jobs.stream().map(conveyor.client()::job).toList());
    }
}
