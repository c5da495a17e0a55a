package io.conveyor.worker.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * A JVM whose background part dies of an {@link OutOfMemoryError} wrapped by a library (as Kafka's clients wrap it in a
 * {@code KafkaException}) while a job holds the heap ({@link FatalJobErrorsJvmTest}). The handler installed before
 * {@link FatalJobErrors} ends the process with code 4 at once, as a worker's ordinary part death does (a close, then a
 * halt); the note takes a second to write. Prints the note it was left.
 */
final class WrappedErrorJvmMain {

    static final UUID CULPRIT = UUID.fromString("00000000-0000-0000-0000-0000000c0de2");
    static final int PART_DEATH_EXIT_CODE = 4;

    public static void main(String[] args) throws InterruptedException {
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> Runtime.getRuntime().halt(PART_DEATH_EXIT_CODE));
        FatalJobErrors fatalErrors = new FatalJobErrors();
        fatalErrors.leaveNotesWith(new PrintingDeathNote(Duration.ofSeconds(1), () -> ""));
        fatalErrors.installAsDefaultHandler();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch partDied = new CountDownLatch(1);
        Thread.ofPlatform().name("job").start(() -> {
            fatalErrors.started(CULPRIT);
            List<byte[]> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(new byte[1 << 20]);
            }
            holding.countDown();
            try {
                partDied.await();
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // its next allocation fails too: it lets go of the heap, meets the handling and waits for the note
            fatalErrors.jobKilledWorker(CULPRIT, new OutOfMemoryError("Java heap space (" + held.size() + " MiB held)"));
        });
        holding.await();
        Thread.ofPlatform().name("kafka-consumer").start(() -> {
            partDied.countDown();
            throw new IllegalStateException("poll failed", new OutOfMemoryError("Java heap space"));
        });
        Thread.sleep(60_000);
    }

    private WrappedErrorJvmMain() {
    }
}
