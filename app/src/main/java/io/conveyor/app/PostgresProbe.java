package io.conveyor.app;

import io.conveyor.common.DatabaseSettings;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** Tells whether a PostgreSQL database answers, without waiting long when nothing listens. */
public final class PostgresProbe {

    private PostgresProbe() {
    }

    /** True if a connection with these settings opens and is valid within about {@code timeout} (rounded up to whole seconds). */
    public static boolean isReachable(DatabaseSettings settings, Duration timeout) {
        // The driver counts its timeouts in whole seconds; 0 would mean "wait forever".
        String seconds = String.valueOf(Math.max(1, (timeout.toMillis() + 999) / 1000));
        Properties props = new Properties();
        props.setProperty("user", settings.user());
        props.setProperty("password", settings.password());
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(), props)) {
            return connection.isValid(Integer.parseInt(seconds));
        } catch (SQLException e) {
            return false;
        }
    }
}
