package io.conveyor.worker.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.List;

/**
 * The ledger's side of batches ({@code POST /batches}): one row per batch in {@code conveyor_batches}, kept by triggers
 * on JobRunr's jobs table in the very transactions that insert a batch's jobs and change their states, so that the
 * decision "every member ended" is made once, atomically, in PostgreSQL; nobody polls a batch's members.
 * <ul>
 *   <li>A member's insert counts it ({@code inserted}); each change of its state moves it between the counts of its
 *       ends ({@code succeeded}, {@code failed}, {@code deleted}); a member retried after its end leaves them again.</li>
 *   <li>The completion job's insert declares the batch: how many members it has ({@code total}), the completion job's
 *       id and whether it waits for every member to succeed or to end. It travels through Kafka like every job, so
 *       members may reach the ledger before it or after it; the batch is decided only when both are in.</li>
 *   <li>After each of these the batch is decided if it can be: {@code run} (every member succeeded, or ended for
 *       {@code "thenWhen": "ended"}), {@code drop} (a member failed for good or was deleted, for {@code "succeeded"}),
 *       {@code cancel} ({@code POST /batches/{id}/cancel}; a member inserted after it makes the relay look again). The update that decides says {@code decision is null}, so
 *       however many transactions race, one decides. {@link BatchCompletionRelay} carries the decision out.</li>
 * </ul>
 * The triggers' {@code when} clauses test a column that is null for every job of no batch: such jobs pay nothing.
 */
public final class BatchLedger {

    private static final Logger LOGGER = LoggerFactory.getLogger(BatchLedger.class);
    /** Serializes the schema changes of workers that start together. */
    private static final long LOCK = 0x636f6e7665796f74L;
    static final String DECISION_RUN = "run";
    static final String DECISION_DROP = "drop";
    static final String DECISION_CANCEL = "cancel";
    private static final List<String> SCHEMA = List.of(
            """
            create table if not exists conveyor_batches (
                id uuid primary key,
                total integer,
                then_id char(36),
                then_on_ended boolean not null default false,
                inserted integer not null default 0,
                succeeded integer not null default 0,
                failed integer not null default 0,
                deleted integer not null default 0,
                culprit char(36),
                culprit_state varchar(36),
                cancelled boolean not null default false,
                decision varchar(8),
                decided_at timestamp,
                released boolean not null default false,
                created_at timestamp not null default now())""",
            // What the relay looks for: decided, not carried out yet (a handful of rows at most).
            "create index if not exists conveyor_batches_undelivered_idx on conveyor_batches (decided_at) where decision is not null and not released",
            // A batch's members in id order, for context.batch() and the cancel; partial: other jobs cost nothing.
            "create index if not exists conveyor_jobs_batch_idx on jobrunr_jobs (conveyor_batch, (id collate \"C\")) where conveyor_batch is not null",
            """
            create or replace function conveyor_batch_decide(batch_id uuid) returns void language plpgsql as $$
            begin
                update conveyor_batches set decided_at = now() at time zone 'utc', decision = case
                        when cancelled then 'cancel'
                        when not then_on_ended and failed + deleted > 0 then 'drop'
                        else 'run' end
                    where id = batch_id and decision is null and total is not null and (cancelled
                        or (not then_on_ended and failed + deleted > 0)
                        or (inserted >= total and (case when then_on_ended then succeeded + failed + deleted else succeeded end) >= total));
            end $$""",
            """
            create or replace function conveyor_batch_member_changed() returns trigger language plpgsql as $$
            declare
                before text := case when tg_op = 'UPDATE' then old.state end;
                ended boolean := new.state in ('FAILED', 'DELETED');
            begin
                if tg_op = 'INSERT' then
                    insert into conveyor_batches (id) values (new.conveyor_batch) on conflict (id) do nothing;
                end if;
                update conveyor_batches set
                        inserted = inserted + (tg_op = 'INSERT')::int,
                        succeeded = succeeded + (new.state = 'SUCCEEDED')::int - coalesce(before = 'SUCCEEDED', false)::int,
                        failed = failed + (new.state = 'FAILED')::int - coalesce(before = 'FAILED', false)::int,
                        deleted = deleted + (new.state = 'DELETED')::int - coalesce(before = 'DELETED', false)::int,
                        culprit = case when culprit is null and ended then new.id else culprit end,
                        culprit_state = case when culprit is null and ended then new.state else culprit_state end,
                        -- a member that reaches the ledger after its batch was cancelled: the relay cancels it too
                        released = case when tg_op = 'INSERT' and decision = 'cancel' then false else released end
                    where id = new.conveyor_batch;
                perform conveyor_batch_decide(new.conveyor_batch);
                return null;
            end $$""",
            """
            create or replace function conveyor_batch_declared() returns trigger language plpgsql as $$
            declare
                request jsonb := new.jobAsJson::jsonb #> '{jobDetails,jobParameters,0,object}';
            begin
                insert into conveyor_batches as b (id, total, then_id, then_on_ended)
                    values (new.conveyor_completes, (request ->> 'batchTotal')::int, new.id, coalesce((request ->> 'thenOnEnded')::boolean, false))
                    on conflict (id) do update set total = excluded.total, then_id = excluded.then_id, then_on_ended = excluded.then_on_ended;
                perform conveyor_batch_decide(new.conveyor_completes);
                return null;
            end $$""",
            "drop trigger if exists conveyor_batch_member_inserted on jobrunr_jobs",
            "create trigger conveyor_batch_member_inserted after insert on jobrunr_jobs for each row "
                    + "when (new.conveyor_batch is not null) execute function conveyor_batch_member_changed()",
            "drop trigger if exists conveyor_batch_member_changed on jobrunr_jobs",
            "create trigger conveyor_batch_member_changed after update of state on jobrunr_jobs for each row "
                    + "when (new.conveyor_batch is not null and old.state is distinct from new.state) execute function conveyor_batch_member_changed()",
            "drop trigger if exists conveyor_batch_declared on jobrunr_jobs",
            "create trigger conveyor_batch_declared after insert on jobrunr_jobs for each row "
                    + "when (new.conveyor_completes is not null) execute function conveyor_batch_declared()");

    /** Whether the table, the members' index and the three triggers are there. */
    private static final String COMPLETE = "select to_regclass('conveyor_batches') is not null and to_regclass('conveyor_jobs_batch_idx') is not null and "
            + "(select count(*) from pg_trigger where tgrelid = 'jobrunr_jobs'::regclass and tgname in "
            + "('conveyor_batch_member_inserted', 'conveyor_batch_member_changed', 'conveyor_batch_declared')) = 3";

    private BatchLedger() {
    }

    /** Adds what is missing; needs {@link LedgerSchema}'s columns, so runs after it. */
    public static void prepare(DataSource dataSource) throws SQLException {
        if (new SchemaChange(LOCK, COMPLETE, SCHEMA).applyTo(dataSource)) {
            LOGGER.info("added the batches table and its triggers to the ledger");
        }
    }
}
