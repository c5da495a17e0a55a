package io.conveyor.worker.run;

import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

class FatalJobErrorsTest {

    private final FatalJobErrors fatalErrors = new FatalJobErrors();

    @Test
    void theCulpritOfAFullHeapIsTheJobWhoseThreadAllocatedMostNotTheThreadThatMetTheError() throws Exception {
        UUID filler = UUID.randomUUID();
        UUID bystander = UUID.randomUUID();
        CountDownLatch ready = new CountDownLatch(2);
        CountDownLatch done = new CountDownLatch(1);
        Thread fill = runJob(filler, Runtime.getRuntime().maxMemory() / 2, ready, done);
        Thread stand = runJob(bystander, 1 << 20, ready, done);
        ready.await();

        assertThat(fatalErrors.heaviestAllocator()).contains(filler);
        done.countDown();
        fill.join();
        stand.join();
        assertThat(fatalErrors.heaviestAllocator()).as("ended jobs are not suspects").isEmpty();
    }

    @Test
    void noJobIsBlamedWhenNoneAllocatedAMebibyte() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread small = runJob(UUID.randomUUID(), 64 << 10, ready, done);
        ready.await();

        assertThat(fatalErrors.heaviestAllocator()).isEmpty();
        done.countDown();
        small.join();
    }

    @Test
    void anErrorCausedByAVirtualMachineErrorBreaksTheJvmAsThatErrorWould() {
        OutOfMemoryError outOfMemory = new OutOfMemoryError("Java heap space");
        RuntimeException wrappedTwice = new RuntimeException("poll failed", new IllegalStateException(outOfMemory));
        RuntimeException loop = new RuntimeException("a");
        IllegalStateException other = new IllegalStateException("b", loop);
        loop.initCause(other);

        assertThat(FatalJobErrors.brokenBy(outOfMemory)).isSameAs(outOfMemory);
        assertThat(FatalJobErrors.brokenBy(wrappedTwice)).isSameAs(outOfMemory);
        assertThat(FatalJobErrors.brokenBy(new IllegalStateException("no VM error", new java.io.IOException()))).isNull();
        assertThat(FatalJobErrors.brokenBy(loop)).as("a cycle of causes ends the search").isNull();
    }

    /** A platform thread that runs job {@code jobId}, allocating {@code bytes} in 64 KiB pieces it lets go of at once. */
    private Thread runJob(UUID jobId, long bytes, CountDownLatch ready, CountDownLatch done) {
        return Thread.ofPlatform().start(() -> {
            fatalErrors.started(jobId);
            try {
                long sum = 0;
                for (long allocated = 0; allocated < bytes; allocated += 64 << 10) {
                    sum += new byte[64 << 10].length;
                }
                if (sum < bytes) {
                    throw new AssertionError("allocated " + sum + " of " + bytes);
                }
                ready.countDown();
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                fatalErrors.ended();
            }
        });
    }
}
