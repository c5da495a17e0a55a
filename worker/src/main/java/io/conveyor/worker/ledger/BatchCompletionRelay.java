package io.conveyor.worker.ledger;

import io.conveyor.common.BatchCompletion;
import io.conveyor.common.LedgerSignals;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.ScheduledState;
import org.jobrunr.jobs.states.StateName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Carries out the decisions {@link BatchLedger} made: a batch's completion job, which waits SCHEDULED (for a time that
 * never comes) from its insert on, is ENQUEUED when its batch is to {@code run}, or ends DELETED when it is to be
 * dropped (naming the member that failed) or was cancelled.
 * <p>
 * Every worker looks for decided batches not carried out yet twice a second ({@code for update skip locked}: one
 * worker per batch), a query on a partial index of a few rows, not on the members. The completion job's change is
 * JobRunr's versioned save and applies only while the job still waits, and a batch is marked carried out only after
 * it: a worker killed in between leaves the mark undone, the next one finds the job no longer waiting and just marks
 * it. So a decision is carried out once, never lost, and {@code then} never runs twice.
 * <p>
 * A cancelled batch's members that have not ended are cancelled here too, as {@code POST /jobs/{id}/cancel} does
 * (DELETED with the reason {@value #CANCELLED}; a running one's worker told by {@code NOTIFY}): the API's cancel
 * stops those in the ledger at that moment, this stops those that were still in Kafka, whose insert marks the batch
 * for the relay again.
 */
public final class BatchCompletionRelay implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(BatchCompletionRelay.class);
    private static final Duration INTERVAL = Duration.ofMillis(500);
    private static final int BATCH = 100;
    /** When a completion job is SCHEDULED for: never, in effect; the relay enqueues it. */
    static final Instant NEVER = Instant.parse("9999-01-01T00:00:00Z");
    /** The reason of a waiting completion job's SCHEDULED state, followed by the batch's id. */
    public static final String WAITING_REASON_PREFIX = BatchCompletion.WAITING_REASON_PREFIX;
    /** The reason of a completion job's DELETED state when its batch was cancelled, the same as a job's cancel. */
    static final String CANCELLED = "cancelled";
    private static final Set<StateName> ENDED = Set.of(StateName.SUCCEEDED, StateName.FAILED, StateName.DELETED);

    private final DataSource dataSource;
    private final Supplier<LedgerTransitions> transitions;
    private final Runnable onEnqueued;
    private final Thread thread;

    private BatchCompletionRelay(DataSource dataSource, Supplier<LedgerTransitions> transitions, Runnable onEnqueued) {
        this.dataSource = dataSource;
        this.transitions = transitions;
        this.onEnqueued = onEnqueued;
        this.thread = Thread.ofPlatform().daemon().name("conveyor-batch-completions").start(this::run);
    }

    /**
     * Creates the batches' table and triggers where missing, then relays until closed.
     *
     * @param onEnqueued told when a completion job was enqueued, so that a claim takes it soon
     */
    public static BatchCompletionRelay start(DataSource dataSource, Supplier<LedgerTransitions> transitions, Runnable onEnqueued) throws SQLException {
        BatchLedger.prepare(dataSource);
        return new BatchCompletionRelay(dataSource, transitions, onEnqueued);
    }

    /** The state a completion job is written in: SCHEDULED for never, with a reason naming its batch. */
    public static ScheduledState waiting(UUID batch) {
        return new ScheduledState(NEVER, WAITING_REASON_PREFIX + batch);
    }

    private static boolean isWaiting(Job job) {
        return job.getJobState() instanceof ScheduledState scheduled && scheduled.getReason() != null
                && scheduled.getReason().startsWith(WAITING_REASON_PREFIX);
    }

    private void run() {
        RelayRounds.run(this::relayBatch, BATCH, INTERVAL, LOGGER, "could not carry out the decided batches");
    }

    /** Carries out one round of decided batches; returns how many it took. */
    int relayBatch() throws SQLException {
        cancelMembersOfCancelledBatches();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<UUID> done = new ArrayList<>();
                boolean enqueued = false;
                try (PreparedStatement select = connection.prepareStatement("select id, then_id, decision, culprit, culprit_state from conveyor_batches "
                        + "where decision is not null and not released order by decided_at limit " + BATCH + " for update skip locked");
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        UUID batch = rows.getObject(1, UUID.class);
                        UUID then = UUID.fromString(rows.getString(2).trim());
                        enqueued |= carryOut(batch, then, rows.getString(3), rows.getString(4), rows.getString(5));
                        done.add(batch);
                    }
                }
                if (!done.isEmpty()) {
                    try (PreparedStatement mark = connection.prepareStatement("update conveyor_batches set released = true where id = any(?)")) {
                        mark.setArray(1, connection.createArrayOf("uuid", done.toArray()));
                        mark.executeUpdate();
                    }
                }
                connection.commit();
                if (enqueued) {
                    onEnqueued.run();
                }
                return done.size();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** Changes the completion job if it still waits; true if it was enqueued now. */
    private boolean carryOut(UUID batch, UUID then, String decision, String culprit, String culpritState) {
        boolean run = BatchLedger.DECISION_RUN.equals(decision);
        String reason = BatchLedger.DECISION_CANCEL.equals(decision) ? CANCELLED
                : "batch " + batch + ": member " + (culprit == null ? "?" : culprit.trim()) + " ended " + culpritState + ", so its completion job does not run";
        boolean changed = transitions.get().change(then, BatchCompletionRelay::isWaiting, job -> {
            if (run) {
                job.enqueue();
            } else {
                job.delete(reason);
            }
            return job;
        }).isPresent();
        if (changed) {
            LOGGER.info("batch {} decided ({}): its completion job {} is {}", batch, decision, then, run ? "enqueued" : "deleted");
        }
        return changed && run;
    }

    /**
     * First, holding no lock on the batches: cancelling a member changes its state, whose trigger updates its batch's
     * row, which the round below holds locked. Two workers may both cancel a member: the versioned save lets one win.
     */
    private void cancelMembersOfCancelledBatches() throws SQLException {
        List<UUID> cancelled = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select id from conveyor_batches "
                     + "where decision = '" + BatchLedger.DECISION_CANCEL + "' and not released limit " + BATCH);
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                cancelled.add(rows.getObject(1, UUID.class));
            }
        }
        for (UUID batch : cancelled) {
            cancelMembers(batch);
        }
    }

    /** Cancels the members that have not ended, a page at a time, until a page changes none (those left end or run on). */
    private void cancelMembers(UUID batch) throws SQLException {
        int cancelled;
        do {
            cancelled = 0;
            for (UUID member : notEnded(batch)) {
                Optional<Job> deleted = transitions.get().change(member, job -> !ENDED.contains(job.getState()), job -> job.delete(CANCELLED));
                if (deleted.isPresent()) {
                    cancelled++;
                    if (deleted.get().getJobStates().get(deleted.get().getJobStates().size() - 2).getName() == StateName.PROCESSING) {
                        LedgerSignals.send(dataSource, LedgerSignals.JOBS_CANCELLED, member.toString());
                    }
                }
            }
        } while (cancelled > 0);
    }

    private List<UUID> notEnded(UUID batch) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select id from jobrunr_jobs where conveyor_batch = ? "
                     + "and state not in ('SUCCEEDED', 'FAILED', 'DELETED') order by (id collate \"C\") limit " + BATCH)) {
            select.setObject(1, batch);
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    ids.add(UUID.fromString(rows.getString(1).trim()));
                }
            }
            return ids;
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
