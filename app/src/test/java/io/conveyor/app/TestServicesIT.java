package io.conveyor.app;

import io.conveyor.app.testing.TestServices;
import io.conveyor.common.DatabaseSettings;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

class TestServicesIT {

    @Test
    void newDatabaseGivesDistinctEmptyDatabases() throws SQLException {
        DatabaseSettings first = TestServices.newDatabase("Services-IT");
        DatabaseSettings second = TestServices.newDatabase("Services-IT");

        String firstName = query(first, "select current_database()");
        String secondName = query(second, "select current_database()");
        assertThat(firstName).matches("it_services_it_[0-9a-f]{8}").isNotEqualTo(secondName);
        assertThat(secondName).matches("it_services_it_[0-9a-f]{8}");

        execute(first, "create table marker (id int)");
        assertThat(query(first, "select count(*) from information_schema.tables where table_schema = 'public'")).isEqualTo("1");
        assertThat(query(second, "select count(*) from information_schema.tables where table_schema = 'public'")).isEqualTo("0");
        assertThat(TestServices.describe()).startsWith("PostgreSQL: ").doesNotContain("PostgreSQL: not used yet");
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
