package io.conveyor.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET /batches/{id}} and {@code POST /batches/{id}/cancel}: a batch as the ledger counts it (one row of
 * {@code conveyor_batches}, kept by the worker's triggers: no count over the members), and its cancel.
 * <p>
 * A cancel marks the batch cancelled in the ledger, which decides it (once, like every decision: the completion job is
 * then deleted by a worker), and cancels each member in the ledger that has not ended, a page at a time. Members still
 * in Kafka at that moment are cancelled by the worker's {@code BatchCompletionRelay} when they reach the ledger.
 */
final class BatchStatus {

    static final String ROUTES = "GET /batches/{id}, POST /batches/{id}/cancel";
    private static final int PAGE = 500;
    /** PostgreSQL's "undefined table": no worker has created the batches' table yet, so there is no batch. */
    private static final String UNDEFINED_TABLE = "42P01";

    private final DataSource dataSource;
    private final LedgerReader ledger;
    private final JobCancellation cancellation;
    private final JobIds ids;

    BatchStatus(DataSource dataSource, LedgerReader ledger, JobCancellation cancellation, JobIds ids) {
        this.dataSource = dataSource;
        this.ledger = ledger;
        this.cancellation = cancellation;
        this.ids = ids;
    }

    void register(RoutesConfig routes) {
        routes.get("/batches/{id}", this::find);
        routes.post("/batches/{id}/cancel", this::cancel);
    }

    /** One batch's row, as read. */
    private record Counts(Integer total, UUID then, boolean onEnded, int inserted, int succeeded, int failed, int deleted,
                          boolean cancelled, String decision) {
    }

    void find(Context ctx) {
        UUID id = id(ctx);
        Responses.json(ctx, view(id, counts(id).orElseGet(() -> accepted(id))));
    }

    void cancel(Context ctx) {
        UUID id = id(ctx);
        Counts before = counts(id).orElseGet(() -> accepted(id));
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement mark = connection.prepareStatement("insert into conveyor_batches (id, cancelled) values (?, true) "
                    + "on conflict (id) do update set cancelled = true");
                 PreparedStatement decide = connection.prepareStatement("select conveyor_batch_decide(?)")) {
                mark.setObject(1, id);
                mark.executeUpdate();
                decide.setObject(1, id);
                decide.execute();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerUnavailableException("the batch could not be cancelled in the ledger: " + e.getMessage(), e);
        }
        if (before.decision() == null) {
            cancelMembers(id);
        }
        Responses.json(ctx, view(id, counts(id).orElseThrow()));
    }

    /** Cancels the members that have not ended, a page at a time; one that ends meanwhile is left as it ended. */
    private void cancelMembers(UUID batch) {
        String after = "";
        List<UUID> page;
        do {
            page = running(batch, after);
            for (UUID member : page) {
                try {
                    cancellation.cancel(member);
                } catch (ProblemException endedMeanwhile) {
                    // it succeeded or failed between the page's read and its cancel: it stays as it ended
                }
            }
            if (!page.isEmpty()) {
                after = page.getLast().toString();
            }
        } while (page.size() == PAGE);
    }

    private List<UUID> running(UUID batch, String after) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select id from jobrunr_jobs where conveyor_batch = ? "
                     + "and (id collate \"C\") > ? and state not in ('SUCCEEDED', 'FAILED', 'DELETED') order by (id collate \"C\") limit " + PAGE)) {
            select.setObject(1, batch);
            select.setString(2, after);
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    ids.add(UUID.fromString(rows.getString(1).trim()));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new LedgerUnavailableException("the batch's members could not be read: " + e.getMessage(), e);
        }
    }

    /** A batch this API accepted that has no row in the ledger yet: its jobs are all in Kafka still. */
    private Counts accepted(UUID id) {
        if (!ids.issuedHere(id)) {
            throw new ProblemException(Problem.status(404, "no batch has the id " + id));
        }
        return new Counts(null, null, false, 0, 0, 0, 0, false, null);
    }

    private Optional<Counts> counts(UUID id) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select total, then_id, then_on_ended, inserted, succeeded, failed, deleted, "
                     + "cancelled, decision from conveyor_batches where id = ?")) {
            select.setObject(1, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Counts((Integer) row.getObject(1), row.getString(2) == null ? null : UUID.fromString(row.getString(2).trim()),
                        row.getBoolean(3), row.getInt(4), row.getInt(5), row.getInt(6), row.getInt(7), row.getBoolean(8), row.getString(9)));
            }
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                return Optional.empty();
            }
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
    }

    private ObjectNode view(UUID id, Counts counts) {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        json.put("id", id.toString());
        int ended = counts.succeeded() + counts.failed() + counts.deleted();
        json.put("state", state(counts));
        if (counts.total() == null) {
            json.putNull("total");
        } else {
            json.put("total", counts.total());
        }
        json.put("thenWhen", counts.onEnded() ? "ended" : "succeeded");
        ObjectNode byState = json.putObject("counts");
        byState.put("ACCEPTED", counts.total() == null ? 0 : Math.max(0, counts.total() - counts.inserted()));
        byState.put("WAITING_OR_RUNNING", counts.inserted() - ended);
        byState.put("SUCCEEDED", counts.succeeded());
        byState.put("FAILED", counts.failed());
        byState.put("DELETED", counts.deleted());
        json.put("percentDone", counts.total() == null ? 0 : Math.floor(1000.0 * ended / counts.total()) / 10);
        ObjectNode then = json.putObject("then");
        if (counts.then() == null) {
            then.putNull("id");
            then.put("state", "ACCEPTED");
        } else {
            then.put("id", counts.then().toString());
            then.put("state", ledger.find(counts.then()).map(JobView::state).orElse("ACCEPTED"));
        }
        return json;
    }

    /** ACCEPTED (its completion job is not in the ledger yet), RUNNING, then the ledger's decision: DONE (the completion job runs), DROPPED, CANCELLED. */
    private static String state(Counts counts) {
        if (counts.decision() != null) {
            return switch (counts.decision()) {
                case "run" -> "DONE";
                case "drop" -> "DROPPED";
                default -> "CANCELLED";
            };
        }
        if (counts.cancelled()) {
            return "CANCELLED";
        }
        return counts.total() == null ? "ACCEPTED" : "RUNNING";
    }

    private static UUID id(Context ctx) {
        String raw = ctx.pathParam("id");
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(Problem.status(404, "'" + raw + "' is not a batch id: batch ids are UUIDs such as those POST /batches answers"));
        }
    }
}
