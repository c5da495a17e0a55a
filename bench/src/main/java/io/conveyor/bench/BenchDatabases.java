package io.conveyor.bench;

import io.conveyor.common.DatabaseSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's databases: one per system under test, created on the PostgreSQL server of {@code CONVEYOR_DB_URL}
 * and dropped again when the benchmark ends.
 */
final class BenchDatabases implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(BenchDatabases.class);
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/?]*)(/[^?]*)?(\\?.*)?$");

    private final DatabaseSettings server;
    private final String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<String> created = new ArrayList<>();

    BenchDatabases(DatabaseSettings server) {
        this.server = server;
    }

    /** Creates {@code <prefix>_<random>} and returns its settings (same server, user and password). */
    synchronized DatabaseSettings create(String prefix) {
        String name = prefix + "_" + suffix;
        try (Connection connection = connect(server); Statement statement = connection.createStatement()) {
            statement.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + " on " + server.jdbcUrl() + ": " + e.getMessage(), e);
        }
        created.add(name);
        return new DatabaseSettings(withDatabase(server.jdbcUrl(), name), server.user(), server.password());
    }

    /** The server's version, e.g. {@code 15.20 (Debian 15.20-0+deb12u1)}. */
    String serverVersion() {
        try (Connection connection = connect(server); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("show server_version")) {
            row.next();
            return row.getString(1);
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** Waits until {@code count} JobRunr servers heartbeat in {@code database}: they created the tables and run. */
    static void awaitServers(DatabaseSettings database, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() - deadline < 0) {
            try (Connection connection = connect(database);
                 PreparedStatement select = connection.prepareStatement("select count(*) from jobrunr_backgroundjobservers where running = 1")) {
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    if (row.getInt(1) >= count) {
                        return;
                    }
                    last = row.getInt(1) + " running";
                }
            } catch (SQLException e) {
                last = e.getMessage(); // the tables do not exist until the first server created them
            }
            Thread.sleep(200); // polling the ledger: nothing to be notified by
        }
        throw new IllegalStateException(count + " job servers did not start in " + database.jdbcUrl() + " within "
                + timeout.toSeconds() + " s (" + last + "); see their logs");
    }

    static String withDatabase(String jdbcUrl, String database) {
        Matcher matcher = URL.matcher(jdbcUrl);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a jdbc:postgresql://host[:port]/database URL: " + jdbcUrl);
        }
        return matcher.group(1) + "/" + database + (matcher.group(3) == null ? "" : matcher.group(3));
    }

    private static Connection connect(DatabaseSettings database) throws SQLException {
        return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
    }

    /** Drops every database this benchmark created, disconnecting whoever still uses it. */
    @Override
    public synchronized void close() {
        for (String name : created) {
            try (Connection connection = connect(server); Statement statement = connection.createStatement()) {
                statement.execute("drop database if exists " + name + " with (force)");
            } catch (SQLException e) {
                LOGGER.warn("could not drop benchmark database {}: {}", name, e.getMessage());
            }
        }
        created.clear();
    }
}
