package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.WorkerJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.conveyor.app.testing.ConveyorClient.json;
import static io.conveyor.app.testing.ConveyorUnderTest.count;
import static io.conveyor.app.testing.ConveyorUnderTest.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker's {@code BatchCompletionRelay} when its versioned save of a job loses to a concurrent change of that job,
 * on the real stack. The test holds the job's row locked, waits until the relay's save waits for that lock (it read
 * the job before), then changes the row's version as another writer's save would and lets go: the relay's update finds
 * another version and changes no row. It must read the job again and carry its decision out all the same: the
 * completion job still runs, once; a cancelled batch's member still ends DELETED.
 */
class BatchCompletionConflictIT {

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("batch-conflict");

    @Test
    void aCompletionJobChangedBetweenItsReadAndItsSaveIsEnqueuedAllTheSameAndRunsOnce() throws Exception {
        try (WorkerJvm worker = WorkerJvm.start("batch-conflict", "batch-conflict-then", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(worker);
            // The member runs long enough for the test to lock the waiting completion job before the batch is decided.
            JsonNode accepted = submit("{\"jobs\":[{\"type\":\"sleep\",\"payload\":{\"millis\":10000}}],\"then\":{\"type\":\"batch-summary\"}}");
            UUID batch = UUID.fromString(accepted.get("id").asText());
            UUID then = UUID.fromString(accepted.get("then").asText());
            conveyor.awaitState(then, "SCHEDULED", Duration.ofMinutes(1));

            try (Connection holder = conveyor.ledger().connect()) {
                holder.setAutoCommit(false);
                assertThat(lockRow(holder, then)).as("the completion job waits when the test locks it").isEqualTo("SCHEDULED");
                assertThat(conveyor.ledger().query("select decision from conveyor_batches where id = '" + batch + "'"))
                        .as("the batch is not decided yet when the test locks its completion job (the member sleeps 10 s)").isNull();
                awaitSaveBlockedBy(holder, "the relay's save of the completion job, once the member succeeded");
                changeVersion(holder, then);
                holder.commit();
            }

            JsonNode ran = conveyor.awaitState(then, "SUCCEEDED", Duration.ofMinutes(2));
            assertThat(count(ran, "ENQUEUED")).as("the completion job was enqueued once").isEqualTo(1);
            assertThat(count(ran, "PROCESSING")).as("the completion job ran once").isEqualTo(1);
            assertThat(ran.get("result").get("states").get("SUCCEEDED").asInt()).isEqualTo(1);
            assertThat(conveyor.ledger().query("select released from conveyor_batches where id = '" + batch + "'")).isEqualTo("t");
        }
    }

    @Test
    void aMemberOfACancelledBatchChangedBetweenItsReadAndItsSaveEndsDeletedAllTheSame() throws Exception {
        try (WorkerJvm worker = WorkerJvm.start("batch-conflict", "batch-conflict-member", conveyor.workerEnv(Map.of()))) {
            conveyor.awaitRegistered(worker);
            // A member that waits an hour: nothing but the cancel changes it.
            JsonNode accepted = submit("{\"jobs\":[{\"type\":\"noop\",\"delayMillis\":3600000}],\"then\":{\"type\":\"batch-summary\"}}");
            UUID batch = UUID.fromString(accepted.get("id").asText());
            UUID member = UUID.fromString(accepted.get("jobs").get(0).asText());
            UUID then = UUID.fromString(accepted.get("then").asText());
            conveyor.awaitState(member, "SCHEDULED", Duration.ofMinutes(1));
            conveyor.awaitState(then, "SCHEDULED", Duration.ofMinutes(1));

            try (Connection holder = conveyor.ledger().connect()) {
                holder.setAutoCommit(false);
                assertThat(lockRow(holder, member)).isEqualTo("SCHEDULED");
                // The first half of POST /batches/{id}/cancel only: the ledger decides the cancel, and the relay alone
                // cancels the member, as it does for members that were still in Kafka at the API's cancel.
                conveyor.ledger().execute("insert into conveyor_batches (id, cancelled) values ('" + batch + "', true) "
                        + "on conflict (id) do update set cancelled = true; select conveyor_batch_decide('" + batch + "')");
                awaitSaveBlockedBy(holder, "the relay's cancel of the member");
                changeVersion(holder, member);
                holder.commit();
            }

            JsonNode deleted = conveyor.awaitState(member, "DELETED", Duration.ofMinutes(1));
            assertThat(history(deleted).getLast().get("message").asText()).isEqualTo("cancelled");
            assertThat(count(deleted, "DELETED")).isEqualTo(1);
            JsonNode thenDeleted = conveyor.awaitState(then, "DELETED", Duration.ofMinutes(1));
            assertThat(count(thenDeleted, "PROCESSING")).isZero();
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                    assertThat(conveyor.ledger().query("select released from conveyor_batches where id = '" + batch + "'")).isEqualTo("t"));
        }
    }

    private static JsonNode submit(String body) {
        HttpResponse<String> response = conveyor.client().post("/batches", body);
        assertThat(response.statusCode()).as("POST /batches: %s", response.body()).isEqualTo(202);
        return json(response.body());
    }

    /** Locks the job's row in {@code holder}'s transaction; returns its state. */
    private static String lockRow(Connection holder, UUID job) throws SQLException {
        try (PreparedStatement lock = holder.prepareStatement("select state from jobrunr_jobs where id = ? for update")) {
            lock.setString(1, job.toString());
            try (ResultSet row = lock.executeQuery()) {
                assertThat(row.next()).as("job %s is in the ledger", job).isTrue();
                return row.getString(1);
            }
        }
    }

    /** Waits until another session's statement waits for a lock {@code holder} holds. */
    private static void awaitSaveBlockedBy(Connection holder, String what) throws SQLException {
        int pid;
        try (PreparedStatement self = holder.prepareStatement("select pg_backend_pid()"); ResultSet row = self.executeQuery()) {
            row.next();
            pid = row.getInt(1);
        }
        await(what).atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(conveyor.ledger().query("select count(*) from pg_stat_activity where " + pid + " = any(pg_blocking_pids(pid)) "
                        + "and query ilike 'update %jobrunr_jobs%'")).as(what + " waits for the test's lock").isEqualTo("1"));
    }

    /** What another writer's save does to the row: the next version, in the column and in the job's JSON, which JobRunr reads. */
    private static void changeVersion(Connection holder, UUID job) throws SQLException {
        try (PreparedStatement change = holder.prepareStatement("update jobrunr_jobs set version = version + 1, "
                + "jobAsJson = regexp_replace(jobAsJson, '\"version\":[0-9]+', '\"version\":' || (version + 1)) where id = ?")) {
            change.setString(1, job.toString());
            assertThat(change.executeUpdate()).isEqualTo(1);
        }
    }
}
