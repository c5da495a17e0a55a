package io.conveyor.app;

import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.PrometheusText;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.ConveyorUnderTest.workersThatRan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker counters that only move when something goes wrong, moved for real on two worker JVMs and read on the
 * {@code /metrics} of the worker that applied the change: a running job cancelled through the API
 * ({@code conveyor_jobs_cancelled_total}, on the worker that relayed its deletion, so once over the fleet), a running job handed back when JobRunr stopped
 * its worker's job server and the keeper started it again ({@code conveyor_jobs_handed_back_total}: a hand-back on
 * SIGTERM is counted too, but by a process whose {@code /metrics} is gone once it could be read), and a job whose
 * worker was killed with {@code kill -9} ({@code conveyor_jobs_rescued_total}, on the worker that rescued it).
 * {@link MetricsIT} has the counters of jobs that ran normally.
 */
class LifecycleMetricsIT {

    private static final String NAME = "lifecycle-metrics";
    private static final Duration STEP = Duration.ofSeconds(30);

    @Test
    void cancelledHandedBackAndRescuedCountOnTheWorkerThatAppliedThem() throws Exception {
        int portA = freePort();
        int portB = freePort();
        try (ConveyorUnderTest conveyor = ConveyorUnderTest.start(NAME);
             WorkerJvm a = WorkerJvm.start(NAME, "metrics-a", env(conveyor, portA));
             WorkerJvm b = WorkerJvm.start(NAME, "metrics-b", env(conveyor, portB))) {
            conveyor.awaitRegistered(a, b);
            Map<String, Integer> ports = Map.of(a.name(), portA, b.name(), portB);

            UUID cancelled = conveyor.client.submit(longSleep());
            runningOn(conveyor, cancelled);
            assertThat(conveyor.client.post("/jobs/" + cancelled + "/cancel", "").statusCode()).isEqualTo(200);
            // Counted by whichever worker relays the deletion: once over the fleet.
            await().atMost(STEP).untilAsserted(() -> assertThat(counter(conveyor, portA, "conveyor_jobs_cancelled_total", "type", "sleep")
                    + counter(conveyor, portB, "conveyor_jobs_cancelled_total", "type", "sleep")).as("cancelled, over both workers").isEqualTo(1));

            UUID handedBack = conveyor.client.submit(longSleep());
            String handedBackBy = runningOn(conveyor, handedBack);
            // JobRunr's heartbeat fails on every worker (as when the database goes away) and it stops their job
            // servers; the keeper starts each again at once, after handing back the jobs that were running.
            conveyor.ledger().execute("alter table jobrunr_backgroundjobservers rename to lost_backgroundjobservers");
            try {
                await().atMost(STEP).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertThat(counter(conveyor, ports.get(handedBackBy), "conveyor_jobs_handed_back_total")).as("handed back by " + handedBackBy).isPositive());
            } finally {
                conveyor.ledger().execute("alter table lost_backgroundjobservers rename to jobrunr_backgroundjobservers");
            }
            await().atMost(STEP).untilAsserted(() -> {
                assertThat(conveyor.client.status(portA, "/health/ready")).isEqualTo(200);
                assertThat(conveyor.client.status(portB, "/health/ready")).isEqualTo(200);
            });

            UUID rescued = conveyor.client.submit(longSleep());
            String victim = runningOn(conveyor, rescued);
            WorkerJvm killed = victim.equals(a.name()) ? a : b;
            WorkerJvm rescuer = killed == a ? b : a;
            killed.kill();
            // At least 1, not exactly: the job handed back above may have run on the killed worker again, and be rescued too.
            await().atMost(STEP).untilAsserted(() -> assertThat(counter(conveyor, ports.get(rescuer.name()), "conveyor_jobs_rescued_total", "type", "sleep"))
                    .as("rescued by " + rescuer.name()).isPositive());
        }
    }

    private static Map<String, String> env(ConveyorUnderTest conveyor, int metricsPort) {
        return conveyor.workerEnv(Map.of(WorkerSettings.JOB_THREADS, "2", WorkerSettings.STOP_GRACE_SECONDS, "1",
                WorkerSettings.METRICS_PORT, Integer.toString(metricsPort)));
    }

    private static String longSleep() {
        return "{\"type\":\"sleep\",\"payload\":{\"millis\":20000}}";
    }

    /** The worker the job runs on now. */
    private static String runningOn(ConveyorUnderTest conveyor, UUID id) {
        conveyor.awaitState(id, "PROCESSING", STEP);
        List<String> ran = workersThatRan(conveyor.client.job(id));
        return ran.getLast();
    }

    private static double counter(ConveyorUnderTest conveyor, int port, String name, String... labels) {
        return PrometheusText.parse(conveyor.client.getText("http://127.0.0.1:" + port + "/metrics")).value(name, labels);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
