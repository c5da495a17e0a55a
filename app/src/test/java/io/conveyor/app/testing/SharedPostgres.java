package io.conveyor.app.testing;

import io.conveyor.app.EmbeddedPostgresServer;
import io.conveyor.app.PostgresProbe;
import io.conveyor.common.DatabaseSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The one PostgreSQL server of this test JVM, chosen on first use, on which every test gets a database of its own. */
final class SharedPostgres {

    private static final Logger LOG = LoggerFactory.getLogger(SharedPostgres.class);
    private static final String URL_ENV = "CONVEYOR_TEST_DB_URL";
    /** Splits a JDBC URL into what comes before the database name, the name, and the query string. */
    private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/?]*)(/[^?]*)?(\\?.*)?");

    private static SharedPostgres instance;

    private final DatabaseSettings admin;
    private final String description;
    private final AutoCloseable ownedServer;
    private final Set<String> created = ConcurrentHashMap.newKeySet();

    private SharedPostgres(DatabaseSettings admin, String description, AutoCloseable ownedServer) {
        this.admin = admin;
        this.description = description;
        this.ownedServer = ownedServer;
    }

    static synchronized SharedPostgres get() {
        if (instance == null) {
            instance = resolve();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "shared-postgres-stop"));
            LOG.info("PostgreSQL for tests: {}", instance.description);
        }
        return instance;
    }

    static synchronized String describeIfChosen() {
        return instance == null ? "not used yet" : instance.description;
    }

    /** Creates an empty database named {@code it_<hint>_<random>} and returns settings pointing at it. */
    DatabaseSettings newDatabase(String hint) {
        String name = "it_" + identifier(hint) + "_" + UUID.randomUUID().toString().substring(0, 8);
        execute("CREATE DATABASE " + name);
        created.add(name);
        Matcher url = matchUrl(admin.jdbcUrl());
        String jdbcUrl = url.group(1) + "/" + name + (url.group(3) == null ? "" : url.group(3));
        return new DatabaseSettings(jdbcUrl, admin.user(), admin.password());
    }

    /**
     * {@code CONVEYOR_TEST_DB_URL} (with {@code CONVEYOR_TEST_DB_USER} and {@code _PASSWORD}), else the local server on
     * 127.0.0.1:5432, else a container if Docker is available, else embedded PostgreSQL.
     */
    private static SharedPostgres resolve() {
        String url = System.getenv(URL_ENV);
        if (url != null && !url.isBlank()) {
            DatabaseSettings settings = new DatabaseSettings(url, envOr("CONVEYOR_TEST_DB_USER", DatabaseSettings.USER_DEFAULT),
                    envOr("CONVEYOR_TEST_DB_PASSWORD", ""));
            matchUrl(url); // reject an unusable URL now rather than at the first newDatabase
            return new SharedPostgres(settings, url + " (from " + URL_ENV + ")", null);
        }
        DatabaseSettings local = new DatabaseSettings(DatabaseSettings.URL_DEFAULT, DatabaseSettings.USER_DEFAULT, "");
        if (PostgresProbe.isReachable(local, Duration.ofSeconds(2))) {
            return new SharedPostgres(local, "local server " + local.jdbcUrl() + " (" + URL_ENV + " unset, local server reachable)", null);
        }
        String noContainer = "Docker unavailable";
        if (DockerServices.available()) {
            PostgreSQLContainer container = DockerServices.postgres();
            try {
                container.start();
                DatabaseSettings settings = new DatabaseSettings(container.getJdbcUrl(), container.getUsername(), container.getPassword());
                return new SharedPostgres(settings, "Testcontainers " + DockerServices.POSTGRES_IMAGE + " at " + settings.jdbcUrl()
                        + " (" + URL_ENV + " unset, no local server)", container);
            } catch (RuntimeException e) {
                LOG.warn("PostgreSQL container did not start, falling back to embedded PostgreSQL", e);
                container.stop();
                noContainer = "Docker container failed: " + e.getMessage();
            }
        }
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(null);
        return new SharedPostgres(server.settings(), "embedded PostgreSQL at " + server.settings().jdbcUrl()
                + " (" + URL_ENV + " unset, no local server, " + noContainer + ")", server);
    }

    private void stop() {
        if (ownedServer == null) {
            // Someone else's server outlives this JVM: remove what the tests left there.
            created.forEach(name -> {
                try {
                    execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                } catch (RuntimeException e) {
                    LOG.warn("could not drop test database {}: {}", name, e.getMessage());
                }
            });
            return;
        }
        try {
            ownedServer.close();
        } catch (Exception e) {
            LOG.warn("could not stop the PostgreSQL used by tests", e);
        }
    }

    private void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + admin.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }

    /** Lowercase letters, digits and '_' only, so that the name needs no quoting; short enough for the 63-byte limit. */
    private static String identifier(String hint) {
        String cleaned = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("^_+|_+$", "");
        cleaned = cleaned.length() > 40 ? cleaned.substring(0, 40) : cleaned;
        return cleaned.isEmpty() ? "db" : cleaned;
    }

    private static Matcher matchUrl(String jdbcUrl) {
        Matcher matcher = URL.matcher(jdbcUrl);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected jdbc:postgresql://host[:port][/database][?params], was " + jdbcUrl);
        }
        return matcher;
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }
}
