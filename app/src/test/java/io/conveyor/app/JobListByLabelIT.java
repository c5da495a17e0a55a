package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.Ledger;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.ledger.LedgerSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /jobs?label=} on a real ledger (no worker: the jobs are written as intake writes them): a label is found in
 * any of a job's three positions, in jobs written before the ledger had its label columns as in those written after,
 * newest first and page by page; and the pages are read from the label indexes, not by parsing the newest jobs' JSON.
 */
class JobListByLabelIT {

    private static ConveyorUnderTest conveyor;

    @BeforeAll
    static void start() {
        conveyor = ConveyorUnderTest.start("list-by-label");
    }

    @AfterAll
    static void stop() {
        if (conveyor != null) {
            conveyor.close();
        }
    }

    @Test
    void aLabelInAnyPositionIsFoundNewestFirstFromTheLabelIndexes() throws Exception {
        List<UUID> expected = new ArrayList<>();
        try (Ledger ledger = Ledger.open(conveyor.database, "list-by-label-test", 2)) {
            // Written before any worker added the label columns: the schema change fills them in.
            UUID old = save(ledger, List.of("wanted"));
            save(ledger, List.of("other"));
            LedgerSchema.prepare(ledger.dataSource());
            manyOlderJobs(ledger, save(ledger, List.of("other")));
            expected.add(old);
            expected.add(save(ledger, List.of("wanted", "x")));
            expected.add(save(ledger, List.of("x", "wanted")));
            save(ledger, List.of("x", "y", "z"));
            expected.add(save(ledger, List.of("x", "y", "wanted")));
            expected.add(save(ledger, List.of("wanted", "wanted")));
            for (int i = 0; i < 5; i++) {
                expected.add(save(ledger, List.of("y", "wanted")));
            }
        }
        long scansBefore = labelIndexScans();

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = conveyor.client.getJson(conveyor.client.apiBase() + "/jobs?label=wanted&limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("jobs").forEach(job -> seen.add(job.get("id").asText()));
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
        } while (cursor != null);

        assertThat(seen).as("newest first, each once").containsExactlyElementsOf(expected.reversed().stream().map(UUID::toString).toList());
        // PostgreSQL's backends report their index scans later, by their own schedule: an idle backend within 10 s, one
        // that meets contention on the shared statistics defers, at most 60 s (PGSTAT_MAX_INTERVAL). A loaded fresh-clone
        // run saw none within 30 s.
        await().atMost(Duration.ofSeconds(75)).untilAsserted(() ->
                assertThat(labelIndexScans()).as("scans of the label indexes").isGreaterThan(scansBefore));
    }

    private static UUID save(Ledger ledger, List<String> labels) throws InterruptedException {
        UUID id = UUID.randomUUID();
        ledger.storageProvider().save(LedgerWriter.toJob(new JobSubmission(id, "noop", null, 1, labels, Instant.now()), JobKind.COMPUTE));
        Thread.sleep(2); // distinct createdAt, so that newest first is the order written
        return id;
    }

    /**
     * 20,000 copies of one job older than all others, so that the ledger is large enough for PostgreSQL to read an index
     * rather than the whole table (it would for a dozen jobs, whatever the query).
     */
    private static void manyOlderJobs(Ledger ledger, UUID template) throws Exception {
        conveyor.ledger().execute("insert into jobrunr_jobs (id, version, jobasjson, jobsignature, state, createdat, updatedat, scheduledat, recurringjobid)"
                + " select g.nid, t.version, replace(t.jobasjson, '" + template + "', g.nid), t.jobsignature, t.state,"
                + " t.createdat - interval '1 day' - make_interval(secs => g.i), t.updatedat, null, null"
                + " from jobrunr_jobs t, (select i, gen_random_uuid()::text as nid from generate_series(1, 20000) i) g where t.id = '" + template + "'");
        conveyor.ledger().execute("analyze jobrunr_jobs");
    }

    private static long labelIndexScans() throws Exception {
        return Long.parseLong(conveyor.ledger().query("select coalesce(sum(idx_scan), 0) from pg_stat_user_indexes"
                + " where indexrelname like 'conveyor_jobs_label_%'"));
    }
}
