package io.conveyor.worker.claim;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which of a lane's enqueued jobs a claim takes, and in what order, inside the claim's transaction (each row locked
 * {@code FOR UPDATE SKIP LOCKED}, so workers claiming at once take different jobs):
 * <ol>
 * <li>jobs of a type with a fleet-wide limit ({@code CONVEYOR_TYPE_LIMITS}), as many as the limit leaves: the type's
 * transaction-scoped advisory lock is taken before its running jobs are counted, so two workers never both fill the
 * same place;</li>
 * <li>then, among the other types: every {@code high} job, oldest first; then every job that has waited longer than
 * the aging period whatever its priority, oldest first (so a {@code low} job is never starved by a stream of
 * {@code normal} ones); then {@code normal}, then {@code low}, oldest first.</li>
 * </ol>
 * Each step is one index range (see {@code ledger.LedgerSchema}); their predicates do not overlap, which matters
 * because a transaction does not skip rows it locked itself. Every step takes only jobs this worker can run: of a type
 * it has a handler for, on a queue it serves ({@code conveyor_type = any(?) and conveyor_queue = any(?)}, checked on
 * each row of the range); a job no worker can run stays ENQUEUED for one that can.
 */
final class ClaimOrder {

    private static final String ENQUEUED = "select jobAsJson from jobrunr_jobs where state = 'ENQUEUED' and jobSignature = ? "
            + "and conveyor_type = any(?) and conveyor_queue = any(?) ";

    private final Map<String, Integer> typeLimits;
    private final Duration agingPeriod;
    private final Clock clock;
    private final String[] limitedTypes;
    private final String[] types;
    private final String[] queues;

    /**
     * @param types       the job types this worker runs
     * @param queues      the queues this worker serves
     * @param typeLimits  the most jobs of a type that may run at once across the fleet; types not named have none
     * @param agingPeriod how long a job waits before it goes ahead of younger jobs of any priority below high
     */
    ClaimOrder(Collection<String> types, Collection<String> queues, Map<String, Integer> typeLimits, Duration agingPeriod, Clock clock) {
        this.types = types.toArray(String[]::new);
        this.queues = queues.toArray(String[]::new);
        this.typeLimits = new TreeMap<>(typeLimits); // a fixed order of locks: no two claims wait for each other
        this.typeLimits.keySet().retainAll(types); // a type this worker cannot run is none of its claims' business
        this.agingPeriod = agingPeriod;
        this.clock = clock;
        this.limitedTypes = this.typeLimits.keySet().toArray(String[]::new);
    }

    /** The JSON of up to {@code room} jobs of the lane whose signature is {@code signature}, now locked by this transaction. */
    List<String> select(Connection connection, String signature, int room) throws SQLException {
        List<String> jobs = new ArrayList<>(room);
        for (Map.Entry<String, Integer> limited : typeLimits.entrySet()) {
            if (jobs.size() < room) {
                selectLimited(connection, signature, limited.getKey(), limited.getValue(), room - jobs.size(), jobs);
            }
        }
        String others = limitedTypes.length == 0 ? "" : "and conveyor_type <> all(?) ";
        Timestamp agedBefore = Timestamp.from(Instant.now(clock).minus(agingPeriod));
        // "order by conveyor_priority, updatedAt" where the priority is fixed: the order of the by-priority index, so
        // PostgreSQL reads that index's range. Ordered by updatedAt alone, it walked the by-lane index through every
        // waiting job looking for a high one that was not there (3.8 ms a claim with 15,000 jobs waiting).
        select(connection, ENQUEUED + others + "and conveyor_priority = 0 order by conveyor_priority, updatedAt", signature, null, room, jobs);
        select(connection, ENQUEUED + others + "and conveyor_priority > 0 and updatedAt < ? order by updatedAt", signature, agedBefore, room, jobs);
        select(connection, ENQUEUED + others + "and conveyor_priority = 1 and updatedAt >= ? order by conveyor_priority, updatedAt", signature, agedBefore, room, jobs);
        select(connection, ENQUEUED + others + "and conveyor_priority = 2 and updatedAt >= ? order by conveyor_priority, updatedAt", signature, agedBefore, room, jobs);
        return jobs;
    }

    private void selectLimited(Connection connection, String signature, String type, int limit, int room, List<String> into) throws SQLException {
        if (!waits(connection, signature, type)) {
            return; // no lock for a type that has nothing to claim: claims of other types stay parallel
        }
        try (PreparedStatement lock = connection.prepareStatement("select pg_advisory_xact_lock(hashtext('conveyor-type-limit:' || ?))")) {
            lock.setString(1, type);
            lock.execute();
        }
        int running;
        try (PreparedStatement count = connection.prepareStatement("select count(*) from jobrunr_jobs where state = 'PROCESSING' and conveyor_type = ?")) {
            count.setString(1, type);
            try (ResultSet row = count.executeQuery()) {
                row.next();
                running = row.getInt(1);
            }
        }
        int allowed = Math.min(room, limit - running);
        if (allowed <= 0) {
            return;
        }
        try (PreparedStatement select = connection.prepareStatement(ENQUEUED + "and conveyor_type = ? order by conveyor_priority, updatedAt limit ? for update skip locked")) {
            int parameter = bindLane(connection, select, signature);
            select.setString(parameter++, type);
            select.setInt(parameter, allowed);
            read(select, into);
        }
    }

    private boolean waits(Connection connection, String signature, String type) throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement("select exists (" + ENQUEUED + "and conveyor_type = ?)")) {
            int parameter = bindLane(connection, exists, signature);
            exists.setString(parameter, type);
            try (ResultSet row = exists.executeQuery()) {
                row.next();
                return row.getBoolean(1);
            }
        }
    }

    /** Adds up to what is left of {@code room}; {@code agedBefore} fills the statement's time parameter if it has one. */
    private void select(Connection connection, String sql, String signature, Timestamp agedBefore, int room, List<String> into) throws SQLException {
        int left = room - into.size();
        if (left <= 0) {
            return;
        }
        try (PreparedStatement select = connection.prepareStatement(sql + " limit ? for update skip locked")) {
            int parameter = bindLane(connection, select, signature);
            if (limitedTypes.length > 0) {
                select.setArray(parameter++, connection.createArrayOf("varchar", limitedTypes));
            }
            if (agedBefore != null) {
                select.setTimestamp(parameter++, agedBefore);
            }
            select.setInt(parameter, left);
            read(select, into);
        }
    }

    /** Sets the parameters of {@link #ENQUEUED}; returns the next parameter's index. */
    private int bindLane(Connection connection, PreparedStatement statement, String signature) throws SQLException {
        statement.setString(1, signature);
        statement.setArray(2, connection.createArrayOf("varchar", types));
        statement.setArray(3, connection.createArrayOf("varchar", queues));
        return 4;
    }

    private static void read(PreparedStatement select, List<String> into) throws SQLException {
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                into.add(rows.getString(1));
            }
        }
    }
}
