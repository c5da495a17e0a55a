package io.conveyor.app.testing;

import io.conveyor.common.DatabaseSettings;
import org.jobrunr.jobs.states.StateName;

import javax.sql.DataSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.UUID;

/**
 * Plain JDBC on a test's database, each call on a connection of its own: generic SQL, and what tests ask of a
 * JobRunr ledger ({@code jobrunr_jobs}).
 */
public final class TestDatabase {

    private final DatabaseSettings settings;

    public TestDatabase(DatabaseSettings settings) {
        this.settings = settings;
    }

    /** The state of job {@code id} as the ledger behind {@code dataSource} has committed it; null if it holds no such job. */
    public static StateName committedState(DataSource dataSource, UUID id) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select state from jobrunr_jobs where id = ?")) {
            select.setString(1, id.toString());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? StateName.valueOf(row.getString(1)) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(settings.jdbcUrl(), settings.user(), settings.password());
    }

    /** The first column of the first row of {@code sql}, as text. */
    public String query(String sql) throws SQLException {
        try (Connection connection = connect();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    public void execute(String sql) throws SQLException {
        try (Connection connection = connect();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Jobs of the ledger that meet {@code condition}, an SQL condition on {@code jobrunr_jobs}'s columns. */
    public long countJobs(String condition) throws SQLException {
        try (Connection connection = connect();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("select count(*) from jobrunr_jobs where " + condition)) {
            row.next();
            return row.getLong(1);
        }
    }

    /** Jobs of the ledger in {@code state}. */
    public long countInState(String state) throws SQLException {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("select count(*) from jobrunr_jobs where state = ?")) {
            select.setString(1, state);
            return count(select);
        }
    }

    /** Those of {@code jobs} in {@code state}. */
    public long countInState(Collection<UUID> jobs, String state) throws SQLException {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("select count(*) from jobrunr_jobs where state = ? and id = any(?)")) {
            select.setString(1, state);
            select.setArray(2, connection.createArrayOf("bpchar", jobs.stream().map(UUID::toString).toArray()));
            return count(select);
        }
    }

    /** The ledger's rows with this id (one at most, if no job is written twice). */
    public long rowsWithId(UUID id) throws SQLException {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("select count(*) from jobrunr_jobs where id = ?")) {
            select.setString(1, id.toString());
            return count(select);
        }
    }

    /** Jobs PROCESSING now on the worker named {@code worker}, by the ledger. */
    public long processingOn(String worker) throws SQLException {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement("select count(*) from jobrunr_jobs "
                     + "where state = 'PROCESSING' and jobAsJson::jsonb -> 'jobHistory' -> -1 ->> 'serverName' = ?")) {
            select.setString(1, worker);
            return count(select);
        }
    }

    private static long count(PreparedStatement select) throws SQLException {
        try (ResultSet row = select.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }
}
