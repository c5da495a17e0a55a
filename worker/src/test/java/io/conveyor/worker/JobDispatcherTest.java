package io.conveyor.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.JobHandler;
import io.conveyor.common.JobSubmissionJson;
import org.jobrunr.JobRunrException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobDispatcherTest {

    @Test
    void aResultUpToTheCapIsKeptAsJsonText() throws Exception {
        ObjectNode result = JobSubmissionJson.MAPPER.createObjectNode().put("count", 3);
        assertThat(JobDispatcher.resultJson(result)).isEqualTo("{\"count\":3}");

        ObjectNode justFits = JobSubmissionJson.MAPPER.createObjectNode().put("x", "a".repeat(JobHandler.MAX_RESULT_BYTES - "{\"x\":\"\"}".length()));
        assertThat(JobDispatcher.resultJson(justFits)).hasSize(JobHandler.MAX_RESULT_BYTES);
    }

    @Test
    void aResultOverTheCapFailsTheJobWithoutRetryCountingUtf8Bytes() {
        // 'é' is one char but two bytes of UTF-8: the cap is on bytes.
        ObjectNode tooBig = JobSubmissionJson.MAPPER.createObjectNode().put("x", "é".repeat(JobHandler.MAX_RESULT_BYTES / 2));

        assertThatThrownBy(() -> JobDispatcher.resultJson(tooBig))
                .isInstanceOfSatisfying(JobRunrException.class, e -> assertThat(e.isProblematicAndDoNotRetry()).isTrue())
                .hasMessageContaining("over the cap of 65536 bytes");
    }
}
