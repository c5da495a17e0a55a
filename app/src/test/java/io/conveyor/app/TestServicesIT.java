package io.conveyor.app;

import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.DatabaseSettings;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class TestServicesIT {

    @Test
    void newDatabaseGivesDistinctEmptyDatabases() throws SQLException {
        DatabaseSettings first = TestServices.newDatabase("Services-IT");
        DatabaseSettings second = TestServices.newDatabase("Services-IT");

        String firstName = new TestDatabase(first).query("select current_database()");
        String secondName = new TestDatabase(second).query("select current_database()");
        assertThat(firstName).matches("it_services_it_[0-9a-f]{8}").isNotEqualTo(secondName);
        assertThat(secondName).matches("it_services_it_[0-9a-f]{8}");

        new TestDatabase(first).execute("create table marker (id int)");
        assertThat(new TestDatabase(first).query("select count(*) from information_schema.tables where table_schema = 'public'")).isEqualTo("1");
        assertThat(new TestDatabase(second).query("select count(*) from information_schema.tables where table_schema = 'public'")).isEqualTo("0");
        assertThat(TestServices.describe()).startsWith("PostgreSQL: ").doesNotContain("PostgreSQL: not used yet");
    }
}
