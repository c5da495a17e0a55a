package io.conveyor.worker.claim;

import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Ledger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings of a claim's transaction on a real ledger connection ({@link LaneClaim#begin}): its commit does not wait
 * for the write-ahead log's flush, and that stays within the claim's transaction, so that the pooled connection's next
 * user (intake, the succeeded jobs' writer) commits durably again. (In the worker's package, to reach the claim's
 * transaction without making it public.)
 */
class ClaimTransactionIT {

    private Ledger ledger;

    @BeforeEach
    void openLedger() {
        ledger = Ledger.open(TestServices.newDatabase("claim-transaction"), "claim-transaction-test", 4);
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
    }

    @Test
    void aClaimCommitsWithoutWaitingForTheFlushAndOnlyItDoes() throws SQLException {
        try (Connection connection = ledger.dataSource().getConnection()) {
            assertThat(setting(connection, "synchronous_commit")).as("a ledger connection's own").isEqualTo("on");
            connection.setAutoCommit(false);
            LaneClaim.begin(connection);
            assertThat(setting(connection, "synchronous_commit")).as("in the claim's transaction").isEqualTo("off");
            assertThat(setting(connection, "plan_cache_mode")).as("in the claim's transaction").isEqualTo("force_generic_plan");
            connection.commit();
            connection.setAutoCommit(true);
            assertThat(setting(connection, "synchronous_commit")).as("after the claim's commit").isEqualTo("on");
            assertThat(setting(connection, "plan_cache_mode")).as("after the claim's commit").isEqualTo("force_custom_plan");
        }
    }

    private static String setting(Connection connection, String name) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("select current_setting('" + name + "')")) {
            row.next();
            return row.getString(1);
        }
    }
}
