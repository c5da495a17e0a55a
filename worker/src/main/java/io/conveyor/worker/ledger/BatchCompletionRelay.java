package io.conveyor.worker.ledger;

import io.conveyor.common.BatchCompletion;
import io.conveyor.common.LedgerSignals;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.JobState;
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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

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
 * A save that loses to a concurrent change of the same job (the API's cancel, the dashboard, another worker: its
 * versioned update then finds another version and changes no row) is not the end of the decision: the job is read
 * again and, if it still waits (a member: has still not ended), changed again, up to {@value #ATTEMPTS} times in a
 * round. A job still contended after them keeps its batch unmarked for the next round; one that no longer waits was
 * settled by the other writer, and the batch is marked.
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
    /** How often one round tries a change that keeps losing to concurrent ones before leaving it to the next round. */
    static final int ATTEMPTS = 5;
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

    /** Carries out one round of decided batches; returns how many it marked carried out. */
    int relayBatch() throws SQLException {
        Set<UUID> membersLeft = cancelMembersOfCancelledBatches();
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
                        Outcome outcome = carryOut(batch, then, rows.getString(3), rows.getString(4), rows.getString(5));
                        enqueued |= outcome.changed() && BatchLedger.DECISION_RUN.equals(rows.getString(3));
                        if (!outcome.contended() && !membersLeft.contains(batch)) {
                            done.add(batch);
                        }
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

    /** Changes the completion job if it still waits. */
    private Outcome carryOut(UUID batch, UUID then, String decision, String culprit, String culpritState) {
        boolean run = BatchLedger.DECISION_RUN.equals(decision);
        String reason = BatchLedger.DECISION_CANCEL.equals(decision) ? CANCELLED
                : "batch " + batch + ": member " + (culprit == null ? "?" : culprit.trim()) + " ended " + culpritState + ", so its completion job does not run";
        Outcome outcome = changeWhile(then, BatchCompletionRelay::isWaiting, job -> {
            if (run) {
                job.enqueue();
            } else {
                job.delete(reason);
            }
            return job;
        });
        if (outcome.changed()) {
            LOGGER.info("batch {} decided ({}): its completion job {} is {}", batch, decision, then, run ? "enqueued" : "deleted");
        } else if (outcome.contended()) {
            LOGGER.warn("batch {} decided ({}): its completion job {} changed concurrently {} times; trying again in the next round", batch, decision, then, ATTEMPTS);
        }
        return outcome;
    }

    /**
     * Changes the job while {@code applies} holds: after a save lost to a concurrent change, the job is read again and
     * the change decided again on what it is now, up to {@value #ATTEMPTS} times.
     */
    private Outcome changeWhile(UUID id, Predicate<Job> applies, UnaryOperator<Job> change) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Optional<Job> current = transitions.get().read(id);
            if (current.isEmpty() || !applies.test(current.get())) {
                return Outcome.SETTLED;
            }
            Optional<Job> saved = transitions.get().save(change.apply(current.get()));
            if (saved.isPresent()) {
                return new Outcome(saved.get(), false);
            }
            LOGGER.debug("job {} changed between its read and its save (attempt {}); reading it again", id, attempt);
        }
        return Outcome.CONTENDED;
    }

    /**
     * What became of a change: {@code saved} is the job as changed, or null if it did not apply (any more: another
     * writer settled it) or every attempt lost ({@code contended}).
     */
    private record Outcome(Job saved, boolean contended) {
        static final Outcome SETTLED = new Outcome(null, false);
        static final Outcome CONTENDED = new Outcome(null, true);

        boolean changed() {
            return saved != null;
        }
    }

    /**
     * First, holding no lock on the batches: cancelling a member changes its state, whose trigger updates its batch's
     * row, which the round below holds locked. Two workers may both cancel a member: the versioned save lets one win.
     *
     * @return the batches with a member still contended: not marked carried out in this round
     */
    private Set<UUID> cancelMembersOfCancelledBatches() throws SQLException {
        List<UUID> cancelled = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select id from conveyor_batches "
                     + "where decision = '" + BatchLedger.DECISION_CANCEL + "' and not released limit " + BATCH);
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                cancelled.add(rows.getObject(1, UUID.class));
            }
        }
        Set<UUID> membersLeft = new HashSet<>();
        for (UUID batch : cancelled) {
            if (!cancelMembers(batch)) {
                membersLeft.add(batch);
            }
        }
        return membersLeft;
    }

    /**
     * Cancels the members that have not ended, a page at a time, until a page changes none (those left ended meanwhile
     * or kept changing concurrently); false if one kept changing, so that the next round tries it again.
     */
    private boolean cancelMembers(UUID batch) throws SQLException {
        int cancelled;
        boolean contended;
        do {
            cancelled = 0;
            contended = false;
            for (UUID member : notEnded(batch)) {
                Outcome deleted = changeWhile(member, job -> !ENDED.contains(job.getState()), job -> job.delete(CANCELLED));
                contended |= deleted.contended();
                if (deleted.changed()) {
                    cancelled++;
                    List<JobState> states = deleted.saved().getJobStates();
                    if (states.get(states.size() - 2).getName() == StateName.PROCESSING) {
                        LedgerSignals.send(dataSource, LedgerSignals.JOBS_CANCELLED, member.toString());
                    }
                }
            }
        } while (cancelled > 0);
        return !contended;
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
