package io.conveyor.worker.process;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The supervisor with real child processes: what it does when a child cannot start or dies. */
class WorkerSupervisorTest {

    /** Far longer than the back-off's first steps (0.5 s, 1 s, 2 s): only a supervisor that gave up reaches it. */
    private static final Duration GENEROUS = Duration.ofSeconds(60);

    @Test
    void aChildThatCannotBeStartedIsTriedAgainNotGivenUpForGood() throws InterruptedException {
        List<String> noSuchProgram = List.of(Path.of("no-such-directory", "no-such-java").toAbsolutePath().toString());
        try (WorkerSupervisor supervisor = new WorkerSupervisor(1, noSuchProgram, Map.of(), Optional.empty())) {
            awaitAtLeast(3, supervisor::restarts);
            assertThat(supervisor.restarts()).as("attempts to start the child again").isGreaterThanOrEqualTo(3);
            assertThat(supervisor.pids()).as("children alive").isEmpty();
        }
    }

    @Test
    void aChildThatExitsIsStartedAgain() throws InterruptedException {
        try (WorkerSupervisor supervisor = new WorkerSupervisor(1, List.of("sh", "-c", "exit 3"), Map.of(), Optional.empty())) {
            awaitAtLeast(2, supervisor::restarts);
            assertThat(supervisor.restarts()).as("restarts of a child exiting with code 3").isGreaterThanOrEqualTo(2);
        }
    }

    private static void awaitAtLeast(int count, IntSupplier value) throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (value.getAsInt() < count && System.nanoTime() < deadline) {
            Thread.sleep(50); // polling a counter, not waiting for time to pass
        }
    }
}
