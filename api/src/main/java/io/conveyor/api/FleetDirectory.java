package io.conveyor.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.WorkerAnnouncements;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What the fleet runs, as the workers announced it in the ledger ({@link WorkerAnnouncements}): {@code GET /workers}
 * (the live worker JVMs), {@code GET /types} (every type ever announced, with how many live workers run it), why an
 * ENQUEUED job waits, and the types any worker ever announced (for {@link UnknownTypeCheck}). A worker counts as live
 * while it holds its liveness lock, so a worker killed a moment ago is no longer listed even before a rescuer removed
 * its row.
 */
final class FleetDirectory {

    static final String ROUTES = "GET /workers, GET /types";
    /** PostgreSQL's undefined column and undefined table: an API upgraded before any worker. */
    private static final Set<String> NOT_THERE_YET = Set.of("42703", "42P01");

    private final DataSource dataSource;

    FleetDirectory(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void register(RoutesConfig routes) {
        routes.get("/workers", this::workers);
        routes.get("/types", this::types);
    }

    /** {@code GET /workers}: each live worker JVM, oldest first. */
    void workers(Context ctx) {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        ArrayNode workers = json.putArray("workers");
        read("select id, name, host, pid, types, queues, threads, busy, started_at, seen_at from " + WorkerAnnouncements.WORKERS
                + " w where " + WorkerAnnouncements.LIVE + " order by started_at, id", rows -> {
            while (rows.next()) {
                ObjectNode worker = workers.addObject();
                worker.put("id", rows.getString(1));
                worker.put("name", rows.getString(2));
                worker.put("host", rows.getString(3));
                worker.put("pid", rows.getLong(4));
                strings(rows.getArray(5)).forEach(worker.putArray("types")::add);
                strings(rows.getArray(6)).forEach(worker.putArray("queues")::add);
                worker.putObject("threads").put("busy", rows.getInt(8)).put("total", rows.getInt(7));
                worker.put("startedAt", rows.getTimestamp(9).toInstant().toString());
                worker.put("seenAt", rows.getTimestamp(10).toInstant().toString());
            }
            return null;
        });
        Responses.json(ctx, json);
    }

    /** {@code GET /types}: every type a worker ever announced, by name, with the number of live workers that run it now. */
    void types(Context ctx) {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        ArrayNode types = json.putArray("types");
        read("select t.type, (select count(*) from " + WorkerAnnouncements.WORKERS + " w where t.type = any(w.types) and "
                + WorkerAnnouncements.LIVE + ") from " + WorkerAnnouncements.TYPES + " t order by t.type", rows -> {
            while (rows.next()) {
                types.addObject().put("type", rows.getString(1)).put("liveWorkers", rows.getInt(2));
            }
            return null;
        });
        Responses.json(ctx, json);
    }

    /** Every type a worker of this ledger ever announced. */
    Set<String> announcedTypes() {
        return read("select type from " + WorkerAnnouncements.TYPES, rows -> {
            Set<String> types = new TreeSet<>();
            while (rows.next()) {
                types.add(rows.getString(1));
            }
            return types;
        });
    }

    /**
     * Why the job waits, if it is ENQUEUED and no live worker can run it: none runs its type, none serves its queue, or
     * none does both; empty if some live worker can (the job waits for room) or the job is not ENQUEUED.
     */
    Optional<String> whyWaiting(UUID id) {
        try {
            return readWhyWaiting(id);
        } catch (LedgerUnavailableException e) {
            if (e.getCause() instanceof SQLException sql && NOT_THERE_YET.contains(sql.getSQLState())) {
                return Optional.empty(); // no worker of this version has prepared the ledger yet: nothing to say
            }
            throw e;
        }
    }

    private Optional<String> readWhyWaiting(UUID id) {
        String live = "select 1 from " + WorkerAnnouncements.WORKERS + " w where " + WorkerAnnouncements.LIVE;
        return read("select j.conveyor_type, j.conveyor_queue,"
                + " exists (" + live + " and j.conveyor_type = any(w.types)),"
                + " exists (" + live + " and j.conveyor_queue = any(w.queues)),"
                + " exists (" + live + " and j.conveyor_type = any(w.types) and j.conveyor_queue = any(w.queues))"
                + " from jobrunr_jobs j where j.id = ? and j.state = 'ENQUEUED'", statement -> statement.setString(1, id.toString()), rows -> {
            if (!rows.next() || rows.getBoolean(5)) {
                return Optional.empty();
            }
            String type = rows.getString(1);
            String queue = rows.getString(2);
            if (!rows.getBoolean(3)) {
                return Optional.of("no live worker runs type '" + type + "'");
            }
            return Optional.of(rows.getBoolean(4)
                    ? "no live worker runs type '" + type + "' on queue '" + queue + "'"
                    : "no live worker serves queue '" + queue + "'");
        });
    }

    private interface Rows<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private interface Parameters {
        void set(PreparedStatement statement) throws SQLException;
    }

    private <T> T read(String sql, Rows<T> rows) {
        return read(sql, statement -> { }, rows);
    }

    private <T> T read(String sql, Parameters parameters, Rows<T> rows) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            parameters.set(statement);
            try (ResultSet result = statement.executeQuery()) {
                return rows.read(result);
            }
        } catch (SQLException e) {
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return new ArrayList<>(List.of((String[]) array.getArray()));
    }
}
