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
            int mostAtOnce = mostAtOnce(jobs);
            System.out.printf("[waiting] 200 jobs of 1 s on 2 workers at defaults: %d ms, at most %d at once%n", took.toMillis(), mostAtOnce);
            // The job pool alone (one thread per core, 2 workers) would run 4 at once: 200 jobs of 1 s in 50 s. The time is a
            // benchmark figure, printed; the lane's width is what the design guarantees.
            assertThat(mostAtOnce).as("waiting jobs running at once").isGreaterThanOrEqualTo(40);
            jobs.forEach(id -> assertThat(count(conveyor.client().job(id), "SUCCEEDED")).isEqualTo(1));
        }
    }

    @Test
    void computeJobsNeverOutnumberTheJobPoolWhileTheWaitingLaneIsFull() {
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.JOB_THREADS, "2", WorkerSettings.WAITING_JOBS, "40"));
        try (WorkerJvm worker = WorkerJvm.start("waiting", "waiting-mixed", env)) {
            conveyor.awaitRegistered(worker);
            List<String> mix = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                mix.add(i % 6 == 0
                        ? "{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":" + (1_000_000 + i) + "}}"
                        : "{\"type\":\"sleep\",\"payload\":{\"millis\":500}}");
            }
            List<UUID> jobs = conveyor.client().submitBatch(mix);
            awaitAllSucceeded(jobs, Duration.ofSeconds(120));
            Map<UUID, String> types = new HashMap<>();
            jobs.forEach(id -> types.put(id, conveyor.client().job(id).get("type").asText()));
            int primesAtOnce = mostAtOnce(jobs.stream().filter(id -> types.get(id).equals("primes")).toList());
            int sleepsAtOnce = mostAtOnce(jobs.stream().filter(id -> types.get(id).equals("sleep")).toList());
            System.out.printf("[waiting] mixed: at most %d primes and %d sleeps at once%n", primesAtOnce, sleepsAtOnce);
            assertThat(primesAtOnce).as("compute jobs at once (job pool of 2)").isBetween(1, 2);
            assertThat(sleepsAtOnce).as("waiting jobs at once (lane of 40)").isGreaterThan(2).isLessThanOrEqualTo(40);
        }
    }

    @Test
    void aKilledWorkersWaitingJobsRunAgainOnTheOtherOnce() throws Exception {
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.WAITING_JOBS, "100"));
        // The doomed worker is alone when the jobs come, so it takes them all (with two, either may write and claim
        // them all); its jobs wait long enough to be in flight still once the survivor has started.
        try (WorkerJvm doomed = WorkerJvm.start("waiting", "waiting-doomed", env)) {
            conveyor.awaitRegistered(doomed);
            List<UUID> jobs = conveyor.client().submitBatch(Collections.nCopies(100, "{\"type\":\"sleep\",\"payload\":{\"millis\":60000}}"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> conveyor.ledger().processingOn(doomed.name()) == 100);
            try (WorkerJvm survivor = WorkerJvm.start("waiting", "waiting-survivor", env)) {
                conveyor.awaitRegistered(survivor);
                long inFlight = conveyor.ledger().processingOn(doomed.name());
                doomed.kill();
                awaitAllSucceeded(jobs, Duration.ofMinutes(3));
                long rerun = 0;
                for (UUID id : jobs) {
                    JsonNode job = conveyor.client().job(id);
                    assertThat(count(job, "SUCCEEDED")).as("SUCCEEDED entries of " + id).isEqualTo(1);
                    List<String> ran = workersThatRan(job);
                    if (ran.contains(doomed.name())) {
                        assertThat(ran.getLast()).as("where job " + id + " ran last").isEqualTo(survivor.name());
                        rerun++;
                    }
                }
                System.out.printf("[waiting] kill -9 with %d waiting jobs in flight: %d re-ran on the survivor%n", inFlight, rerun);
                assertThat(inFlight).as("waiting jobs in flight on the doomed worker at the kill").isEqualTo(100);
                assertThat(rerun).isEqualTo(inFlight);
            }
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
