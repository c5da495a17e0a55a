package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.handler.NonRetryableJobException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrimesHandlerTest {

    @TempDir
    Path dataDir;
    private HandlerRunner runner;

    @BeforeEach
    void startRunner() {
        runner = HandlerRunner.on(dataDir);
    }

    @AfterEach
    void closeRunner() {
        runner.close();
    }

    @Test
    void countsThePrimesBelowOneMillionAndReportsEveryNumberExamined() throws Exception {
        JsonNode result = runner.run(new PrimesHandler(), "{\"from\":0,\"to\":1000000}");
        assertThat(result.get("count").asLong()).isEqualTo(78_498);
        assertThat(runner.lastContext().progressDone()).isEqualTo(1_000_000);
        assertThat(runner.lastContext().progressTotal()).isEqualTo(1_000_000);
    }

    @Test
    void countsAnInnerRangeWithHalfOpenBounds() throws Exception {
        // primes in [2, 3) = {2}; in [10, 30) = {11,13,17,19,23,29}
        assertThat(runner.run(new PrimesHandler(), "{\"from\":2,\"to\":3}").get("count").asLong()).isEqualTo(1);
        assertThat(runner.run(new PrimesHandler(), "{\"from\":10,\"to\":30}").get("count").asLong()).isEqualTo(6);
    }

    @Test
    void refusesARangeBeyondTheCapOrReversed() {
        assertThatThrownBy(() -> runner.run(new PrimesHandler(), "{\"from\":0,\"to\":" + (PrimesHandler.MAX_RANGE + 1) + "}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'to'");
        assertThatThrownBy(() -> runner.run(new PrimesHandler(), "{\"from\":10,\"to\":5}"))
                .isInstanceOf(NonRetryableJobException.class);
        assertThatThrownBy(() -> runner.run(new PrimesHandler(), "{\"from\":\"x\"}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'from'");
    }

    @Test
    void failHandlerFailsItsFirstNAttemptsThenSucceeds() throws Exception {
        FailHandler fail = new FailHandler();
        ObjectNode twice = JobSubmissionJson.MAPPER.createObjectNode().put("n", 2);
        assertThatThrownBy(() -> runner.run(fail, 1, twice)).isInstanceOf(FailHandler.IntentionalFailure.class);
        assertThatThrownBy(() -> runner.run(fail, 2, twice)).isInstanceOf(FailHandler.IntentionalFailure.class);
        assertThat(runner.run(fail, 3, twice)).isNull();
    }

    @Test
    void sleepHandlerNeedsMillis() {
        assertThatThrownBy(() -> runner.run(new SleepHandler(), "{}"))
                .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'millis'");
    }
}
