package io.conveyor.worker.claim;

import io.conveyor.common.LedgerSignals;
import io.conveyor.common.DatabaseSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.SQLException;

/**
 * Tells every worker that jobs are waiting, through PostgreSQL's LISTEN/NOTIFY on the ledger database: the worker
 * that ingested jobs announces it, and each idle worker claims at once instead of waiting for JobRunr's poll.
 * A lost notification costs only latency: JobRunr's poll remains the safety net.
 */
public final class JobsWaitingSignal implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(JobsWaitingSignal.class);

    private final String self;
    private final DataSource dataSource;
    private final LedgerChannel channel;

    /** @param self this worker's id: its own announcements need no answer, it claims directly */
    public JobsWaitingSignal(String self, DatabaseSettings database, DataSource dataSource, Runnable onJobsWaiting) {
        this.self = self;
        this.dataSource = dataSource;
        this.channel = new LedgerChannel(LedgerSignals.JOBS_WAITING, database, sender -> {
            if (!self.equals(sender)) {
                onJobsWaiting.run();
            }
        });
    }

    /** Announces to all other workers that jobs were enqueued. */
    public void announce() {
        try {
            LedgerSignals.send(dataSource, LedgerSignals.JOBS_WAITING, self);
        } catch (SQLException e) {
            LOGGER.debug("could not announce waiting jobs: {}", e.toString());
        }
    }

    @Override
    public void close() {
        channel.close();
    }
}
