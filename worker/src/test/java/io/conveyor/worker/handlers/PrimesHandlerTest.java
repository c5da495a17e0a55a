package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.ComputePool;
import io.conveyor.common.JobContext;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.NonRetryableJobException;
import io.conveyor.worker.ForkJoinComputePool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrimesHandlerTest {

    private final ForkJoinComputePool pool = new ForkJoinComputePool(3);

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void countsThePrimesBelowOneMillion() throws Exception {
        JsonNode result = new PrimesHandler().handle(context("primes", 1, payload().put("from", 0).put("to", 1_000_000)));
        assertThat(result.get("count").asLong()).isEqualTo(78_498);
    }

    @Test
    void countsAnInnerRangeWithHalfOpenBounds() throws Exception {
        // primes in [2, 3) = {2}; in [10, 30) = {11,13,17,19,23,29}
        assertThat(new PrimesHandler().handle(context("primes", 1, payload().put("from", 2).put("to", 3))).get("count").asLong()).isEqualTo(1);
        assertThat(new PrimesHandler().handle(context("primes", 1, payload().put("from", 10).put("to", 30))).get("count").asLong()).isEqualTo(6);
    }

    @Test
    void refusesARangeBeyondTheCapOrReversed() {
        assertThatThrownBy(() -> new PrimesHandler().handle(context("primes", 1, payload().put("from", 0).put("to", PrimesHandler.MAX_RANGE + 1))))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'to'");
        assertThatThrownBy(() -> new PrimesHandler().handle(context("primes", 1, payload().put("from", 10).put("to", 5))))
                .isInstanceOf(NonRetryableJobException.class);
        assertThatThrownBy(() -> new PrimesHandler().handle(context("primes", 1, payload().put("from", "x"))))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'from'");
    }

    @Test
    void failHandlerFailsItsFirstNAttemptsThenSucceeds() {
        FailHandler fail = new FailHandler();
        ObjectNode twice = payload().put("n", 2);
        assertThatThrownBy(() -> fail.handle(context("fail", 1, twice))).isInstanceOf(FailHandler.IntentionalFailure.class);
        assertThatThrownBy(() -> fail.handle(context("fail", 2, twice))).isInstanceOf(FailHandler.IntentionalFailure.class);
        assertThat(fail.handle(context("fail", 3, twice))).isNull();
    }

    @Test
    void sleepHandlerNeedsMillis() {
        assertThatThrownBy(() -> new SleepHandler().handle(context("sleep", 1, payload())))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'millis'");
    }

    private static ObjectNode payload() {
        return JobSubmissionJson.MAPPER.createObjectNode();
    }

    private JobContext context(String type, int attempt, ObjectNode payload) {
        return new JobContext() {
            public UUID jobId() { return UUID.randomUUID(); }
            public String type() { return type; }
            public int attempt() { return attempt; }
            public ObjectNode payload() { return payload; }
            public ComputePool compute() { return pool; }
        };
    }
}
