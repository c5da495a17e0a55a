package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.app.testing.WorkerJvm;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job's end that the ledger refuses once (a terminated session, a moment's outage) is saved again by its worker, not
 * left PROCESSING for JobRunr's orphan check: that check is moved out of reach here (a 30-minute poll, four of which
 * make it), so only the worker's own second try lets the job go on.
 */
class RefusedSaveIT {

    private static final Duration POLL = Duration.ofMinutes(30);

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("refused-save");

    @Test
    void aFailedAttemptWhoseSaveTheLedgerRefusedOnceIsSavedAgainAndRetried() throws Exception {
        // The first save that takes a job out of PROCESSING other than to SUCCEEDED (the failed attempt, already elected
        // SCHEDULED for its retry) fails, as on a session the database terminated; the sequence is not rolled back with it.
        conveyor.ledger().execute("create sequence refused_saves");
        conveyor.ledger().execute("""
                create function refuse_first_attempt_end() returns trigger language plpgsql as $$
                begin
                  if nextval('refused_saves') = 1 then
                    raise exception 'refused for the test';
                  end if;
                  return new;
                end $$""");
        conveyor.ledger().execute("create trigger refuse_first_attempt_end before update on jobrunr_jobs for each row "
                + "when (old.state = 'PROCESSING' and new.state not in ('PROCESSING', 'SUCCEEDED')) execute function refuse_first_attempt_end()");
        Map<String, String> env = conveyor.workerEnv(Map.of(WorkerSettings.JOB_THREADS, "2",
                WorkerSettings.POLL_INTERVAL_SECONDS, Long.toString(POLL.toSeconds()), WorkerSettings.HANG_TIMEOUT_SECONDS, Long.toString(2 * POLL.toSeconds())));
        try (WorkerJvm worker = WorkerJvm.start("refused-save", "refused", env)) {
            conveyor.awaitRegistered(worker);
            UUID id = conveyor.client().submit("{\"type\":\"fail\",\"payload\":{\"n\":1},\"maxAttempts\":3,\"backoff\":{\"baseMillis\":100,\"maxMillis\":200}}");

            JsonNode done = conveyor.awaitState(id, "SUCCEEDED", Duration.ofMinutes(3));

            assertThat(Long.parseLong(conveyor.ledger().query("select last_value from refused_saves"))).as("saves refused").isGreaterThanOrEqualTo(1);
            List<String> states = new ArrayList<>();
            done.get("history").forEach(entry -> states.add(entry.get("state").asText()));
            assertThat(states).as("its history").containsSubsequence("PROCESSING", "FAILED", "SCHEDULED", "ENQUEUED", "PROCESSING", "SUCCEEDED");
            assertThat(done.get("attempts").asInt()).as("attempts: the failed one and the one that succeeded").isEqualTo(2);
        }
    }
}
