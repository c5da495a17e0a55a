package io.conveyor.worker.run;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class JobTimeoutsTest {

    private final List<UUID> stuck = new CopyOnWriteArrayList<>();
    private final JobTimeouts timeouts = new JobTimeouts(Duration.ofMillis(200), (id, timeout) -> stuck.add(id));

    @AfterEach
    void close() {
        timeouts.close();
    }

    @Test
    void anAttemptPastItsTimeoutIsInterruptedAndEndsTimedOutWithItsThreadsInterruptCleared() throws Exception {
        UUID id = UUID.randomUUID();
        CompletableFuture<String> outcome = onJobThread(() -> {
            JobTimeouts.Run run = timeouts.start(id, Duration.ofMillis(50));
            try {
                Thread.sleep(Duration.ofMinutes(10));
                return "slept";
            } catch (InterruptedException e) {
                boolean timedOut = run.end();
                return "interrupted, timed out " + timedOut + ", still interrupted " + Thread.currentThread().isInterrupted()
                        + ", " + run.failure().getMessage();
            }
        });
        assertThat(outcome.get(1, TimeUnit.MINUTES)).isEqualTo("interrupted, timed out true, still interrupted false, timed out after 50 ms");
        assertThat(stuck).isEmpty();
    }

    @Test
    void anAttemptThatEndsInTimeIsNeverInterruptedNorReportedStuck() throws Exception {
        CompletableFuture<String> outcome = onJobThread(() -> {
            JobTimeouts.Run run = timeouts.start(UUID.randomUUID(), Duration.ofMinutes(1));
            return "timed out " + run.end() + ", interrupted " + Thread.currentThread().isInterrupted();
        });
        assertThat(outcome.get(1, TimeUnit.MINUTES)).isEqualTo("timed out false, interrupted false");
        assertThat(stuck).isEmpty();
    }

    @Test
    void anAttemptWithoutATimeoutRunsUnbounded() throws Exception {
        CompletableFuture<Boolean> outcome = onJobThread(() -> timeouts.start(UUID.randomUUID(), null).end());
        assertThat(outcome.get(1, TimeUnit.MINUTES)).isFalse();
    }

    @Test
    void anAttemptThatIgnoresTheInterruptIsReportedStuckAfterTheGrace() throws Exception {
        UUID id = UUID.randomUUID();
        CountDownLatch reported = new CountDownLatch(1);
        CompletableFuture<Boolean> outcome = onJobThread(() -> {
            JobTimeouts.Run run = timeouts.start(id, Duration.ofMillis(50));
            while (stuck.isEmpty()) {
                Thread.onSpinWait(); // ignores its interrupt
            }
            reported.countDown();
            return run.end();
        });
        assertThat(reported.await(1, TimeUnit.MINUTES)).isTrue();
        assertThat(outcome.get(1, TimeUnit.MINUTES)).isTrue();
        assertThat(stuck).containsExactly(id);
    }

    private static <T> CompletableFuture<T> onJobThread(java.util.function.Supplier<T> job) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name("job-thread").start(() -> result.complete(job.get()));
        return result;
    }
}
