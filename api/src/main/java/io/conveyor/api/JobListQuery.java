package io.conveyor.api;

import org.jobrunr.jobs.states.StateName;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code GET /jobs}: one page of the ledger's jobs, newest first, straight from {@code jobrunr_jobs} (JobRunr's storage
 * API pages by state only, and by offset, which skips or repeats jobs while others arrive).
 * <p>
 * Newest first is the order of {@code createdAt} (when a worker wrote the job to the ledger), ties broken by id; not
 * the id alone: ids derived from an idempotency key are not time-ordered. The cursor is the (createdAt, id) of the last
 * job of a page, so the next page is the jobs below it (keyset paging): jobs that arrive meanwhile are newer and fall
 * before the first page, never into a later one, and nothing is skipped or repeated. Ids are compared in the "C"
 * collation whatever the database's. No filter, or a state filter, reads an index range ({@link #INDEXES}, which
 * {@link JobListIndexes} builds), about
 * as many rows as the page shows; a label filter reads one range of each label position's index (columns and indexes
 * a worker's {@code LedgerSchema} adds), about as many rows again; a type filter reads the newest jobs until a page
 * matches.
 */
final class JobListQuery {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final String TYPE = "(jobasjson::json ->> 'jobName')";
    /** JobRunr keeps at most 3 labels per job. */
    private static final int LABEL_POSITIONS = 3;
    private static final String ID = "(id collate \"C\")";
    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?");

    /**
     * Built without locking the table (concurrently), so an API that starts on a busy ledger does not stop intake. Only
     * the two that need no JSON: indexes on the type and the labels (expressions over jobAsJson) made every insert and
     * state change of every job parse its JSON four more times, which slowed intake and claims enough to skew how the
     * workers share jobs (ProcessIsolationIT, WaitingJobsIT failed with them). A type filter walks the newest jobs (of
     * the state, if given) and reads until a page matches: fast for common types, slow for rare ones. Labels have
     * columns of their own, filled once when a job is inserted, and indexes that cost a job without labels nothing.
     */
    static final List<Index> INDEXES = List.of(
            new Index("conveyor_jobs_newest_idx", "jobrunr_jobs (createdat, " + ID + ")"),
            new Index("conveyor_jobs_state_newest_idx", "jobrunr_jobs (state, createdat, " + ID + ")"));

    /** An index of the list: its name, and what follows {@code on} in its definition. */
    record Index(String name, String on) {
    }

    private static String label(int position) {
        return "(jobasjson::json -> 'labels' ->> " + position + ")";
    }

    /** The filters and position of one page; null filters match everything. */
    record Page(StateName state, String type, String label, int limit, Position before, String queue) {
    }

    /** Where a job stands in the order: its {@code createdat} as PostgreSQL writes it, and its id. */
    record Position(String createdAt, String id) {
    }

    /** The JSON of the page's jobs, newest first, and where the next page starts (null: no older job matches). */
    record Result(List<String> jobsJson, Position next) {
    }

    private final DataSource dataSource;
    /** Whether the ledger has the label columns a worker's LedgerSchema adds; once seen, they stay. */
    private volatile boolean labelColumns;

    JobListQuery(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    private boolean labelColumns() {
        if (!labelColumns) {
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement select = connection.prepareStatement("select to_regclass('conveyor_jobs_label_3_idx') is not null");
                 ResultSet row = select.executeQuery()) {
                labelColumns = row.next() && row.getBoolean(1);
            } catch (SQLException e) {
                throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
            }
        }
        return labelColumns;
    }

    Result find(Page page) {
        StringBuilder where = new StringBuilder(" where true");
        List<Object> parameters = new ArrayList<>();
        if (page.state() != null) {
            where.append(" and state = ?");
            parameters.add(page.state().name());
        }
        if (page.type() != null) {
            where.append(" and ").append(TYPE).append(" = ?");
            parameters.add(page.type());
        }
        if (page.queue() != null) {
            // Conveyor's column (a worker's LedgerSchema adds it): a condition on the rows the order reads, as the type's.
            where.append(" and conveyor_queue = ?");
            parameters.add(page.queue());
        }
        if (page.before() != null) {
            where.append(" and (createdat, ").append(ID).append(") < (?::timestamp, ?)");
            parameters.add(page.before().createdAt());
            parameters.add(page.before().id());
        }
        String order = " order by createdat desc, " + ID + " desc limit ?";
        String sql;
        if (page.label() != null && labelColumns()) {
            // One newest-first index range per label position, merged: each reads at most a page of its position.
            // (A single "label in (the three columns)" makes PostgreSQL gather and sort every job of the label.)
            StringBuilder union = new StringBuilder("select jobasjson, position_at, id from (");
            List<Object> all = new ArrayList<>();
            for (int position = 1; position <= LABEL_POSITIONS; position++) {
                union.append(position == 1 ? "" : " union all ").append("(select jobasjson, createdat, createdat::text as position_at, id from jobrunr_jobs")
                        .append(where).append(" and conveyor_label_").append(position).append(" = ?").append(order).append(")");
                all.addAll(parameters);
                all.add(page.label());
                all.add(page.limit() + 1);
            }
            // A job given the same label twice is one job.
            sql = union.append(") page group by jobasjson, position_at, id, createdat").append(order).toString();
            parameters = all;
        } else {
            if (page.label() != null) {
                // A ledger no worker of this version prepared yet (an API upgraded first): the labels from the JSON, in
                // one newest-first walk that tests every position of each job and stops when the page is full.
                where.append(" and ? in (");
                for (int position = 0; position < LABEL_POSITIONS; position++) {
                    where.append(position == 0 ? "" : ", ").append(label(position));
                }
                where.append(")");
                parameters.add(page.label());
            }
            sql = "select jobasjson, createdat::text as position_at, id from jobrunr_jobs" + where + order;
        }
        parameters.add(page.limit() + 1);
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                if (parameters.get(i) instanceof Integer n) {
                    statement.setInt(i + 1, n);
                } else {
                    statement.setString(i + 1, (String) parameters.get(i));
                }
            }
            List<String> jobs = new ArrayList<>(page.limit() + 1);
            Position last = null;
            boolean more = false;
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    if (jobs.size() == page.limit()) {
                        more = true;
                        break;
                    }
                    jobs.add(rows.getString(1));
                    last = new Position(rows.getString(2), rows.getString(3).trim());
                }
            }
            return new Result(jobs, more ? last : null);
        } catch (SQLException e) {
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
    }

    /** The opaque cursor that continues after {@code position}. */
    static String cursor(Position position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("v2|" + position.createdAt() + "|" + position.id()).getBytes(StandardCharsets.US_ASCII));
    }

    /** The position a cursor continues after, or empty if the text is no cursor of ours. */
    static Optional<Position> parseCursor(String cursor) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII).split("\\|", -1);
            if (parts.length != 3 || !parts[0].equals("v2") || !TIMESTAMP.matcher(parts[1]).matches()) {
                return Optional.empty();
            }
            UUID id = UUID.fromString(parts[2]);
            return parts[2].length() == 36 ? Optional.of(new Position(parts[1], id.toString())) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
