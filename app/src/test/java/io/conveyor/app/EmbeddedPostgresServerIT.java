package io.conveyor.app;

import io.conveyor.app.testing.TestDatabase;
import io.conveyor.common.DatabaseSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedPostgresServerIT {

    @Test
    void answersQueriesUntilClosed() throws SQLException {
        DatabaseSettings settings;
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(null)) {
            settings = server.settings();
            assertThat(PostgresProbe.isReachable(settings, Duration.ofSeconds(2))).isTrue();
            assertThat(new TestDatabase(settings).query("select 1")).isEqualTo("1");
        }
        assertThat(PostgresProbe.isReachable(settings, Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void keepsDataAcrossRestartsInTheSameDirectory(@TempDir Path dataDir) throws SQLException {
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(dataDir)) {
            new TestDatabase(first.settings()).execute("create table kept (id int); insert into kept values (42)");
        }
        try (EmbeddedPostgresServer second = EmbeddedPostgresServer.start(dataDir)) {
            assertThat(new TestDatabase(second.settings()).query("select id from kept")).isEqualTo("42");
        }
    }
}
