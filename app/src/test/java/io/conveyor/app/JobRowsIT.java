package io.conveyor.app;

import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Ledger;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.ledger.JobRows;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.SchedulableState;
import org.jobrunr.jobs.states.ScheduledState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link JobRows}, the one-statement save of the claim and of succeeded jobs, writes what JobRunr's own save writes: the
 * same columns, and JSON that JobRunr reads back into the same job with the row's version (or the dashboard's own saves
 * of the job would fail their version check).
 */
class JobRowsIT {

    private static final UUID SERVER = UUID.randomUUID();
    private Ledger ledger;
    private JobMapper mapper;

    @BeforeEach
    void openLedger() {
        ledger = Ledger.open(TestServices.newDatabase("job-rows"), "job-rows-test", 2);
        mapper = new JobMapper(ledger.jsonMapper());
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
    }

    @Test
    void writesASucceededARetriedAndADeletedJobAsJobRunrWritesThem() throws SQLException {
        assertSameRowAsJobRunr(Job::succeeded, "succeeded");
        IllegalStateException failure = new IllegalStateException("boom");
        assertSameRowAsJobRunr(job -> {
            job.failed("an attempt failed", failure);
            job.scheduleAt(Instant.now().plusSeconds(90), "retry");
        }, "failed and scheduled");
        assertSameRowAsJobRunr(job -> job.delete("cancelled"), "deleted");
    }

    @Test
    void leavesOutAndReturnsTheJobsChangedMeanwhileKeepingTheirVersion() throws SQLException {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(enqueued());
        }
        ledger.storageProvider().save(jobs);
        Job changedByOthers = ledger.storageProvider().getJobById(jobs.get(5).getId());
        ledger.storageProvider().save(changedByOthers.delete("deleted from the dashboard"));
        jobs.forEach(job -> job.scheduleAt(Instant.now().plusSeconds(60), "later"));

        List<Job> changedMeanwhile;
        try (Connection connection = ledger.dataSource().getConnection()) {
            changedMeanwhile = new JobRows(mapper).update(connection, jobs);
        }

        assertThat(changedMeanwhile).extracting(Job::getId).containsExactly(jobs.get(5).getId());
        assertThat(jobs.get(5).getVersion()).as("the left-out job's version, as before the save").isEqualTo(1);
        for (Job job : jobs) {
            Job stored = ledger.storageProvider().getJobById(job.getId());
            if (job == jobs.get(5)) {
                assertThat(stored.getState().name()).isEqualTo("DELETED");
            } else {
                assertThat(stored.getState().name()).isEqualTo("SCHEDULED");
                assertThat(stored.getVersion()).isEqualTo(job.getVersion()).isEqualTo(2);
            }
        }
    }

    @Test
    void insertsNewJobsAsJobRunrInsertsThemAndSkipsJobsAlreadyInTheLedger() throws SQLException {
        // A fire time half a microsecond past an even one: the driver rounds JobRunr's up, PostgreSQL a text value to even.
        Instant fireTime = Instant.parse("2026-12-02T10:00:00.123456500Z");
        Job byJobRunr = firedByRecurringJob(fireTime);
        Job byRows = firedByRecurringJob(fireTime);
        ledger.storageProvider().save(byJobRunr);
        Job inLedger = enqueued();
        ledger.storageProvider().save(inLedger);
        String inLedgerJson = json(inLedger.getId());
        Job deliveredAgain = new Job(inLedger.getId(), 0, inLedger.getJobDetails(), List.<JobState>of(new EnqueuedState()), new ConcurrentHashMap<>());

        List<Job> inserted;
        try (Connection connection = ledger.dataSource().getConnection()) {
            inserted = new JobRows(mapper).insert(connection, List.of(deliveredAgain, byRows));
        }

        assertThat(inserted).containsExactly(byRows);
        assertThat(byRows.getVersion()).as("the inserted job's version, as JobRunr's insert leaves it").isEqualTo(byJobRunr.getVersion()).isEqualTo(1);
        assertThat(deliveredAgain.getVersion()).as("the skipped job's version, as before").isZero();
        assertThat(json(inLedger.getId())).as("the job already in the ledger, untouched").isEqualTo(inLedgerJson);
        assertThat(row(byRows)).as("the row, ids and times left out").isEqualTo(row(byJobRunr));
        assertThat(mapper.serializeJob(mapper.deserializeJob(json(byRows.getId())))).as("JobRunr reads the JSON back into the same job")
                .isEqualTo(json(byRows.getId()));
    }

    @Test
    void insertsNewJobsAsJobRunrInsertsThemAndLeavesThoseThereAlone() throws SQLException {
        Job enqueuedByJobRunr = enqueued();
        Job enqueuedByRows = enqueued();
        Job scheduledByJobRunr = scheduled();
        Job scheduledByRows = scheduled();
        ledger.storageProvider().save(List.of(enqueuedByJobRunr, scheduledByJobRunr));
        List<Job> inserted;
        try (Connection connection = ledger.dataSource().getConnection()) {
            inserted = new JobRows(mapper).insert(connection, List.of(enqueuedByRows, scheduledByRows));
            assertThat(new JobRows(mapper).insert(connection, List.of(scheduledByRows))).as("a job there already").isEmpty();
        }

        assertThat(inserted).containsExactlyInAnyOrder(enqueuedByRows, scheduledByRows);
        assertThat(row(enqueuedByRows)).as("an enqueued job's row").isEqualTo(row(enqueuedByJobRunr));
        assertThat(row(scheduledByRows)).as("a scheduled job's row").isEqualTo(row(scheduledByJobRunr));
        assertThat(enqueuedByRows.getVersion()).as("the job itself, at its row's version").isEqualTo(1);
        Job readBack = ledger.storageProvider().getJobById(scheduledByRows.getId());
        readBack.enqueue();
        ledger.storageProvider().save(readBack); // JobRunr's versioned update: a row at version 0 made it insert again
        assertThat(ledger.storageProvider().getJobById(scheduledByRows.getId()).getState().name()).isEqualTo("ENQUEUED");
    }

    /**
     * Saves two equal running jobs after the same change, one through JobRunr and one through {@link JobRows}, and compares
     * their rows: equal but for the ids, times and durations (the changes were made a moment apart), and each row's times are its
     * job's.
     */
    private void assertSameRowAsJobRunr(Consumer<Job> change, String what) throws SQLException {
        Job byJobRunr = running();
        Job byRows = running();
        ledger.storageProvider().save(List.of(byJobRunr, byRows));
        change.accept(byJobRunr);
        change.accept(byRows);
        ledger.storageProvider().save(byJobRunr);
        try (Connection connection = ledger.dataSource().getConnection()) {
            assertThat(new JobRows(mapper).update(connection, List.of(byRows))).as(what + ": nothing changed meanwhile").isEmpty();
        }

        Map<String, String> jobRunrRow = row(byJobRunr);
        Map<String, String> rowsRow = row(byRows);
        assertThat(rowsRow).as(what + ": the row, ids and times left out").isEqualTo(jobRunrRow);
        Job readBack = mapper.deserializeJob(json(byRows.getId()));
        assertThat(readBack.getVersion()).as(what + ": the JSON's version is the row's").isEqualTo(byRows.getVersion()).isEqualTo(2);
        assertThat(mapper.serializeJob(readBack)).as(what + ": JobRunr reads the JSON back into the same job").isEqualTo(json(byRows.getId()));
    }

    private Job enqueued() {
        return new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")), List.<JobState>of(new EnqueuedState()),
                new ConcurrentHashMap<>());
    }

    /** As the intake writes a recurring job's job: the fire time first (a schedulable state), then ENQUEUED. */
    private Job firedByRecurringJob(Instant fireTime) {
        Job job = new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new ScheduledState(fireTime, "fire time"), new EnqueuedState()), new ConcurrentHashMap<>());
        job.setRecurringJobId("nightly");
        return job;
    }

    private Job scheduled() {
        return new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new ScheduledState(Instant.parse("9999-01-01T00:00:00Z"), "waiting for batch")), new ConcurrentHashMap<>());
    }

    private Job running() {
        return new Job(UUID.randomUUID(), 0, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(SERVER, "rows-test")), new ConcurrentHashMap<>());
    }

    /** The row's columns, its JSON with the job's id and every time replaced, and whether its time columns are the job's. */
    private Map<String, String> row(Job job) throws SQLException {
        try (Connection connection = ledger.dataSource().getConnection();
             PreparedStatement select = connection.prepareStatement(
                     "select version, state, updatedAt, scheduledAt, jobSignature, jobAsJson, createdAt, recurringJobId from jobrunr_jobs where id = ?")) {
            select.setString(1, job.getId().toString());
            try (ResultSet row = select.executeQuery()) {
                assertThat(row.next()).isTrue();
                Calendar utc = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
                Instant scheduledAt = job.getLastJobStateOfType(SchedulableState.class).map(SchedulableState::getScheduledAt).orElse(null);
                Map<String, String> columns = new TreeMap<>();
                columns.put("version", row.getString(1));
                columns.put("state", row.getString(2));
                columns.put("updatedAt is the job's", String.valueOf(row.getTimestamp(3, utc).toInstant().equals(micros(job.getUpdatedAt()))));
                columns.put("scheduledAt is the job's", String.valueOf(scheduledAt == null ? row.getTimestamp(4) == null
                        : row.getTimestamp(4, utc).toInstant().equals(micros(scheduledAt))));
                columns.put("jobSignature", row.getString(5));
                columns.put("createdAt is the job's", String.valueOf(row.getTimestamp(7, utc).toInstant().equals(micros(job.getCreatedAt()))));
                columns.put("recurringJobId", row.getString(8));
                columns.put("json", row.getString(6).replace(job.getId().toString(), "ID").replaceAll("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z", "TIME")
                        .replaceAll("Duration\":[0-9.E-]+", "Duration\":D"));
                return columns;
            }
        }
    }

    private static Instant micros(Instant instant) {
        return instant.plusNanos(500).truncatedTo(ChronoUnit.MICROS);
    }

    private String json(UUID id) throws SQLException {
        try (Connection connection = ledger.dataSource().getConnection();
             PreparedStatement select = connection.prepareStatement("select jobAsJson from jobrunr_jobs where id = ?")) {
            select.setString(1, id.toString());
            try (ResultSet row = select.executeQuery()) {
                assertThat(row.next()).isTrue();
                return row.getString(1);
            }
        }
    }
}
