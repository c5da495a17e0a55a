package io.conveyor.common;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The PostgreSQL {@code NOTIFY} channels by which the API and the workers tell each other what the ledger now holds,
 * sooner than a poll would find it. A lost signal costs time, never a job: every listener also polls.
 */
public final class LedgerSignals {

    /** Jobs wait to be claimed (intake wrote them, or the API retried them); the payload names the sender. */
    public static final String JOBS_WAITING = "conveyor_jobs_waiting";
    /** A job was cancelled; the payload is its id, so the worker running it stops it. */
    public static final String JOBS_CANCELLED = "conveyor_jobs_cancelled";

    private LedgerSignals() {
    }

    /** Sends {@code payload} on {@code channel}, on a connection of {@code dataSource} (pg_notify: no quoting needed). */
    public static void send(DataSource dataSource, String channel, String payload) throws SQLException {
        try (Connection connection = dataSource.getConnection(); PreparedStatement notify = connection.prepareStatement("select pg_notify(?, ?)")) {
            notify.setString(1, channel);
            notify.setString(2, payload);
            notify.execute();
        }
    }
}
