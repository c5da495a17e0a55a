package io.conveyor.worker.claim;

import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Ledger;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.ledger.LedgerSchema;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ClaimOrder} on a real ledger: which waiting jobs a claim takes, in what order, and that it locks no more of
 * them than its room. (In the worker's package, to reach the claim's order without making it public.)
 */
class ClaimOrderIT {

    private static final Duration AGING = Duration.ofMinutes(10);
    private static final String WAITING = LedgerJobRequest.signature(JobKind.WAITS);
    private static final String COMPUTE = LedgerJobRequest.signature(JobKind.COMPUTE);
    private Ledger ledger;
    private JobMapper mapper;

    @BeforeEach
    void openLedger() throws SQLException {
        ledger = Ledger.open(TestServices.newDatabase("claim-order"), "claim-order-test", 4);
        LedgerSchema.prepare(ledger.dataSource());
        mapper = new JobMapper(ledger.jsonMapper());
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
    }

    @Test
    void takesHighThenAgedThenNormalThenLowAndLocksOnlyWhatItsRoomTakes() throws SQLException, IOException {
        UUID agedLow = enqueue("{\"type\":\"noop\",\"priority\":\"low\"}", JobKind.WAITS);
        Instant agedBefore = Instant.now();
        UUID normal1 = enqueue("{\"type\":\"noop\"}", JobKind.WAITS);
        UUID low = enqueue("{\"type\":\"noop\",\"priority\":\"low\"}", JobKind.WAITS);
        UUID high1 = enqueue("{\"type\":\"noop\",\"priority\":\"high\"}", JobKind.WAITS);
        UUID normal2 = enqueue("{\"type\":\"noop\"}", JobKind.WAITS);
        UUID high2 = enqueue("{\"type\":\"noop\",\"priority\":\"high\"}", JobKind.WAITS);
        ClaimOrder order = order(Set.of("noop"), agedBefore);

        try (Connection first = transaction(); Connection second = transaction()) {
            assertThat(select(order, first, new ClaimOrder.Lane(WAITING, 3))).as("the first claim, room 3").containsExactly(high1, high2, agedLow);
            // Had the first claim read (and locked) past its room, these would be skipped as locked.
            assertThat(select(order, second, new ClaimOrder.Lane(WAITING, 10))).as("a concurrent claim").containsExactly(normal1, normal2, low);
            first.rollback();
            second.rollback();
        }
    }

    @Test
    void fillsEachLaneUpToItsOwnRoomInOneClaim() throws SQLException, IOException {
        List<UUID> compute = new ArrayList<>();
        List<UUID> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            compute.add(enqueue("{\"type\":\"primes\",\"payload\":{\"limit\":10}}", JobKind.COMPUTE));
            waiting.add(enqueue("{\"type\":\"noop\"}", JobKind.WAITS));
        }
        ClaimOrder order = order(Set.of("noop", "primes"), Instant.now().minus(AGING));

        try (Connection claim = transaction()) {
            assertThat(select(order, claim, new ClaimOrder.Lane(COMPUTE, 1), new ClaimOrder.Lane(WAITING, 2)))
                    .containsExactly(compute.get(0), waiting.get(0), waiting.get(1));
            claim.rollback();
        }
    }

    @Test
    void takesOnlyTypesItRunsOnQueuesItServes() throws SQLException, IOException {
        UUID runnable = enqueue("{\"type\":\"noop\"}", JobKind.WAITS);
        enqueue("{\"type\":\"sleep\",\"payload\":{\"millis\":1}}", JobKind.WAITS);
        enqueue("{\"type\":\"noop\",\"queue\":\"reports\"}", JobKind.WAITS);
        ClaimOrder order = order(Set.of("noop"), Instant.now().minus(AGING));

        try (Connection claim = transaction()) {
            assertThat(select(order, claim, new ClaimOrder.Lane(WAITING, 10))).containsExactly(runnable);
            claim.rollback();
        }
    }

    /** A claim order whose aging line is {@code agedBefore}: jobs enqueued before it count as aged. */
    private static ClaimOrder order(Set<String> types, Instant agedBefore) {
        return new ClaimOrder(types, List.of("default"), Map.of(), AGING, Clock.fixed(agedBefore.plus(AGING), ZoneOffset.UTC));
    }

    private List<UUID> select(ClaimOrder order, Connection connection, ClaimOrder.Lane... lanes) throws SQLException {
        return order.select(connection, List.of(lanes)).stream().map(json -> mapper.deserializeJob(json).getId()).toList();
    }

    private Connection transaction() throws SQLException {
        Connection connection = ledger.dataSource().getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    private UUID enqueue(String submission, JobKind lane) throws IOException {
        UUID id = UUID.randomUUID();
        Job job = LedgerWriter.toJob(JobSubmissionJson.fromClient(JobSubmissionJson.MAPPER.readTree(submission), id, Instant.now()), lane);
        ledger.storageProvider().save(job);
        return id;
    }
}
