package io.conveyor.app;

import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Thousands of jobs that take no time, on a real worker JVM whose fallback poll is half an hour away: every job must
 * be claimed as soon as a worker thread is free. Short jobs end while a claim is still running; had a freed worker's
 * wake-up been dropped then (as JobRunr drops it when its claim lock is taken), the worker would sit idle with jobs
 * waiting until the poll, and this test would time out. The poll is so far away that the bound can be generous.
 */
class ShortJobsIT {

    private static final int JOBS = 2_000;
    private static final int BATCH = 500;
    private static final Duration POLL = Duration.ofMinutes(30);
    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("short-jobs");

    @Test
    void burstsOfShortJobsNeverWaitForThePoll() throws Exception {
        // The longest poll a worker accepts with a hang timeout it accepts (at least twice the poll).
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.JOB_THREADS, "2",
                WorkerSettings.POLL_INTERVAL_SECONDS, Long.toString(POLL.toSeconds()), WorkerSettings.HANG_TIMEOUT_SECONDS, Long.toString(2 * POLL.toSeconds())));
        try (WorkerJvm worker = WorkerJvm.start("short-jobs", "short", env)) {
            conveyor.awaitRegistered(worker);
            String batch = "[" + String.join(",", java.util.Collections.nCopies(BATCH, "{\"type\":\"noop\"}")) + "]";
            for (int sent = 0; sent < JOBS; sent += BATCH) {
                assertThat(conveyor.client().post("/jobs/batch", batch).statusCode()).isEqualTo(202);
            }
            // Well within one poll interval: only claims on a freed worker can get there in time (stalled, they took
            // minutes with a 5 s poll, and would take hours with this one).
            await().atMost(POLL.dividedBy(6)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(conveyor.ledger().countInState("SUCCEEDED")).isEqualTo(JOBS));
        }
    }
}
