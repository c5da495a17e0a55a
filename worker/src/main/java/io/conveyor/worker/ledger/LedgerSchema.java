package io.conveyor.worker.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.List;

/**
 * What Conveyor adds to JobRunr's jobs table so that a claim can choose by lane, priority, type and queue with an index
 * and a column rather than by reading every job's JSON: three columns, {@code conveyor_type} (the job type, JobRunr's
 * job name), {@code conveyor_priority} (0 high, 1 normal, 2 low) and {@code conveyor_queue}, filled from the job's JSON by a trigger when the row is inserted
 * (they never change afterwards, and JobRunr's own statements name their columns, so they leave these alone), and
 * partial indexes on the jobs that wait and that run. Likewise {@code conveyor_label_1} to {@code conveyor_label_3}, the
 * job's labels (JobRunr keeps at most 3), each with a partial index by label and age, so that {@code GET /jobs?label=}
 * reads one index range per position instead of parsing the JSON of the newest jobs until a page matches (274 ms a page
 * for a label on 1 % of 1,000,000 jobs, 0.5 ms with them; docs/BENCHMARKS.md). Created at each worker's start if
 * missing, one worker at a time. Last, {@code conveyor_batch} and {@code conveyor_completes}: the batch a job is a member
 * of, or completes (null for a job of no batch), read by {@link BatchLedger}'s triggers.
 */
public final class LedgerSchema {

    private static final Logger LOGGER = LoggerFactory.getLogger(LedgerSchema.class);
    /** Serializes the schema changes of workers that start together (an arbitrary constant of Conveyor's). */
    private static final long LOCK = 0x636f6e7665796f72L;
    private static final List<String> STATEMENTS = List.of(
            "alter table jobrunr_jobs add column if not exists conveyor_type varchar(128)",
            "alter table jobrunr_jobs add column if not exists conveyor_priority smallint not null default 1",
            // A constant default: PostgreSQL adds such a column without rewriting the table.
            "alter table jobrunr_jobs add column if not exists conveyor_queue varchar(128) not null default 'default'",
            "alter table jobrunr_jobs add column if not exists conveyor_label_1 text, add column if not exists conveyor_label_2 text,"
                    + " add column if not exists conveyor_label_3 text",
            "alter table jobrunr_jobs add column if not exists conveyor_batch uuid, add column if not exists conveyor_completes uuid",
            """
            create or replace function conveyor_job_columns() returns trigger language plpgsql as $$
            declare
                job jsonb := new.jobAsJson::jsonb;
            begin
                new.conveyor_type := job ->> 'jobName';
                new.conveyor_priority := case job #>> '{jobDetails,jobParameters,0,object,priority}'
                    when 'HIGH' then 0 when 'LOW' then 2 else 1 end;
                new.conveyor_queue := coalesce(job #>> '{jobDetails,jobParameters,0,object,queue}', 'default');
                new.conveyor_label_1 := job #>> '{labels,0}';
                new.conveyor_label_2 := job #>> '{labels,1}';
                new.conveyor_label_3 := job #>> '{labels,2}';
                new.conveyor_batch := (job #>> '{jobDetails,jobParameters,0,object,batch}')::uuid;
                new.conveyor_completes := (job #>> '{jobDetails,jobParameters,0,object,completesBatch}')::uuid;
                return new;
            end $$""",
            "drop trigger if exists conveyor_job_columns on jobrunr_jobs",
            "create trigger conveyor_job_columns before insert on jobrunr_jobs for each row execute function conveyor_job_columns()",
            // Jobs written before the columns existed that may still be claimed, rescued or counted.
            "update jobrunr_jobs set conveyor_type = jobAsJson::jsonb ->> 'jobName' "
                    + "where conveyor_type is null and state in ('ENQUEUED', 'SCHEDULED', 'PROCESSING', 'AWAITING')",
            // A claim takes a lane's jobs by priority, then by age (oldest first) ...
            "create index if not exists conveyor_enqueued_by_priority_idx on jobrunr_jobs (jobSignature, conveyor_priority, updatedAt) "
                    + "where state = 'ENQUEUED'",
            // ... and, for aged jobs, by age alone ...
            "create index if not exists conveyor_enqueued_by_lane_idx on jobrunr_jobs (jobSignature, updatedAt) where state = 'ENQUEUED'",
            // ... and finds the waiting jobs of a type that has a fleet-wide limit, and counts its running ones.
            "create index if not exists conveyor_enqueued_by_type_idx on jobrunr_jobs (conveyor_type) where state = 'ENQUEUED'",
            "create index if not exists conveyor_processing_by_type_idx on jobrunr_jobs (conveyor_type) where state = 'PROCESSING'",
            // The labels of jobs written before their columns existed, once (every later job's come from the trigger).
            "update jobrunr_jobs set conveyor_label_1 = jobAsJson::jsonb #>> '{labels,0}', conveyor_label_2 = jobAsJson::jsonb #>> '{labels,1}', "
                    + "conveyor_label_3 = jobAsJson::jsonb #>> '{labels,2}' where conveyor_label_1 is null and jobAsJson like '%\"labels\":[\"%'",
            // The job list by label, newest first (JobListQuery's order); partial: a job without labels costs nothing.
            labelIndex(1), labelIndex(2), labelIndex(3));

    private static String labelIndex(int position) {
        String column = "conveyor_label_" + position;
        return "create index if not exists conveyor_jobs_label_" + position + "_idx on jobrunr_jobs (" + column
                + ", createdat, (id collate \"C\")) where " + column + " is not null";
    }

    private LedgerSchema() {
    }

    /**
     * Adds what is missing. When everything is there it changes nothing: the table's DDL would lock it against the
     * running fleet's claims, however briefly.
     */
    public static void prepare(DataSource dataSource) throws SQLException {
        if (new SchemaChange(LOCK, COMPLETE, STATEMENTS).applyTo(dataSource)) {
            LOGGER.info("added Conveyor's columns, trigger and indexes to the ledger's jobs table");
        }
    }

    /** Whether every column, index and the trigger are there. */
    private static final String COMPLETE = "select exists (select 1 from information_schema.columns where table_name = 'jobrunr_jobs' "
                + "and column_name = 'conveyor_completes' and table_schema = current_schema()) and to_regclass('conveyor_processing_by_type_idx') is not null "
                + "and to_regclass('conveyor_enqueued_by_type_idx') is not null and to_regclass('conveyor_enqueued_by_priority_idx') is not null and to_regclass('conveyor_enqueued_by_lane_idx') is not null "
                + "and to_regclass('conveyor_jobs_label_1_idx') is not null and to_regclass('conveyor_jobs_label_2_idx') is not null "
                + "and to_regclass('conveyor_jobs_label_3_idx') is not null "
                + "and exists (select 1 from pg_trigger where tgname = 'conveyor_job_columns' and tgrelid = 'jobrunr_jobs'::regclass)";
}
