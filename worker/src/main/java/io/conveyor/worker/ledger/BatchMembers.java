package io.conveyor.worker.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.BatchMember;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.UUID;

/**
 * A batch's members as a completion job's handler reads them ({@code JobContext.batch()}): pages of {@value #PAGE} in id
 * order from the ledger's index of members, each page read when the previous one is used up, so that memory holds one
 * page whatever the batch's size. Each page is its own query: no connection is held while the handler works.
 */
public final class BatchMembers implements Iterable<BatchMember> {

    static final int PAGE = 1000;
    private static final String SELECT = "select id, state, jobAsJson::jsonb -> 'metadata' ->> '" + JobHandler.RESULT_METADATA_KEY + "' "
            + "from jobrunr_jobs where conveyor_batch = ? and (id collate \"C\") > ? order by (id collate \"C\") limit " + PAGE;

    private final DataSource dataSource;
    private final UUID batch;

    public BatchMembers(DataSource dataSource, UUID batch) {
        this.dataSource = dataSource;
        this.batch = batch;
    }

    @Override
    public Iterator<BatchMember> iterator() {
        return new Iterator<>() {
            private List<BatchMember> page = List.of();
            private int next;
            private String after = "";
            private boolean last;

            @Override
            public boolean hasNext() {
                if (next < page.size()) {
                    return true;
                }
                if (last) {
                    return false;
                }
                page = read(after);
                next = 0;
                last = page.size() < PAGE;
                if (!page.isEmpty()) {
                    after = page.getLast().id().toString();
                }
                return !page.isEmpty();
            }

            @Override
            public BatchMember next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.get(next++);
            }
        };
    }

    private List<BatchMember> read(String after) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(SELECT)) {
            select.setObject(1, batch);
            select.setString(2, after);
            List<BatchMember> members = new ArrayList<>(PAGE);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    members.add(new BatchMember(UUID.fromString(rows.getString(1).trim()), rows.getString(2), result(rows.getString(3))));
                }
            }
            return members;
        } catch (SQLException e) {
            // The handler's attempt fails and is retried like any other that met an unreachable ledger.
            throw new IllegalStateException("could not read the members of batch " + batch + " from the ledger: " + e.getMessage(), e);
        }
    }

    private static JsonNode result(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("a member's result is not JSON", e);
        }
    }
}
