package io.conveyor.worker.claim;

import io.conveyor.common.LedgerSignals;
import io.conveyor.common.DatabaseSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Hears the API's cancels of running jobs (PostgreSQL {@code NOTIFY conveyor_jobs_cancelled}, the job id as payload)
 * and has the job server stop the job if it runs here. The API has already saved the job as DELETED; this only makes
 * the worker act at once rather than at JobRunr's next heartbeat of running jobs (one poll interval), which remains
 * the fallback for a notification lost while the listener reconnected.
 */
public final class JobsCancelledSignal implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(JobsCancelledSignal.class);

    private final LedgerChannel channel;

    public JobsCancelledSignal(DatabaseSettings database, ConveyorJobServer server) {
        this.channel = new LedgerChannel(LedgerSignals.JOBS_CANCELLED, database, payload -> {
            try {
                server.cancelRunning(UUID.fromString(payload));
            } catch (IllegalArgumentException e) {
                LOGGER.warn("ignoring a cancel notification that names no job id: '{}'", payload);
            }
        });
    }

    @Override
    public void close() {
        channel.close();
    }
}
