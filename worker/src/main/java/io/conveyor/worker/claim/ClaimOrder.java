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
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
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

    /** A lane's jobs in the ledger (their signature) and how many of them this claim may take. */
    record Lane(String signature, int room) {
    }

    /**
     * The JSON of up to each lane's room of its jobs, now locked by this transaction. The steps after the type limits are
     * one statement for all lanes ({@link #stepsOfEveryLane}): a claim of an idle worker is one round trip, not one per
     * step and lane (eight, each a statement of its own, which was most of an idle job's wait for its claim).
     */
    List<String> select(Connection connection, List<Lane> lanes) throws SQLException {
        List<String> jobs = new ArrayList<>();
        List<Lane> left = new ArrayList<>(lanes.size());
        for (Lane lane : lanes) {
            List<String> limited = new ArrayList<>();
            for (Map.Entry<String, Integer> type : typeLimits.entrySet()) {
                if (limited.size() < lane.room()) {
                    selectLimited(connection, lane.signature(), type.getKey(), type.getValue(), lane.room() - limited.size(), limited);
                }
            }
            jobs.addAll(limited);
            if (lane.room() > limited.size()) {
                left.add(new Lane(lane.signature(), lane.room() - limited.size()));
            }
        }
        if (!left.isEmpty()) {
            try (PreparedStatement select = connection.prepareStatement(stepsOfEveryLane(left.size()))) {
                Timestamp agedBefore = Timestamp.from(Instant.now(clock).minus(agingPeriod));
                int parameter = 1;
                for (Lane lane : left) {
                    for (Step step : Step.values()) {
                        parameter = bindLane(connection, select, parameter, lane.signature());
                        if (limitedTypes.length > 0) {
                            select.setArray(parameter++, connection.createArrayOf("varchar", limitedTypes));
                        }
                        if (step.agedBefore) {
                            select.setTimestamp(parameter++, agedBefore);
                        }
                        select.setInt(parameter++, lane.room());
                    }
                }
                for (Lane lane : left) { // the lanes' cuts follow all the steps in the statement
                    select.setInt(parameter++, lane.room());
                }
                read(select, jobs);
            }
        }
        return jobs;
    }

    /**
     * The steps below high priority and type limits, in the order a lane's room is filled. Their predicates do not
     * overlap. "order by conveyor_priority, updatedAt" where the priority is fixed is the order of the by-priority
     * index, so PostgreSQL reads that index's range; ordered by updatedAt alone, it walked the by-lane index through
     * every waiting job looking for a high one that was not there (3.8 ms a claim with 15,000 jobs waiting).
     */
    private enum Step {
        HIGH("and conveyor_priority = 0 order by conveyor_priority, updatedAt", false),
        AGED("and conveyor_priority > 0 and updatedAt < ? order by updatedAt", true),
        NORMAL("and conveyor_priority = 1 and updatedAt >= ? order by conveyor_priority, updatedAt", true),
        LOW("and conveyor_priority = 2 and updatedAt >= ? order by conveyor_priority, updatedAt", true);

        private final String predicate;
        private final boolean agedBefore;

        Step(String predicate, boolean agedBefore) {
            this.predicate = predicate;
            this.agedBefore = agedBefore;
        }
    }

    /**
     * One statement for every lane: each step of each lane a {@code SELECT ... FOR UPDATE SKIP LOCKED} in a CTE, the
     * lane's steps appended in order and cut at its room. PostgreSQL runs a CTE only as far as the query reads it, and
     * an append reads its parts in order, so a step is read (and its rows locked) only while the steps before it left
     * room: the same rows as one statement per step would take. ({@code FOR UPDATE} cannot stand in a {@code UNION}
     * itself; inside a CTE it can.)
     */
    private String stepsOfEveryLane(int lanes) {
        String others = limitedTypes.length == 0 ? "" : "and conveyor_type <> all(?) ";
        StringBuilder ctes = new StringBuilder("with ");
        StringBuilder union = new StringBuilder();
        for (int lane = 0; lane < lanes; lane++) {
            StringJoiner steps = new StringJoiner(" union all ", "(select jobAsJson from (", ") lane" + lane + " limit ?)");
            for (Step step : Step.values()) {
                String name = "lane" + lane + "_" + step.name().toLowerCase(Locale.ROOT);
                ctes.append(lane == 0 && step.ordinal() == 0 ? "" : ", ").append(name).append(" as (")
                        .append(ENQUEUED).append(others).append(step.predicate).append(" limit ? for update skip locked)");
                steps.add("select jobAsJson from " + name);
            }
            union.append(lane == 0 ? "" : " union all ").append(steps);
        }
        return ctes.append(' ').append(union).toString();
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
            int parameter = bindLane(connection, select, 1, signature);
            select.setString(parameter++, type);
            select.setInt(parameter, allowed);
            read(select, into);
        }
    }

    private boolean waits(Connection connection, String signature, String type) throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement("select exists (" + ENQUEUED + "and conveyor_type = ?)")) {
            int parameter = bindLane(connection, exists, 1, signature);
            exists.setString(parameter, type);
            try (ResultSet row = exists.executeQuery()) {
                row.next();
                return row.getBoolean(1);
            }
        }
    }

    /** Sets the parameters of {@link #ENQUEUED} from {@code first} on; returns the next parameter's index. */
    private int bindLane(Connection connection, PreparedStatement statement, int first, String signature) throws SQLException {
        statement.setString(first, signature);
        statement.setArray(first + 1, connection.createArrayOf("varchar", types));
        statement.setArray(first + 2, connection.createArrayOf("varchar", queues));
        return first + 3;
    }

    private static void read(PreparedStatement select, List<String> into) throws SQLException {
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                into.add(rows.getString(1));
            }
        }
    }
}
