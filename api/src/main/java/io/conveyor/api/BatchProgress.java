package io.conveyor.api;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * How far a batch is, as its completion job's {@code progress} while it waits: the members that ended, of the batch's
 * total, read from the batch's one row (kept by the workers' triggers), as {@code GET /batches/{id}} counts them.
 */
final class BatchProgress {

    /** PostgreSQL's "undefined table": no worker has created the batches' table yet. */
    private static final String UNDEFINED_TABLE = "42P01";

    private final DataSource dataSource;

    BatchProgress(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The batch's progress; empty while its total is not known (its completion job is still in Kafka). */
    Optional<JobView.Progress> of(UUID batch) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select total, succeeded + failed + deleted from conveyor_batches where id = ?")) {
            select.setObject(1, batch);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next() || row.getObject(1) == null) {
                    return Optional.empty();
                }
                long total = row.getLong(1);
                long done = Math.min(total, row.getLong(2));
                return Optional.of(new JobView.Progress(done, total, total == 0 ? 100 : (int) (100 * done / total)));
            }
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                return Optional.empty();
            }
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
    }
}
