package io.conveyor.app;

import io.conveyor.common.DatabaseSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedPostgresServerIT {

    @Test
    void answersQueriesUntilClosed() throws SQLException {
        DatabaseSettings settings;
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(null)) {
            settings = server.settings();
            assertThat(PostgresProbe.isReachable(settings, Duration.ofSeconds(2))).isTrue();
            assertThat(query(settings, "select 1")).isEqualTo("1");
        }
        assertThat(PostgresProbe.isReachable(settings, Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void keepsDataAcrossRestartsInTheSameDirectory(@TempDir Path dataDir) throws SQLException {
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(dataDir)) {
            execute(first.settings(), "create table kept (id int); insert into kept values (42)");
        }
        try (EmbeddedPostgresServer second = EmbeddedPostgresServer.start(dataDir)) {
            assertThat(query(second.settings(), "select id from kept")).isEqualTo("42");
        }
    }

    private static String query(DatabaseSettings db, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static void execute(DatabaseSettings db, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
