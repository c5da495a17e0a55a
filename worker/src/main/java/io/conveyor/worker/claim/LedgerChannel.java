package io.conveyor.worker.claim;

import io.conveyor.common.DatabaseSettings;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Listens on one PostgreSQL {@code LISTEN/NOTIFY} channel of the ledger database, on a connection and a thread of its
 * own, and hands each notification's payload to a callback; reconnects after a lost connection. Notifications sent
 * while it was disconnected are lost: every use of it has a slower fallback.
 */
final class LedgerChannel implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(LedgerChannel.class);
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(2);

    private final String channel;
    private final DatabaseSettings database;
    private final Consumer<String> onNotification;
    private final Thread listener;
    private volatile boolean running = true;
    private volatile Connection listening;

    /** @param channel a plain identifier (it is written into the LISTEN statement) */
    LedgerChannel(String channel, DatabaseSettings database, Consumer<String> onNotification) {
        this.channel = channel;
        this.database = database;
        this.onNotification = onNotification;
        this.listener = Thread.ofPlatform().name(channel + "-listener").daemon().start(this::listen);
    }

    private void listen() {
        while (running) {
            try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password())) {
                listening = connection;
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + channel);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(1_000);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            onNotification.accept(notification.getParameter());
                        }
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    LOGGER.warn("lost the {} listener connection, reconnecting in {} s: {}", channel, RECONNECT_DELAY.toSeconds(), e.toString());
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
