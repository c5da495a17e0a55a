package io.conveyor.app;

import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.WorkerJvm;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The batched path under a crash: 20,000 noop jobs through two worker JVMs (claims of up to a lane's room at once,
 * successes written in batches), one of them killed with -9 midway. Every job ends SUCCEEDED, exactly once in its
 * history: what the killed worker had claimed or run but not recorded runs again on the survivor.
 */
class ManyJobsUnderKillIT {

    private static final int JOBS = 20_000;
    private static final int BATCH = 1_000;

    @Test
    void twentyThousandJobsSucceedOnceEachWhileAWorkerIsKilledMidway() throws Exception {
        try (ConveyorUnderTest conveyor = ConveyorUnderTest.start("many-jobs");
             WorkerJvm doomed = WorkerJvm.start("many-jobs", "many-jobs-doomed", conveyor.workerEnv(Map.of()));
             WorkerJvm survivor = WorkerJvm.start("many-jobs", "many-jobs-survivor", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(doomed, survivor);
            TestDatabase ledger = conveyor.ledger();
            String batch = "[" + String.join(",", Collections.nCopies(BATCH, "{\"type\":\"noop\"}")) + "]";
            for (int sent = 0; sent < JOBS; sent += BATCH) {
                HttpResponse<String> accepted = conveyor.client.post("/jobs/batch", batch);
                assertThat(accepted.statusCode()).as("POST /jobs/batch").isEqualTo(202);
            }
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100)).until(() -> ledger.countJobs("state = 'SUCCEEDED'") >= JOBS / 4);
            long succeededAtKill = ledger.countJobs("state = 'SUCCEEDED'");
            doomed.kill();
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> ledger.countJobs("state = 'SUCCEEDED'") == JOBS);
            long notOnce = ledger.countJobs("(select count(*) from jsonb_array_elements(jobAsJson::jsonb -> 'jobHistory') entry "
                    + "where entry ->> 'state' = 'SUCCEEDED') <> 1");
            long ranTwice = ledger.countJobs("(select count(*) from jsonb_array_elements(jobAsJson::jsonb -> 'jobHistory') entry "
                    + "where entry ->> 'state' = 'PROCESSING') > 1");
            System.out.printf("[many-jobs] %d jobs, worker killed with %d SUCCEEDED: all SUCCEEDED, %d started more than once%n",
                    JOBS, succeededAtKill, ranTwice);
            assertThat(ledger.countJobs("true")).as("jobs in the ledger").isEqualTo(JOBS);
            assertThat(notOnce).as("jobs whose history has other than one SUCCEEDED").isZero();
        }
    }
}
