package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Work that rides in the transaction in which the {@link SucceededJobsWriter} records a batch of successes, so that
 * one commit does both: the worker's claim for the places those jobs freed ({@code claim.Turnover}). The writer knows
 * nothing of the work but this: it offers each batch a ride, boards it first in the batch's first transaction, tells
 * it of the commit, and closes it whatever happened.
 */
public interface SuccessRider {

    /** Rides in no transaction: the writer records its batches alone. */
    SuccessRider NONE = succeeded -> Ride.NONE;

    /** The ride of one batch of succeeded jobs; the writer closes it once the batch is written or given up. */
    Ride rideWith(List<Job> succeeded);

    interface Ride extends AutoCloseable {

        /** Boards nothing. */
        Ride NONE = new Ride() {
            @Override
            public boolean board(Connection connection) {
                return false;
            }

            @Override
            public void committed() {
            }

            @Override
            public void close() {
            }
        };

        /**
         * Does its work first in the batch's transaction, on {@code connection} (auto-commit off, plans reused:
         * {@link JobRows#reusePlans}), before the successes are saved; false if it does not ride this time, having
         * done nothing. If it throws, the transaction is rolled back and the batch written again without it.
         */
        boolean board(Connection connection) throws SQLException;

        /** The transaction it boarded committed: runs what follows the commit, before the successes' applied filters. */
        void committed();

        /** Ends the ride, at once if its transaction failed: what it did and did not commit is left to others. Idempotent. */
        @Override
        void close();
    }
}
