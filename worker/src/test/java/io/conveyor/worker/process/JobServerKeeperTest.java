package io.conveyor.worker.process;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class JobServerKeeperTest {

    /** A job server that JobRunr stopped by itself and whose starts throw {@code failure} {@code failing} times. */
    private static final class StoppedServer implements JobServerKeeper.Server {
        private final Throwable failure;
        private final int failing;
        private final AtomicInteger starts = new AtomicInteger();
        private volatile boolean running;

        StoppedServer(Throwable failure, int failing) {
            this.failure = failure;
            this.failing = failing;
        }

        @Override
        public void start() {
            if (starts.incrementAndGet() <= failing) {
                sneakyThrow(failure);
            }
            running = true;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public boolean isStoppedUnasked() {
            return !running;
        }

        @SuppressWarnings("unchecked")
        private static <T extends Throwable> void sneakyThrow(Throwable failure) throws T {
            throw (T) failure;
        }
    }

    @Test
    void aStartThatThrowsAnErrorEveryTimeEndsTheProcessWithTheKeepersExitCode() throws Exception {
        StoppedServer server = new StoppedServer(new NoClassDefFoundError("org/example/Gone"), Integer.MAX_VALUE);
        CompletableFuture<String> exit = new CompletableFuture<>();
        try (JobServerKeeper keeper = new JobServerKeeper("test", server, () -> true, () -> { },
                (code, reason) -> exit.complete(code + " " + reason), Duration.ofMillis(10), 3)) {
            keeper.serverStoppedUnasked();

            assertThat(exit.get(10, TimeUnit.SECONDS)).startsWith(JobServerKeeper.EXIT_CODE + " ")
                    .contains("could not be started again 3 times").contains("NoClassDefFoundError");
        }
    }

    @Test
    void aStartThatThrowsAnErrorOnceIsRetriedAndTheKeeperStillWatchesTheNextStop() throws Exception {
        StoppedServer server = new StoppedServer(new AssertionError("once"), 1);
        AtomicInteger restarts = new AtomicInteger();
        CompletableFuture<String> exit = new CompletableFuture<>();
        try (JobServerKeeper keeper = new JobServerKeeper("test", server, () -> true, restarts::incrementAndGet,
                (code, reason) -> exit.complete(code + " " + reason), Duration.ofMillis(10), 3)) {
            keeper.serverStoppedUnasked();
            awaitTrue(() -> restarts.get() == 1);
            assertThat(keeper.ready()).isTrue();

            server.running = false; // JobRunr stops it by itself again
            keeper.serverStoppedUnasked();
            awaitTrue(() -> restarts.get() == 2);
            assertThat(exit).isNotDone();
        }
    }

    @Test
    void anErrorAfterTheRestartNeitherKillsTheKeeperNorEndsTheProcess() throws Exception {
        StoppedServer server = new StoppedServer(null, 0);
        AtomicInteger restarts = new AtomicInteger();
        CompletableFuture<String> exit = new CompletableFuture<>();
        try (JobServerKeeper keeper = new JobServerKeeper("test", server, () -> true, () -> {
            restarts.incrementAndGet();
            throw new IllegalStateException("the ledger went away again");
        }, (code, reason) -> exit.complete(code + " " + reason), Duration.ofMillis(10), 3)) {
            keeper.serverStoppedUnasked();
            awaitTrue(() -> restarts.get() == 1);

            server.running = false;
            keeper.serverStoppedUnasked();
            awaitTrue(() -> restarts.get() == 2);
            assertThat(exit).isNotDone();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition met within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
