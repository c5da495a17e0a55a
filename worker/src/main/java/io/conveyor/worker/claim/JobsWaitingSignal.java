package io.conveyor.worker.claim;

import io.conveyor.common.DatabaseSettings;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;

/**
 * Tells every worker that jobs are waiting, through PostgreSQL's LISTEN/NOTIFY on the ledger database: the worker
 * that ingested jobs announces it, and each idle worker claims at once instead of waiting for JobRunr's poll.
 * A lost notification costs only latency: JobRunr's poll remains the safety net.
 */
public final class JobsWaitingSignal implements AutoCloseable {

    static final String CHANNEL = "conveyor_jobs_waiting";
    private static final Logger LOGGER = LoggerFactory.getLogger(JobsWaitingSignal.class);
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(2);

    private final String self;
    private final DatabaseSettings database;
    private final DataSource dataSource;
    private final Runnable onJobsWaiting;
    private final Thread listener;
    private volatile boolean running = true;
    private volatile Connection listening;

    /** @param self this worker's id: its own announcements need no answer, it claims directly */
    public JobsWaitingSignal(String self, DatabaseSettings database, DataSource dataSource, Runnable onJobsWaiting) {
        this.self = self;
        this.database = database;
        this.dataSource = dataSource;
        this.onJobsWaiting = onJobsWaiting;
        this.listener = Thread.ofPlatform().name("conveyor-jobs-waiting-listener").daemon().start(this::listen);
    }

    /** Announces to all other workers that jobs were enqueued. */
    public void announce() {
        try (Connection connection = dataSource.getConnection(); PreparedStatement notify = connection.prepareStatement("select pg_notify(?, ?)")) {
            notify.setString(1, CHANNEL);
            notify.setString(2, self);
            notify.execute();
        } catch (SQLException e) {
            LOGGER.debug("could not announce waiting jobs: {}", e.toString());
        }
    }

    private void listen() {
        while (running) {
            try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password())) {
                listening = connection;
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(1_000);
                    if (notifications != null && Arrays.stream(notifications).anyMatch(n -> !self.equals(n.getParameter()))) {
                        onJobsWaiting.run();
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    LOGGER.warn("lost the jobs-waiting listener connection, reconnecting in {} s: {}", RECONNECT_DELAY.toSeconds(), e.toString());
                    pause();
                }
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_DELAY);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        Connection connection = listening;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing to stop the listener; nothing to do
            }
        }
        listener.interrupt();
    }
}
