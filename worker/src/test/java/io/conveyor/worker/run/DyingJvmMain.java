package io.conveyor.worker.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * A JVM that a job breaks as in a worker ({@link FatalJobErrorsJvmTest}): the job fills the heap in 1 MiB pieces, and
 * before it is done another thread meets an {@link OutOfMemoryError} and starts the handling. Prints the note it was
 * left and whether the job had let go of the heap by then.
 */
final class DyingJvmMain {

    static final UUID CULPRIT = UUID.fromString("00000000-0000-0000-0000-00000000c0de");
    private static volatile boolean culpritLetGo;

    public static void main(String[] args) throws InterruptedException {
        FatalJobErrors fatalErrors = new FatalJobErrors();
        fatalErrors.leaveNotesWith(new PrintingDeathNote(Duration.ZERO, () -> (culpritLetGo ? " after" : " before") + " the job let go"));
        fatalErrors.installAsDefaultHandler();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch fill = new CountDownLatch(1);
        Thread.ofPlatform().name("job").start(() -> {
            fatalErrors.started(CULPRIT);
            try {
                List<byte[]> held = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    held.add(new byte[1 << 20]);
                }
                started.countDown();
                fill.await();
                while (true) {
                    held.add(new byte[1 << 20]);
                }
            } catch (VirtualMachineError e) {
                culpritLetGo = true;
                fatalErrors.jobKilledWorker(CULPRIT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        started.await();
        // a thread beside the job meets the error first (a heartbeat, a client's network thread) and handles it
        Thread.ofPlatform().name("bystander").start(() -> {
            throw new OutOfMemoryError("Java heap space");
        });
        Thread.sleep(500);
        fill.countDown();
        Thread.sleep(60_000);
    }

    private DyingJvmMain() {
    }
}
