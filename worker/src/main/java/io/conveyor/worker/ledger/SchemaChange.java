package io.conveyor.worker.ledger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Adds a piece of Conveyor's schema to the ledger once, however many workers start at the same time: under a
 * transaction-scoped advisory lock of its own, and only when a query says that something is missing. When everything
 * is there nothing is executed, because DDL on JobRunr's jobs table would lock it against the running fleet's claims.
 *
 * @param lock       the advisory lock key of this piece
 * @param isComplete a query answering one boolean: whether everything is there already
 * @param statements what adds it, in order (each idempotent, so a partial earlier attempt is completed)
 */
record SchemaChange(long lock, String isComplete, List<String> statements) {

    /** Applies the change if something is missing; true if it did. */
    boolean applyTo(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("select pg_advisory_xact_lock(" + lock + ")");
                boolean applied = false;
                if (!complete(statement)) {
                    for (String sql : statements) {
                        statement.execute(sql);
                    }
                    applied = true;
                }
                connection.commit();
                return applied;
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private boolean complete(Statement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery(isComplete)) {
            row.next();
            return row.getBoolean(1);
        }
    }
}
