package io.conveyor.worker.run;

import io.conveyor.handler.JobKind;
import io.conveyor.worker.process.WorkerProcess;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JobLanesTest {

    @Test
    void aTypesKindIsTheSettingsElseItsHandlersElseCompute() {
        JobLanes lanes = new JobLanes(new HandlerRegistry(WorkerProcess.BUILT_IN_HANDLERS), Map.of("primes", JobKind.WAITS));
        assertThat(lanes.kindOf("sleep")).isEqualTo(JobKind.WAITS);
        assertThat(lanes.kindOf("noop")).isEqualTo(JobKind.WAITS);
        assertThat(lanes.kindOf("sort")).isEqualTo(JobKind.COMPUTE);
        assertThat(lanes.kindOf("primes")).isEqualTo(JobKind.WAITS);
        assertThat(lanes.kindOf("no-such-type")).isEqualTo(JobKind.COMPUTE);
    }
}
