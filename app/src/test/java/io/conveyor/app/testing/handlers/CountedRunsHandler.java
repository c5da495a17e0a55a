package io.conveyor.app.testing.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Payloads;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;

/**
 * {@code counted} {@code {"millis": n}}: a job type for tests that counts its own executions: each run inserts a row
 * into {@value #TABLE} (job id, attempt, worker pid) of the worker's ledger database, on a connection of its own,
 * before it holds its thread for n ms. A test that kills workers reads there how often a job really ran, which the
 * ledger's history cannot say (a run that a killed worker did not record leaves no trace there).
 *
 * <p>Only workers of tests that put {@code src/test/extra-handlers} on their class path find it ({@code ServiceLoader});
 * the test creates the table.
 */
public final class CountedRunsHandler implements JobHandler {

    public static final String TYPE = "counted";
    public static final String TABLE = "conveyor_test_runs";
    /** The class path entry whose {@code META-INF/services} registers this handler, relative to the app module. */
    public static final String CLASS_PATH_ENTRY = "src/test/extra-handlers";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode handle(JobContext context) throws Exception {
        long millis = Payloads.longField(context.payload(), "millis", 0, 10_000);
        try (Connection connection = DriverManager.getConnection(System.getenv("CONVEYOR_DB_URL"), System.getenv("CONVEYOR_DB_USER"),
                System.getenv("CONVEYOR_DB_PASSWORD"));
             PreparedStatement insert = connection.prepareStatement("insert into " + TABLE + " (job_id, attempt, pid) values (?, ?, ?)")) {
            insert.setObject(1, context.jobId());
            insert.setInt(2, context.attempt());
            insert.setLong(3, ProcessHandle.current().pid());
            insert.executeUpdate();
        }
        Thread.sleep(millis);
        return null;
    }
}
